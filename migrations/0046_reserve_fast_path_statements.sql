-- The common path of a booking in statements Citus runs as fast-path queries (issue 18). On Citus
-- parkctl_reserve runs on the worker that holds the lot, and each statement in it, and in the insert
-- triggers, still goes through Citus's planner. A statement on one table, filtered by `lot_id = <param>`,
-- without subqueries or volatile functions, is a fast-path query: Citus plans it once on the local shard
-- and keeps the plan (Citus 13.2). Anything else (a subquery, a join, gen_random_uuid(), an identity's
-- nextval) is planned as a distributed query, deparsed to SQL and parsed and planned again on the shard on
-- every call: 3.5-4.7 ms of worker CPU a booking (plain PostgreSQL: 1.2-1.4 ms for the whole call).
--
-- So the single-day path (most bookings) is split into one-table statements; plain PostgreSQL runs the
-- same work as a few more, smaller statements. Windows over midnight, the wait for a locked spot, an
-- external ref, overdue holds and windows off the quarter hours keep 0012's statements (rare, and correct
-- on both). The exclusion constraints remain the proof of no double booking; nothing here changes what is
-- checked, only how the candidate is found.
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
  v_active boolean;
  v_id uuid;
  v_label text;
  v_actor text;
  v_probe timestamptz;
  v_overdue boolean;
  v_days_ready boolean := false;
  v_lapsed boolean;
begin
  -- the actor for the audit trigger (an expression: no statement)
  v_actor := set_config('parkctl.actor', p_actor, true);
  -- Whether a hold of this lot is overdue, whether the day is prepared, whether a car inside has a hold
  -- that ran out: three one-table probes (0012 asked them in one statement with three subqueries, which
  -- Citus plans as a distributed query every call). The earliest due hold, not exists(): under a generic
  -- plan exists() expects an early hit and scans the table (5 ms with 4,000 holds); order by + limit
  -- keeps the partial index.
  select h.hold_expires_at into v_probe from reservations h
   where h.lot_id = p_lot and h.status = 'TENTATIVE' and h.hold_expires_at <= p_now
   order by h.hold_expires_at limit 1;
  v_overdue := found;
  if v_last = v_first then
    perform from lot_days ld where ld.lot_id = p_lot and ld.day = v_first;
    v_days_ready := found;
  end if;
  -- a car inside whose hold ran out with no sweep since (0012): the same pattern, index of cars inside
  select upper(c.spot_period) into v_probe from reservations c
   where c.lot_id = p_lot and c.status = 'CHECKED_IN' and upper(c.spot_period) <= p_now
   order by upper(c.spot_period) limit 1;
  v_lapsed := found;

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
      if v_last = v_first then
        -- One day: the first spot-day whose bits are clear (one table), then the spot's label and status
        -- (one table). A spot out of service is passed over (its spot-day stays locked until commit, which
        -- only a sweep of that spot would wait for).
        select sd.spot_id into v_spot from spot_days sd
         where sd.lot_id = p_lot and sd.day = v_first and sd.vehicle_type = p_type
           and sd.spot_id >= v_lo and sd.spot_id < v_hi
           and (sd.mask & v_mask) = v_zero
         order by sd.spot_id
         limit 1
         for update skip locked;
        exit when not found; -- v_spot is null: try the other side of the start
        select s.label, s.status = 'active' into v_label, v_active from spots s where s.lot_id = p_lot and s.spot_id = v_spot;
        if v_active then
          exit phases;
        end if;
        v_lo := v_spot + 1;
        v_spot := null;
        continue;
      end if;
      select sd.spot_id, (select s.label from spots s where s.lot_id = p_lot and s.spot_id = sd.spot_id)
        into v_spot, v_label from spot_days sd
       where sd.lot_id = p_lot and sd.day = v_first and sd.vehicle_type = p_type
         and sd.spot_id >= v_lo and sd.spot_id < v_hi
         and (sd.mask & v_mask) = v_zero
         and (select s.status from spots s where s.lot_id = p_lot and s.spot_id = sd.spot_id) = 'active'
         and not exists (
               select 1 from spot_days o
                where o.lot_id = p_lot and o.spot_id = sd.spot_id and o.day > v_first and o.day <= v_last
                  and (o.mask & parkctl_day_mask(o.day, v_period)) <> v_zero)
       order by sd.spot_id
       limit 1
       for update of sd skip locked;
      exit when not found;
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

  -- The id is made here, not by the column's default: a volatile function in the insert would send it
  -- down Citus's slow path.
  v_id := gen_random_uuid();
  insert into reservations as r (lot_id, reservation_id, customer_ref, plate, vehicle_type, spot_id, period, status,
                                 hold_expires_at, price_minor, currency, external_ref, created_at, updated_at)
  values (p_lot, v_id, p_customer, p_plate, p_type, v_spot, v_period, 'TENTATIVE',
          p_hold_expires_at, p_price_minor, p_currency, p_external_ref, p_now, p_now);

  reservation_id := v_id; spot_id := v_spot; label := v_label; status := 'TENTATIVE';
  hold_expires_at := p_hold_expires_at; price_minor := p_price_minor; created := true;
  return next;
end $$;

-- The audit row of a new reservation: its event id is taken from the identity's sequence first, for the
-- same reason (the identity default is a nextval() in the insert). Same row as 0002's.
create or replace function reservations_audit_insert() returns trigger
  language plpgsql as $$
declare
  v_event bigint := nextval('events_event_id_seq');
begin
  insert into events (lot_id, event_id, kind, reservation_id, actor, reason, detail, occurred_at)
  overriding system value
  values (new.lot_id, v_event, 'reservation.' || lower(new.status::text), new.reservation_id,
          coalesce(nullif(current_setting('parkctl.actor', true), ''), session_user),
          nullif(current_setting('parkctl.reason', true), ''),
          jsonb_build_object('plate', new.plate, 'spot_id', new.spot_id, 'from', lower(new.period), 'to', upper(new.period)),
          new.created_at);
  return null;
end $$;
-- the gate's role inserts audit rows too (0002): nextval() needs the sequence, which the identity did not
grant usage on sequence events_event_id_seq to parkctl_app, parkctl_gate;
