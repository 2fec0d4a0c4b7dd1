-- Allocation fast path, audit trail and the visit -> reservation hand-off.

-- Days of a lot whose spot_days rows exist for every spot (materialised on first use).
create table lot_days (
  lot_id integer not null references lots,
  day date not null,
  primary key (lot_id, day)
);

-- The 96 quarter-hour bits of UTC day `d` that `p` touches, rounded outward (conservative). Bit 0 is
-- 00:00-00:15. Integer slots and bit shifts: 10 us a call, where building bit strings from text cost 45.
create function parkctl_day_mask(d date, p tstzrange) returns bit(96)
  language plpgsql immutable parallel safe as $$
declare
  day_start timestamptz := d::timestamp at time zone 'UTC';
  lo integer := greatest(0, floor(extract(epoch from lower(p) - day_start) / 900));
  hi integer := least(96, ceil(extract(epoch from upper(p) - day_start) / 900));
begin
  if hi <= lo then
    return 0::bit(96);
  end if;
  return ((-1)::bit(96) >> lo) & ((-1)::bit(96) << (96 - hi));
end $$;

create function parkctl_days_of(p tstzrange) returns setof date
  language sql immutable parallel safe as $$
  select generate_series((lower(p) at time zone 'UTC')::date,
                         ((upper(p) - interval '1 microsecond') at time zone 'UTC')::date,
                         interval '1 day')::date
$$;

-- Keeps spot_days in step with reservations, whatever path wrote them (core, sweeper, direct SQL).
-- Inserts are one row at a time (the allocator): a row trigger with a one-day fast path.
create function reservations_insert_spot_days() returns trigger
  language plpgsql as $$
declare
  d0 date;
begin
  if new.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') then
    d0 := (lower(new.period) at time zone 'UTC')::date;
    if d0 = ((upper(new.period) - interval '1 microsecond') at time zone 'UTC')::date then
      -- the common case, one day whose row exists (the allocator holds its lock): a plain update
      update spot_days sd set mask = sd.mask | parkctl_day_mask(d0, new.period)
       where sd.lot_id = new.lot_id and sd.day = d0 and sd.spot_id = new.spot_id;
      if found then
        return null;
      end if;
    end if;
    insert into spot_days as sd (lot_id, spot_id, day, vehicle_type, mask)
      select new.lot_id, new.spot_id, d, new.vehicle_type, parkctl_day_mask(d, new.period)
        from parkctl_days_of(new.period) d
      on conflict (lot_id, day, spot_id) do update set mask = sd.mask | excluded.mask;
  end if;
  return null;
end $$;

create trigger reservations_insert_spot_days
  after insert on reservations
  for each row execute function reservations_insert_spot_days();

-- Updates come in batches (sweepers expire thousands of holds): one statement-level pass recomputes
-- every touched spot-day once from the live reservations that remain. Per row, this cost 0.5 ms a hold.
create function reservations_update_spot_days() returns trigger
  language plpgsql as $$
