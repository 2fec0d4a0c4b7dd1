-- Cars are facts too (DESIGN.md invariant 8). A car inside holds its spot through a reservations row, so the
-- spot exclusion constraint proves that no booking is given a spot a car stands in, and the allocation bits,
-- capacity counts and free counts see it without a scan of visits:
--  * a walk-in gets a spot at arrival, held by a CHECKED_IN row of its own (walk_in_visit_id names its visit;
--    no price, never listed as a booking) whose end rolls forward while the car stays;
--  * a booked car that arrives early holds its spot from its entry (held_from), one that overstays keeps it
--    past its paid end (held_until, rolled forward by `sweeper run --overstays`). The paid window stays in
--    `period`, so pricing, extensions, the plate constraint and what people see are unchanged;
--  * spot_period, what the spot is held for, is what the spot constraint, the bits and the counts read.
-- Departure releases the spot at the exit time. A later booking on a spot that a car holds is moved to a
-- free spot of its type before it starts (a `reservation.moved` event), or, when none is free, an
-- `alert.no_spot` names it ahead of its arrival.

alter table reservations
  /** a car arrived before its window: its spot is held from then */
  add column held_from timestamptz,
  /** a car still inside past its window (or a walk-in): its spot is held until then, rolled forward */
  add column held_until timestamptz,
  /** a walk-in's visit: this row holds the walk-in's spot (not a booking: no price, not listed) */
  add column walk_in_visit_id uuid,
  /** what the spot is held for: the paid window widened by an early entry and a stay past its end */
  add column spot_period tstzrange not null generated always as (
    tstzrange(least(lower(period), coalesce(held_from, lower(period))),
              greatest(upper(period), coalesce(held_until, upper(period))), '[)')) stored;
-- (no foreign key to visits: visits already references reservations, and a cycle of keys cannot be
-- distributed on Citus; the trigger that writes walk_in_visit_id takes it from the visit it was fired for)

create unique index reservations_one_per_walk_in on reservations (lot_id, walk_in_visit_id) where walk_in_visit_id is not null;
-- Cars inside whose hold runs out soonest: what the rolling sweep reads.
create index reservations_inside_by_hold_end on reservations (lot_id, upper(spot_period)) where status = 'CHECKED_IN';
-- One "no spot for this booking" alert per booking, however often the sweep meets it.
create unique index events_one_no_spot_alert on events (lot_id, reservation_id) where kind = 'alert.no_spot';