begin
  with moved as (
    select o.lot_id, o.spot_id as old_spot, o.period as old_period, n.spot_id as new_spot, n.period as new_period,
           n.vehicle_type, o.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') as was_live,
           n.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') as is_live
      from old_rows o join new_rows n on n.lot_id = o.lot_id and n.reservation_id = o.reservation_id
     where (o.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')) <> (n.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN'))
        or ((o.period <> n.period or o.spot_id <> n.spot_id) and (o.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') or n.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')))
  ), touched as (
    select distinct m.lot_id, m.old_spot as spot_id, d.day from moved m cross join lateral parkctl_days_of(m.old_period) d(day) where m.was_live
    union
    select m.lot_id, m.new_spot, d.day from moved m cross join lateral parkctl_days_of(m.new_period) d(day) where m.is_live
  ), recomputed as (
    select t.lot_id, t.spot_id, t.day, coalesce((
             select bit_or(parkctl_day_mask(t.day, r.period))
               from reservations r
              where r.lot_id = t.lot_id and r.spot_id = t.spot_id
                and r.period && tstzrange(t.day::timestamp at time zone 'UTC', (t.day + 1)::timestamp at time zone 'UTC', '[)')
                and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')), 0::bit(96)) as mask
      from touched t
  ), created as (
    -- a day no booking of this spot touched before: its row starts with the right bits
    insert into spot_days (lot_id, spot_id, day, vehicle_type, mask)
    select c.lot_id, c.spot_id, c.day, s.vehicle_type, c.mask
      from recomputed c join spots s on s.lot_id = c.lot_id and s.spot_id = c.spot_id
    on conflict do nothing
  )
  update spot_days sd set mask = c.mask
    from recomputed c
   where sd.lot_id = c.lot_id and sd.spot_id = c.spot_id and sd.day = c.day and sd.mask <> c.mask;
  return null;
end $$;

create trigger reservations_update_spot_days
  after update on reservations
  referencing old table as old_rows new table as new_rows
  for each statement execute function reservations_update_spot_days();

-- Audit: every reservation state change lands in events, with the actor the transaction set
-- (`set_config('parkctl.actor', ...)`), else the database user.
create function reservations_audit_insert() returns trigger
  language plpgsql as $$
begin
  insert into events (lot_id, kind, reservation_id, actor, reason, detail, occurred_at)
  values (new.lot_id, 'reservation.' || lower(new.status::text), new.reservation_id,
          coalesce(nullif(current_setting('parkctl.actor', true), ''), session_user),
          nullif(current_setting('parkctl.reason', true), ''),
          jsonb_build_object('plate', new.plate, 'spot_id', new.spot_id, 'from', lower(new.period), 'to', upper(new.period)),
          new.created_at);
  return null;
end $$;

create trigger reservations_audit_insert
  after insert on reservations
  for each row execute function reservations_audit_insert();

create function reservations_audit_update() returns trigger
  language plpgsql as $$
begin
  insert into events (lot_id, kind, reservation_id, actor, reason, detail, occurred_at)
  select n.lot_id,
         'reservation.' || lower(n.status::text) || case when o.status = n.status then '.period' else '' end,
         n.reservation_id,
         coalesce(nullif(current_setting('parkctl.actor', true), ''), session_user),
         nullif(current_setting('parkctl.reason', true), ''),
         jsonb_build_object('plate', n.plate, 'spot_id', n.spot_id, 'from', lower(n.period), 'to', upper(n.period), 'previous', o.status::text),
         coalesce(n.updated_at, now())
    from old_rows o join new_rows n on n.lot_id = o.lot_id and n.reservation_id = o.reservation_id
   where o.status <> n.status or o.period <> n.period;
  return null;
end $$;

create trigger reservations_audit_update
  after update on reservations
  referencing old table as old_rows new table as new_rows
  for each statement execute function reservations_audit_update();

-- Live screens LISTEN on channel parkctl_events (payload: lot id). parkctl sends those notifications
-- after commit, from the application, and not from a trigger here: a NOTIFY inside a transaction takes a
-- database-wide lock held through the commit's WAL flush, which serialised every booking behind one
-- fsync (about 4 ms on the development box: at most ~250 bookings/s for the whole server).

-- A visit moves its reservation: arrival checks it in, departure completes it and releases the rest of
-- the window (early departure). SECURITY DEFINER so the gate role, which cannot touch reservations,
-- still moves them through this one narrow door.
create function visits_move_reservation() returns trigger
  language plpgsql security definer set search_path = public as $$
begin
  if new.reservation_id is null then
    return null;
  end if;
  perform set_config('parkctl.actor', coalesce(nullif(current_setting('parkctl.actor', true), ''), 'gate:' || coalesce(new.entry_gate, session_user)), true);
  if tg_op = 'INSERT' then
    update reservations set status = 'CHECKED_IN', updated_at = new.entered_at
     where lot_id = new.lot_id and reservation_id = new.reservation_id and status = 'CONFIRMED';
  elsif old.exited_at is null and new.exited_at is not null then
    update reservations
       set status = 'COMPLETED',
           period = case when new.exited_at > lower(period) and new.exited_at < upper(period)
                         then tstzrange(lower(period), new.exited_at, '[)') else period end,
           updated_at = new.exited_at
     where lot_id = new.lot_id and reservation_id = new.reservation_id and status = 'CHECKED_IN';
  end if;
  return null;
end $$;

create trigger visits_move_reservation
  after insert or update of exited_at on visits
  for each row execute function visits_move_reservation();

-- Materialise the allocation rows (spot_days) of a lot's coming days ahead of time, so the first
-- booking of a day does not pay for creating a row per spot. Idempotent; the sweeper calls it.
create function parkctl_prepare_days(p_lot integer, p_from date, p_to date) returns integer
  language plpgsql as $$
declare
  v_day date;
  v_done integer := 0;
begin
  for v_day in select generate_series(p_from, p_to, interval '1 day')::date loop
    if not exists (select 1 from lot_days where lot_id = p_lot and day = v_day) then
      insert into spot_days (lot_id, spot_id, day, vehicle_type)
        select s.lot_id, s.spot_id, v_day, s.vehicle_type from spots s where s.lot_id = p_lot
        on conflict do nothing;
      insert into lot_days (lot_id, day) values (p_lot, v_day) on conflict do nothing;
      v_done := v_done + 1;
    end if;
  end loop;
  return v_done;
end $$;

-- Reserve in one round trip (DESIGN.md section 4). The caller validated the window and priced it.
-- Candidates are scanned from p_start_spot (random per call: no queue on the lowest free spot),
-- locked with SKIP LOCKED, and accepted when the 15-minute bits of every touched day are clear.
-- Windows that are not on quarter hours fall back to the exact overlap check when the bits say full.
-- The exclusion constraints remain the proof: 23P01 / 40P01 from here mean "try again".
create function parkctl_reserve(
  p_lot integer, p_type vehicle_type, p_start timestamptz, p_end timestamptz,
  p_plate text, p_customer text, p_price_minor bigint, p_currency char(3),
  p_hold_expires_at timestamptz, p_now timestamptz, p_external_ref text,
  p_start_spot integer, p_actor text)
returns table (reservation_id uuid, spot_id integer, label text, status reservation_status,
               hold_expires_at timestamptz, price_minor bigint, created boolean)
language plpgsql as $$
declare
  v_period tstzrange := tstzrange(p_start, p_end, '[)');
  v_first date := (p_start at time zone 'UTC')::date;
  v_last date := ((p_end - interval '1 microsecond') at time zone 'UTC')::date;
  v_zero bit(96) := repeat('0', 96)::bit(96);
  v_mask bit(96) := parkctl_day_mask(v_first, v_period);
  v_spot integer;
  v_lo integer;
  v_hi integer;
  v_phase integer;
  v_free boolean;
  v_id uuid;
begin
  perform set_config('parkctl.actor', p_actor, true);
  if p_external_ref is not null then
    return query
      select r.reservation_id, r.spot_id, s.label, r.status, r.hold_expires_at, r.price_minor, false
        from reservations r join spots s on s.lot_id = r.lot_id and s.spot_id = r.spot_id
       where r.lot_id = p_lot and r.external_ref = p_external_ref and r.status <> 'EXPIRED';
    if found then return; end if;
  end if;

  -- Overdue holds of this lot are released now, a few at a time, through the partial index of holds
  -- (filtering on the window here would walk every booking overlapping it: O(bookings) in a rush).
  -- A probe first: most calls find nothing due, and an update of no rows still runs its statement triggers.
  perform 1 from reservations h
   where h.lot_id = p_lot and h.status = 'TENTATIVE' and h.hold_expires_at <= p_now
   order by h.hold_expires_at limit 1;
  if found then
    update reservations r set status = 'EXPIRED', updated_at = p_now
     where r.lot_id = p_lot and r.reservation_id = any (array(
       select h.reservation_id from reservations h
        where h.lot_id = p_lot and h.status = 'TENTATIVE' and h.hold_expires_at <= p_now
        order by h.hold_expires_at
        limit 16 for update skip locked));
  end if;

  if v_last > v_first or not exists (select 1 from lot_days ld where ld.lot_id = p_lot and ld.day = v_first) then
    perform parkctl_prepare_days(p_lot, v_first, v_last);
  end if;

  -- One candidate per query (limit 1): a cursor loop would fetch ten rows at a time and lock them all,
  -- hiding nine free spots from every other reserver until this one commits.
  <<phases>>
  for v_phase in 1..2 loop
    if v_phase = 1 then v_lo := p_start_spot; v_hi := 2147483647; else v_lo := -2147483648; v_hi := p_start_spot; end if;
    loop
      select sd.spot_id into v_spot from spot_days sd
        join spots s on s.lot_id = sd.lot_id and s.spot_id = sd.spot_id
       where sd.lot_id = p_lot and sd.day = v_first and sd.vehicle_type = p_type
         and sd.spot_id >= v_lo and sd.spot_id < v_hi
         and (sd.mask & v_mask) = v_zero and s.status = 'active'
         and (v_last = v_first or not exists (
               select 1 from spot_days o
                where o.lot_id = p_lot and o.spot_id = sd.spot_id and o.day > v_first and o.day <= v_last
                  and (o.mask & parkctl_day_mask(o.day, v_period)) <> v_zero))
       order by sd.spot_id
       limit 1
       for update of sd skip locked;
      exit when not found; -- v_spot is null: try the other side of the start
      if v_last = v_first then
        exit phases;
      end if;
      -- Multi-day window: lock the other days (in day order: no deadlock cycle) and check them again under
      -- the lock; the not-exists above only made a clash unlikely.
      select coalesce(bool_and((x.mask & parkctl_day_mask(x.day, v_period)) = v_zero), true) into v_free
        from (select sd2.mask, sd2.day from spot_days sd2
               where sd2.lot_id = p_lot and sd2.spot_id = v_spot and sd2.day > v_first and sd2.day <= v_last
               order by sd2.day for update) x;
      if v_free then
        exit phases;
      end if;
      v_lo := v_spot + 1;
      v_spot := null;
    end loop;
  end loop;

  -- Nothing free and unlocked. Rows locked by reservers still in flight (maybe for another window of
  -- the same day) were skipped; wait for the first one the bits call free instead of refusing falsely.
  -- After the wait the row is re-checked against its new bits, so a spot taken meanwhile is passed over.
  if v_spot is null and v_last = v_first then
    select sd.spot_id into v_spot from spot_days sd
      join spots s on s.lot_id = sd.lot_id and s.spot_id = sd.spot_id
     where sd.lot_id = p_lot and sd.day = v_first and sd.vehicle_type = p_type
       and (sd.mask & v_mask) = v_zero and s.status = 'active'
     order by sd.spot_id
     limit 1
     for update of sd;
  end if;

  if v_spot is null and (extract(epoch from p_start)::bigint % 900 <> 0 or extract(epoch from p_end)::bigint % 900 <> 0) then
    select s.spot_id into v_spot from spots s
     where s.lot_id = p_lot and s.vehicle_type = p_type and s.status = 'active'
       and not exists (select 1 from reservations r
                        where r.lot_id = s.lot_id and r.spot_id = s.spot_id and r.period && v_period
                          and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN'))
     order by s.spot_id
     limit 1
     for update of s skip locked;
  end if;

  if v_spot is null then
    return;
  end if;

  insert into reservations as r (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status,
                                 hold_expires_at, price_minor, currency, external_ref, created_at, updated_at)
  values (p_lot, p_customer, p_plate, p_type, v_spot, v_period, 'TENTATIVE',
          p_hold_expires_at, p_price_minor, p_currency, p_external_ref, p_now, p_now)
  returning r.reservation_id into v_id;

  return query
    select v_id, v_spot, s.label, 'TENTATIVE'::reservation_status, p_hold_expires_at, p_price_minor, true
      from spots s where s.lot_id = p_lot and s.spot_id = v_spot;
end $$;

-- What a gate may read: confirmed and checked-in reservations, nothing else of the table.
create view gate_allow_list as
  select r.lot_id, r.reservation_id, r.plate, r.vehicle_type, lower(r.period) as starts_at, upper(r.period) as ends_at,
         r.status, s.label as spot_label
    from reservations r join spots s on s.lot_id = r.lot_id and s.spot_id = r.spot_id
   where r.status in ('CONFIRMED', 'CHECKED_IN');

-- Roles (cluster-wide, so created once and tolerated when present).
do $$
begin
  create role parkctl_app login;
exception when duplicate_object then null;
end $$;
do $$
begin
  create role parkctl_gate login;
exception when duplicate_object then null;
end $$;

grant usage on schema public to parkctl_app, parkctl_gate;
grant select, insert, update, delete on all tables in schema public to parkctl_app;
grant usage, select on all sequences in schema public to parkctl_app;
grant execute on all functions in schema public to parkctl_app;

-- The gate path writes only its own tables and reads only what it decides with.
revoke all on all tables in schema public from parkctl_gate;
grant select, insert, update on visits, gate_events to parkctl_gate;
grant insert on events to parkctl_gate;
grant select on lots, zones, gate_allow_list to parkctl_gate;