-- Invariant 1 over what the spot is held for; invariant 2 stays on the paid window of bookings (a walk-in's
-- hold is not a booking: the same car may hold a booking for later).
alter table reservations
  drop constraint reservations_no_double_booking,
  add constraint reservations_no_double_booking exclude using gist
    (spot_id with =, lot_id with =, spot_period with &&)
    where (status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')),
  drop constraint reservations_one_per_plate,
  add constraint reservations_one_per_plate exclude using gist
    (plate_key with =, lot_id with =, period with &&)
    where (status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') and walk_in_visit_id is null);

-- The allocation bits follow spot_period (0002's insert trigger, spot_period for period).
create or replace function reservations_insert_spot_days() returns trigger
  language plpgsql as $$
declare
  d0 date;
begin
  if new.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') then
    d0 := (lower(new.spot_period) at time zone 'UTC')::date;
    if d0 = ((upper(new.spot_period) - interval '1 microsecond') at time zone 'UTC')::date then
      -- the common case, one day whose row exists (the allocator holds its lock): a plain update
      update spot_days sd set mask = sd.mask | parkctl_day_mask(d0, new.spot_period)
       where sd.lot_id = new.lot_id and sd.day = d0 and sd.spot_id = new.spot_id;
      if found then
        return null;
      end if;
    end if;
    insert into spot_days as sd (lot_id, spot_id, day, vehicle_type, mask)
      select new.lot_id, new.spot_id, d, new.vehicle_type, parkctl_day_mask(d, new.spot_period)
        from parkctl_days_of(new.spot_period) d
      on conflict (lot_id, day, spot_id) do update set mask = sd.mask | excluded.mask;
  end if;
  return null;
end $$;

-- 0009's statement trigger: audit on status and paid-window changes as before; the bits follow spot_period
-- (a hold rolled forward, a booking moved to another spot).
create or replace function reservations_after_update() returns trigger
  language plpgsql set jit = off as $$
declare
  -- once a statement, not once a row
  v_actor text := coalesce(nullif(current_setting('parkctl.actor', true), ''), session_user);
  v_reason text := nullif(current_setting('parkctl.reason', true), '');
begin
  with changed as materialized (
    select n.lot_id, n.reservation_id, n.plate, n.vehicle_type, n.updated_at,
           o.status as old_status, n.status as new_status,
           o.spot_id as old_spot, n.spot_id as new_spot, o.period as old_period, n.period as new_period,
           o.spot_period as old_held, n.spot_period as new_held,
           o.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') as was_live,
           n.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') as is_live
      from old_rows o join new_rows n on n.lot_id = o.lot_id and n.reservation_id = o.reservation_id
     where o.status <> n.status or o.period <> n.period or o.spot_id <> n.spot_id or o.spot_period <> n.spot_period
  ), audited as (
    insert into events (lot_id, kind, reservation_id, actor, reason, detail, occurred_at)
    select c.lot_id,
           'reservation.' || lower(c.new_status::text) || case when c.old_status = c.new_status then '.period' else '' end,
           c.reservation_id, v_actor, v_reason,
           to_jsonb(row(c.plate, c.new_spot, lower(c.new_period), upper(c.new_period), c.old_status::text)::reservation_event_detail),
           coalesce(c.updated_at, now())
      from changed c
     where c.old_status <> c.new_status or c.old_period <> c.new_period
  ), moved as (
    select c.lot_id, c.old_spot, c.old_held as old_period, c.new_spot, c.new_held as new_period, c.vehicle_type, c.was_live, c.is_live,
           -- a live booking on quarter hours that stops being live clears its own bits (0006, section 5)
           c.was_live and not c.is_live
             and extract(epoch from lower(c.old_held)) % 900 = 0 and extract(epoch from upper(c.old_held)) % 900 = 0 as clears
      from changed c
     where c.was_live <> c.is_live or (c.was_live or c.is_live) and (c.old_held <> c.new_held or c.old_spot <> c.new_spot)
  ), touched as (
    select distinct m.lot_id, m.old_spot as spot_id, d.day from moved m cross join lateral parkctl_days_of(m.old_period) d(day) where m.was_live and not m.clears
    union
    select m.lot_id, m.new_spot, d.day from moved m cross join lateral parkctl_days_of(m.new_period) d(day) where m.is_live
  ), released as (
    select m.lot_id, m.old_spot as spot_id, d.day, bit_or(parkctl_day_mask(d.day, m.old_period)) as bits
      from moved m cross join lateral parkctl_days_of(m.old_period) d(day)
     where m.clears
     group by m.lot_id, m.old_spot, d.day
  ), recomputed as (
    select t.lot_id, t.spot_id, t.day, coalesce((
             select bit_or(parkctl_day_mask(t.day, r.spot_period))
               from reservations r
              where r.lot_id = t.lot_id and r.spot_id = t.spot_id
                and r.spot_period && tstzrange(t.day::timestamp at time zone 'UTC', (t.day + 1)::timestamp at time zone 'UTC', '[)')
                and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')), 0::bit(96)) as mask
      from touched t
  ), created as (
    -- a day no booking of this spot touched before: its row starts with the right bits
    insert into spot_days (lot_id, spot_id, day, vehicle_type, mask)
    select c.lot_id, c.spot_id, c.day, s.vehicle_type, c.mask
      from recomputed c join spots s on s.lot_id = c.lot_id and s.spot_id = c.spot_id
    on conflict do nothing
  ), cleared as (
    -- a spot-day that is also recomputed is left to the recompute (one statement updates a row once)
    update spot_days sd set mask = sd.mask & ~r.bits
      from released r
     where sd.lot_id = r.lot_id and sd.spot_id = r.spot_id and sd.day = r.day
       and not exists (select 1 from touched t where t.lot_id = r.lot_id and t.spot_id = r.spot_id and t.day = r.day)
  )
  update spot_days sd set mask = c.mask
    from recomputed c
   where sd.lot_id = c.lot_id and sd.spot_id = c.spot_id and sd.day = c.day and sd.mask <> c.mask;
  return null;
end $$;

-- The allocator (0006's body) rolls the holds of cars inside that ran out before it picks (a cheap probe of
-- the index of cars inside, as for overdue holds), and its exact fallback for windows off the quarter hours:
-- it checks spot_period, and it tells such windows by their exact epoch (0006 cast the epoch to bigint,
-- which rounds 10:15:00.001 to 10:15: such a window was refused while capacity counted it free).
create or replace function parkctl_reserve(
  p_lot integer, p_type vehicle_type, p_start timestamptz, p_end timestamptz,
  p_plate text, p_customer text, p_price_minor bigint, p_currency char(3),
  p_hold_expires_at timestamptz, p_now timestamptz, p_external_ref text,
  p_start_spot integer, p_actor text)
returns table (reservation_id uuid, spot_id integer, label text, status reservation_status,
               hold_expires_at timestamptz, price_minor bigint, created boolean)
language plpgsql
set enable_bitmapscan = off
set enable_sort = off
as $$
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
  v_label text;
  v_actor text;
  v_overdue boolean;
  v_days_ready boolean;
  v_lapsed boolean;
begin
  -- One statement for the bookkeeping every call needs (each statement costs an executor start):
  -- the actor for the audit trigger, whether a hold of this lot is overdue, whether the day is prepared.
  -- Most calls find nothing due, and an update of no rows would still run its statement triggers.
  select set_config('parkctl.actor', p_actor, true),
         -- the earliest due hold, not exists(): under a generic plan exists() expects an early hit and
         -- scans the table (5 ms with 4,000 holds); order by + limit keeps the partial index of holds
         (select h.hold_expires_at from reservations h
           where h.lot_id = p_lot and h.status = 'TENTATIVE' and h.hold_expires_at <= p_now
           order by h.hold_expires_at limit 1) is not null,
         v_last = v_first and exists (select 1 from lot_days ld where ld.lot_id = p_lot and ld.day = v_first),
         -- a car inside whose hold ran out with no sweep since (0012): the same pattern, index of cars inside
         (select upper(c.spot_period) from reservations c
           where c.lot_id = p_lot and c.status = 'CHECKED_IN' and upper(c.spot_period) <= p_now
           order by upper(c.spot_period) limit 1) is not null
    into v_actor, v_overdue, v_days_ready, v_lapsed;
  if p_external_ref is not null then
    return query
      select r.reservation_id, r.spot_id, s.label, r.status, r.hold_expires_at, r.price_minor, false
        from reservations r join spots s on s.lot_id = r.lot_id and s.spot_id = r.spot_id
       where r.lot_id = p_lot and r.external_ref = p_external_ref and r.status <> 'EXPIRED';
    if found then return; end if;
  end if;

  -- Overdue holds of this lot are released now, a few at a time, through the partial index of holds
  -- (filtering on the window here would walk every booking overlapping it: O(bookings) in a rush).
  if v_overdue then
    update reservations r set status = 'EXPIRED', updated_at = p_now
     where r.lot_id = p_lot and r.reservation_id = any (array(
       select h.reservation_id from reservations h
        where h.lot_id = p_lot and h.status = 'TENTATIVE' and h.hold_expires_at <= p_now
        order by h.hold_expires_at
        limit 16 for update skip locked));
  end if;

  if not v_days_ready then
    perform parkctl_prepare_days(p_lot, v_first, v_last);
  end if;

  -- Cars inside keep their spots (invariant 8): a hold that ran out is rolled forward before a spot is picked.
  if v_lapsed then
    perform parkctl_hold_cars(p_lot, p_now);
  end if;

  -- One candidate per query (limit 1): a cursor loop would fetch ten rows at a time and lock them all,
  -- hiding nine free spots from every other reserver until this one commits.
  <<phases>>
  for v_phase in 1..2 loop
    if v_phase = 1 then v_lo := p_start_spot; v_hi := 2147483647; else v_lo := -2147483648; v_hi := p_start_spot; end if;
    loop
      select sd.spot_id, (select s.label from spots s where s.lot_id = p_lot and s.spot_id = sd.spot_id)
        into v_spot, v_label from spot_days sd
       where sd.lot_id = p_lot and sd.day = v_first and sd.vehicle_type = p_type
         and sd.spot_id >= v_lo and sd.spot_id < v_hi
         and (sd.mask & v_mask) = v_zero
         and (select s.status from spots s where s.lot_id = p_lot and s.spot_id = sd.spot_id) = 'active'
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
    select sd.spot_id, (select s.label from spots s where s.lot_id = p_lot and s.spot_id = sd.spot_id)
      into v_spot, v_label from spot_days sd
     where sd.lot_id = p_lot and sd.day = v_first and sd.vehicle_type = p_type
       and (sd.mask & v_mask) = v_zero
         and (select s.status from spots s where s.lot_id = p_lot and s.spot_id = sd.spot_id) = 'active'
     order by sd.spot_id
     limit 1
     for update of sd;
  end if;

  if v_spot is null and (extract(epoch from p_start) % 900 <> 0 or extract(epoch from p_end) % 900 <> 0) then
    select s.spot_id, s.label into v_spot, v_label from spots s
     where s.lot_id = p_lot and s.vehicle_type = p_type and s.status = 'active'
       and not exists (select 1 from reservations r
                        where r.lot_id = s.lot_id and r.spot_id = s.spot_id and r.spot_period && v_period
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

  reservation_id := v_id; spot_id := v_spot; label := v_label; status := 'TENTATIVE';
  hold_expires_at := p_hold_expires_at; price_minor := p_price_minor; created := true;
  return next;
end $$;

-- How long a car inside with no known end (a walk-in, an overstay) holds its spot ahead of `p_now`: an
-- hour, to the next quarter hour. The overstay sweep (every 15 minutes) rolls it forward, so three missed
-- sweeps still leave the spot held, and a booking that must move is moved, or alerted, 45 minutes ahead.
create function parkctl_car_hold_end(p_now timestamptz) returns timestamptz
  language sql immutable parallel safe as $$
  select to_timestamp(ceil((extract(epoch from p_now) + 3600) / 900) * 900)
$$;

-- An active spot of a type that nothing live holds in p_period (none: null), other than p_not.
create function parkctl_free_spot(p_lot integer, p_type vehicle_type, p_period tstzrange, p_not integer)
returns integer
language sql stable as $$
  select s.spot_id from spots s
   where s.lot_id = p_lot and s.vehicle_type = p_type and s.status = 'active' and s.spot_id is distinct from p_not
     and not exists (select 1 from reservations r
                      where r.spot_id = s.spot_id and r.lot_id = s.lot_id and r.spot_period && p_period
                        and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN'))
   order by s.rank, s.spot_id
   limit 1
$$;

-- Moves a live booking to a free spot of its type for p_period (what it must hold); the constraint decides
-- races (a spot taken meanwhile: the next one). Returns the new spot, or null after an `alert.no_spot`
-- (once per booking) when none is free: the attendant hears of it before the car comes.
create function parkctl_move_booking(p_lot integer, p_reservation uuid, p_period tstzrange, p_held_from timestamptz,
                                     p_now timestamptz, p_why text)
returns integer
language plpgsql security definer set search_path = public as $$
declare
  r record;
  v_spot integer;
  v_attempt integer;
begin
  select b.reservation_id, b.spot_id, b.vehicle_type, b.plate, b.period, s.label
    into r from reservations b join spots s on s.lot_id = b.lot_id and s.spot_id = b.spot_id
   where b.lot_id = p_lot and b.reservation_id = p_reservation for update of b;
  for v_attempt in 1..5 loop
    v_spot := parkctl_free_spot(p_lot, r.vehicle_type, p_period, r.spot_id);
    exit when v_spot is null;
    begin
      update reservations set spot_id = v_spot, held_from = case when p_held_from < lower(period) then p_held_from else held_from end
       where lot_id = p_lot and reservation_id = p_reservation;
      -- the car's visit, when it is inside, names the spot it holds
      update visits set spot_id = v_spot where lot_id = p_lot and reservation_id = p_reservation and exited_at is null;
      insert into events (lot_id, kind, reservation_id, actor, reason, detail, occurred_at)
      select p_lot, 'reservation.moved', p_reservation,
             coalesce(nullif(current_setting('parkctl.actor', true), ''), session_user), p_why,
             jsonb_build_object('plate', r.plate, 'spot_id', v_spot, 'spot_label', s.label, 'from_spot_id', r.spot_id,
                                'from_spot_label', r.label, 'from', lower(r.period), 'to', upper(r.period)),
             p_now
        from spots s where s.lot_id = p_lot and s.spot_id = v_spot;
      return v_spot;
    exception when exclusion_violation or deadlock_detected then
      null; -- taken meanwhile: look again
    end;
  end loop;
  insert into events (lot_id, kind, reservation_id, actor, reason, detail, occurred_at)
  values (p_lot, 'alert.no_spot', p_reservation, coalesce(nullif(current_setting('parkctl.actor', true), ''), session_user), p_why,
          jsonb_build_object('plate', r.plate, 'spot_id', r.spot_id, 'spot_label', r.label, 'from', lower(r.period), 'to', upper(r.period)),
          p_now)
  on conflict (lot_id, reservation_id) where kind = 'alert.no_spot' do nothing;
  return null;
end $$;

-- Rolls the holds of cars inside with no known end (walk-ins; bookings past their paid end) forward to
-- parkctl_car_hold_end(p_now). A booking in the way is moved first; one that cannot be moved stops the hold
-- at its start (and is alerted). Locks the cars it rolls with SKIP LOCKED: two sweeps never wait on each other.
create function parkctl_hold_cars(p_lot integer, p_now timestamptz)
returns table (cars integer, moved integer, unplaced integer)
language plpgsql as $$
declare
  v_end timestamptz := parkctl_car_hold_end(p_now);
  v_target timestamptz;
  c record;
  b record;
begin
  cars := 0; moved := 0; unplaced := 0;
  for c in select r.reservation_id, r.spot_id, upper(r.spot_period) as held_to from reservations r
            where r.lot_id = p_lot and r.status = 'CHECKED_IN' and upper(r.spot_period) < v_end
              and (r.walk_in_visit_id is not null or upper(r.period) <= p_now)
            order by upper(r.spot_period)
            for update skip locked
  loop
    v_target := v_end;
    for b in select o.reservation_id, o.status, o.spot_period from reservations o
              where o.lot_id = p_lot and o.spot_id = c.spot_id and o.reservation_id <> c.reservation_id
                and o.spot_period && tstzrange(c.held_to, v_end, '[)')
                and o.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
              order by lower(o.spot_period)
    loop
      if b.status <> 'CHECKED_IN'
         and parkctl_move_booking(p_lot, b.reservation_id, b.spot_period, null, p_now, 'its spot is still taken by a car inside') is not null then
        moved := moved + 1;
      else
        unplaced := unplaced + 1;
        v_target := least(v_target, lower(b.spot_period));
      end if;
    end loop;
    if v_target > c.held_to then
      begin
        update reservations set held_until = v_target where lot_id = p_lot and reservation_id = c.reservation_id;
        cars := cars + 1;
      exception when exclusion_violation then
        null; -- booked meanwhile: the next sweep moves it
      end;
    end if;
  end loop;
  return next;
end $$;

-- A walk-in's hold: a spot of its type free from its entry (else from now, for an entry synced late) until
-- parkctl_car_hold_end(now). None free: the car is inside all the same (a gate decided it), so the visit is
-- kept without a spot and an `alert.no_spot_for_car` says so. Never raises for want of a spot.
create function parkctl_hold_walk_in(p_lot integer, p_visit uuid, p_plate text, p_type vehicle_type,
                                     p_entered timestamptz, p_now timestamptz)
returns integer
language plpgsql security definer set search_path = public as $$
declare
  v_end timestamptz := parkctl_car_hold_end(greatest(p_now, p_entered));
  v_from timestamptz;
  v_spot integer;
  v_pass integer;
  v_attempt integer;
begin
  for v_pass in 1..2 loop
    v_from := case when v_pass = 1 then p_entered else greatest(p_now, p_entered) end;
    for v_attempt in 1..5 loop
      v_spot := parkctl_free_spot(p_lot, p_type, tstzrange(v_from, v_end, '[)'), null);
      exit when v_spot is null;
      begin
        insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency,
                                  held_until, walk_in_visit_id, created_at, updated_at)
        select p_lot, 'walk-in', p_plate, p_type, v_spot, tstzrange(v_from, v_end, '[)'), 'CHECKED_IN', 0, l.currency,
               v_end, p_visit, p_entered, p_entered
          from lots l where l.lot_id = p_lot;
        update visits set spot_id = v_spot where lot_id = p_lot and visit_id = p_visit;
        return v_spot;
      exception when exclusion_violation or deadlock_detected then
        null; -- taken meanwhile: look again
      end;
    end loop;
  end loop;
  insert into events (lot_id, kind, actor, reason, detail, occurred_at)
  values (p_lot, 'alert.no_spot_for_car', coalesce(nullif(current_setting('parkctl.actor', true), ''), session_user),
          'a walk-in is inside and no ' || p_type::text || ' spot is free for it',
          jsonb_build_object('plate', p_plate, 'visit_id', p_visit, 'vehicle_type', p_type), p_entered);
  return null;
end $$;

-- A booked car's arrival: CHECKED_IN, holding its spot from its entry when it comes early. When that spot is
-- still held by someone else (a car that has not left, a booking before this one), the booking moves to a
-- spot free from the entry to its end, or is alerted; the car is checked in either way.
create function parkctl_check_in(p_lot integer, p_reservation uuid, p_entered timestamptz, p_now timestamptz)
returns void
language plpgsql security definer set search_path = public as $$
declare
  r record;
  v_clash boolean := false;
begin
  begin
    update reservations set status = 'CHECKED_IN', updated_at = p_entered,
                            held_from = case when p_entered < lower(period) then p_entered end
     where lot_id = p_lot and reservation_id = p_reservation and status = 'CONFIRMED'
     returning spot_id, period, spot_period into r;
    if not found then
      return;
    end if;
  exception when exclusion_violation then
    v_clash := true;
    update reservations set status = 'CHECKED_IN', updated_at = p_entered
     where lot_id = p_lot and reservation_id = p_reservation and status = 'CONFIRMED'
     returning spot_id, period, spot_period into r;
    if not found then
      return;
    end if;
  end;
  -- another car inside on this spot (one past its end, whose hold stopped at this booking's start)
  v_clash := v_clash or exists (
    select 1 from reservations o
     where o.lot_id = p_lot and o.spot_id = r.spot_id and o.status = 'CHECKED_IN' and o.reservation_id <> p_reservation);
  if v_clash then
    perform parkctl_move_booking(p_lot, p_reservation, tstzrange(least(p_entered, lower(r.period)), upper(r.spot_period), '[)'),
                                 p_entered, p_now, 'its spot was still taken when its car arrived');
  end if;
end $$;

-- A visit moves its reservation (0002) and holds or releases the car's spot. SECURITY DEFINER so the gate
-- role, which cannot touch reservations, still does this through this one narrow door. `parkctl.now` (set
-- by the transaction: the CLI's clock, the gate's sync time) is when the hold is decided; unset, the entry.
create or replace function visits_move_reservation() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_now timestamptz := coalesce(nullif(current_setting('parkctl.now', true), '')::timestamptz, new.entered_at);
begin
  perform set_config('parkctl.actor', coalesce(nullif(current_setting('parkctl.actor', true), ''), 'gate:' || coalesce(new.entry_gate, session_user)), true);
  if tg_op = 'INSERT' then
    if new.reservation_id is null then
      perform parkctl_hold_walk_in(new.lot_id, new.visit_id, new.plate, new.vehicle_type, new.entered_at, v_now);
    else
      perform parkctl_check_in(new.lot_id, new.reservation_id, new.entered_at, v_now);
    end if;
  elsif old.exited_at is null and new.exited_at is not null then
    if new.reservation_id is null then
      update reservations
         set status = 'COMPLETED', held_until = new.exited_at,
             period = case when new.exited_at > lower(period) and new.exited_at < upper(period)
                           then tstzrange(lower(period), new.exited_at, '[)') else period end,
             updated_at = new.exited_at
       where lot_id = new.lot_id and walk_in_visit_id = new.visit_id and status = 'CHECKED_IN';
    else
      update reservations
         set status = 'COMPLETED', held_until = new.exited_at,
             period = case when new.exited_at > lower(period) and new.exited_at < upper(period)
                           then tstzrange(lower(period), new.exited_at, '[)') else period end,
             updated_at = new.exited_at
       where lot_id = new.lot_id and reservation_id = new.reservation_id and status = 'CHECKED_IN';
    end if;
  end if;
  return null;
end $$;

-- A gate reads bookings, not walk-ins' holds (0010's view, walk-in holds left out).
create or replace view gate_allow_list as
  select r.lot_id, r.reservation_id, r.plate, r.vehicle_type, lower(r.period) as starts_at, upper(r.period) as ends_at,
         r.status, s.label as spot_label, r.extension_minor
    from reservations r join spots s on s.lot_id = r.lot_id and s.spot_id = r.spot_id
   where r.status in ('CONFIRMED', 'CHECKED_IN') and r.walk_in_visit_id is null;

revoke all on function parkctl_move_booking(integer, uuid, tstzrange, timestamptz, timestamptz, text) from public;
revoke all on function parkctl_hold_walk_in(integer, uuid, text, vehicle_type, timestamptz, timestamptz) from public;
revoke all on function parkctl_check_in(integer, uuid, timestamptz, timestamptz) from public;
grant execute on function parkctl_car_hold_end(timestamptz), parkctl_free_spot(integer, vehicle_type, tstzrange, integer),
  parkctl_move_booking(integer, uuid, tstzrange, timestamptz, timestamptz, text), parkctl_hold_cars(integer, timestamptz),
  parkctl_hold_walk_in(integer, uuid, text, vehicle_type, timestamptz, timestamptz),
  parkctl_check_in(integer, uuid, timestamptz, timestamptz) to parkctl_app;
