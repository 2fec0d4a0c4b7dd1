-- Group commit, set-based (issue 14). 0019's parkctl_reserve_many ran parkctl_reserve once per element, each
-- in its own subtransaction: about 8 statements a booking (probes, candidate scan, label look-up, insert,
-- the insert triggers' statements), 0.33-0.45 ms of PostgreSQL CPU a booking against 0.085 ms for the raw-SQL
-- bitmap design's call (bench/reserve-many/cpu.mjs). Here the batch is booked as that design books:
--  * the lot's bookkeeping (overdue holds, cars whose hold ran out, the day's spot_days rows) once a batch;
--  * which elements the batch books itself, in one statement: single-day windows without an external ref
--    whose plate no element before asks for an overlapping window;
--  * per element one UPDATE of spot_days that picks the first spot-day whose bits are clear from the
--    element's start spot (SKIP LOCKED) and sets its bits, unless the plate has a live booking over the window
--    (a window over several days: find, lock the other days without waiting, set, as parkctl_reserve does);
--    later elements see the bits, so two elements of a batch never get one spot for overlapping windows;
--  * one INSERT of every booked element (per actor: the audit trigger reads the actor from a setting).
-- An element on quarter hours for which no row has its bits clear is answered "no spot free" by the batch.
-- Everything else (external refs, plate clashes, a spot that looks free but is locked by another writer, which
-- parkctl_reserve waits for, windows off the quarter hours, whose bits are rounded outward and which
-- parkctl_reserve checks exactly) goes to parkctl_reserve alone after the insert, in its own
-- subtransaction as before, so its answer (a row, no spot, a refusal's SQLSTATE) is the per-booking path's.
-- Any error in the batch's part (a racing writer's plate or spot caught by a constraint, a deadlock) rolls the
-- batch's part back and the whole batch goes through parkctl_reserve one element at a time (0019's path,
-- kept as parkctl_reserve_each). The exclusion constraints stay the proof: the bits only pick the candidate.

-- 0019's parkctl_reserve_many, under the name of what it does: the fallback.
create function parkctl_reserve_each(p_lot integer[], p_type vehicle_type[], p_start timestamptz[], p_end timestamptz[],
                                     p_plate text[], p_customer text[], p_price bigint[], p_currency char(3)[],
                                     p_hold timestamptz[], p_now timestamptz[], p_external text[], p_start_spot integer[],
                                     p_actor text[], p_only integer[] default null)
  returns table (i integer, reservation_id uuid, spot_id integer, label text, status reservation_status,
                 hold_expires_at timestamptz, price_minor bigint, created boolean,
                 error_code text, error_constraint text, error_message text)
  language plpgsql as $$
declare
  k integer;
  r record;
  v_code text;
  v_constraint text;
  v_message text;
begin
  -- p_only: the elements to book (in this order); null: all of them
  for k in select x from unnest(coalesce(p_only, array(select generate_series(1, coalesce(array_length(p_lot, 1), 0))))) x loop
    i := k; reservation_id := null; spot_id := null; label := null; status := null; hold_expires_at := null;
    price_minor := null; created := null; error_code := null; error_constraint := null; error_message := null;
    begin
      select * into r from parkctl_reserve(p_lot[k], p_type[k], p_start[k], p_end[k], p_plate[k], p_customer[k], p_price[k],
                                           p_currency[k], p_hold[k], p_now[k], p_external[k], p_start_spot[k], p_actor[k]);
      if found then
        reservation_id := r.reservation_id; spot_id := r.spot_id; label := r.label; status := r.status;
        hold_expires_at := r.hold_expires_at; price_minor := r.price_minor; created := r.created;
      end if;
    exception when others then
      get stacked diagnostics v_code = returned_sqlstate, v_constraint = constraint_name, v_message = message_text;
      error_code := v_code; error_constraint := nullif(v_constraint, ''); error_message := v_message;
    end;
    return next;
  end loop;
end $$;

-- The spot_days insert trigger (0012) sets the bits of a new live booking. The batch's UPDATE has already set
-- them, under the rows' locks, for exactly the rows of its INSERT (new rows: period = spot_period): it says so
-- in a transaction-local setting for the time of that INSERT, and the trigger skips a second update of the
-- same row (one index look-up and one row version a booking).
create or replace function reservations_insert_spot_days() returns trigger
  language plpgsql as $$
declare
  d0 date;
begin
  if new.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') then
    if current_setting('parkctl.spot_days_set', true) = 'on' then
      return null;
    end if;
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

drop function parkctl_reserve_many(integer[], vehicle_type[], timestamptz[], timestamptz[], text[], text[], bigint[], char(3)[],
                                   timestamptz[], timestamptz[], text[], integer[], text[]);

-- `via` says who answered an element: 'batch' (this statement's set-based part), 'alone' (parkctl_reserve for
-- this element, which the batch's part did not take), 'fallback' (the batch's part failed: every element alone).
create function parkctl_reserve_many(p_lot integer[], p_type vehicle_type[], p_start timestamptz[], p_end timestamptz[],
                                     p_plate text[], p_customer text[], p_price bigint[], p_currency char(3)[],
                                     p_hold timestamptz[], p_now timestamptz[], p_external text[], p_start_spot integer[],
                                     p_actor text[])
  returns table (i integer, reservation_id uuid, spot_id integer, label text, status reservation_status,
                 hold_expires_at timestamptz, price_minor bigint, created boolean,
                 error_code text, error_constraint text, error_message text, via text)
  language plpgsql
  -- as parkctl_reserve (0008): candidate scans walk spot_days_by_type in spot order and stop at the first hit
  set enable_bitmapscan = off
  set enable_sort = off
as $$
declare
  v_n integer := coalesce(array_length(p_lot, 1), 0);
  v_zero bit(96) := repeat('0', 96)::bit(96);
  v_fast integer[];      -- elements the batch's part may book, in order
  v_ks integer[] := '{}';     -- elements it booked ...
  v_spots integer[] := '{}';  -- ... their spots
  v_ids uuid[] := '{}';       -- ... their ids
  v_labels text[];
  v_alone integer[];
  v_lot integer;
  v_now timestamptz;
  v_day date;
  v_out integer[];
  v_type vehicle_type;
  v_keys bigint[];       -- parkctl_plate_key of each element's plate
  v_last date;
  v_rest date[];         -- a window's days after its first
  v_lo integer;
  v_hi integer;
  v_phase integer;
  v_free_days integer;
  v_none integer[] := '{}';   -- elements the batch answered "no spot free"
  v_period tstzrange;
  v_mask bit(96);
  v_spot integer;
  v_actor text;
  v_failed boolean := false;
  v_probe timestamptz;
  v_k integer;
  v_count integer;
begin
  if v_n = 0 then
    return;
  end if;
  begin
    -- Which elements the batch books itself: no external ref, the plate not asked for an overlapping window by
    -- an element before it (a plate already booked in the table is checked as the spot is picked).
    with e as (
      select u.k, u.lot, u.plate_key, tstzrange(u.s, u.e, '[)') as period,
             u.x is null as plain
        from (select g.k, p_lot[g.k] as lot, parkctl_plate_key(p_plate[g.k]) as plate_key, p_start[g.k] as s, p_end[g.k] as e,
                     p_external[g.k] as x
                from generate_series(1, v_n) g(k)) u)
    select coalesce(array_agg(e.k order by e.k) filter (where e.plain and not exists (
                      select 1 from e o where o.k < e.k and o.lot = e.lot and o.plate_key = e.plate_key and o.period && e.period)), '{}'),
           array_agg(e.plate_key order by e.k)
      into v_fast, v_keys
      from e;

    -- The lot's bookkeeping, as parkctl_reserve does it before it picks a spot (0046), once for the batch.
    for v_lot, v_now, v_count in select p_lot[x], max(p_now[x]), count(*)::integer from unnest(v_fast) x group by 1 loop
      select h.hold_expires_at into v_probe from reservations h
       where h.lot_id = v_lot and h.status = 'TENTATIVE' and h.hold_expires_at <= v_now
       order by h.hold_expires_at limit 1;
      if found then
        update reservations r set status = 'EXPIRED', updated_at = v_now
         where r.lot_id = v_lot and r.reservation_id = any (array(
           select h.reservation_id from reservations h
            where h.lot_id = v_lot and h.status = 'TENTATIVE' and h.hold_expires_at <= v_now
            order by h.hold_expires_at
            limit 16 * v_count for update skip locked));
      end if;
      select upper(c.spot_period) into v_probe from reservations c
       where c.lot_id = v_lot and c.status = 'CHECKED_IN' and upper(c.spot_period) <= v_now
       order by upper(c.spot_period) limit 1;
      if found then
        perform parkctl_hold_cars(v_lot, v_now);
      end if;
    end loop;
    for v_lot, v_day in select distinct p_lot[x], d from unnest(v_fast) x, parkctl_days_of(tstzrange(p_start[x], p_end[x], '[)')) d loop
      perform from lot_days ld where ld.lot_id = v_lot and ld.day = v_day;
      if not found then
        perform parkctl_prepare_days(v_lot, v_day, v_day);
      end if;
    end loop;

    foreach v_k in array v_fast loop
      v_period := tstzrange(p_start[v_k], p_end[v_k], '[)');
      v_day := (p_start[v_k] at time zone 'UTC')::date;
      v_last := ((p_end[v_k] - interval '1 microsecond') at time zone 'UTC')::date;
      v_mask := parkctl_day_mask(v_day, v_period);
      v_spot := null;
      -- spots out of service of this type (few; a partial index, 0007) are passed over
      if v_out is null or p_lot[v_k] <> v_lot or p_type[v_k] <> v_type then
        v_lot := p_lot[v_k]; v_type := p_type[v_k];
        select coalesce(array_agg(s.spot_id), '{}') into v_out from spots s
         where s.lot_id = v_lot and s.vehicle_type = v_type and s.status <> 'active';
      end if;
      -- From the element's start spot up, then from the bottom up to it (parkctl_reserve's two phases). A plate
      -- with a live booking over the window books nothing here (one probe of the plate constraint's index):
      -- parkctl_reserve then meets the constraint and answers with its error. `lot_id + 0`: with stale statistics
      -- (a table analysed while small) the generic plan read the spot constraint's index by lot_id, 1,500 buffers
      -- a probe at 2,000 bookings; without an indexable lot_id only the plate index serves (1 buffer).
      if v_last = v_day then
        -- One day (most bookings): one UPDATE picks, locks and takes the spot-day, the plate probe an InitPlan.
        update spot_days sd set mask = sd.mask | v_mask
         where (sd.lot_id, sd.day, sd.spot_id) = (
                 select c.lot_id, c.day, c.spot_id from spot_days c
                  where c.lot_id = p_lot[v_k] and c.vehicle_type = p_type[v_k] and c.day = v_day and c.spot_id >= p_start_spot[v_k]
                    and (c.mask & v_mask) = v_zero and c.spot_id <> all (v_out)
                  order by c.spot_id limit 1 for update skip locked)
           and (sd.mask & v_mask) = v_zero
           and not exists (select 1 from reservations r
                            where r.plate_key = v_keys[v_k] and r.lot_id + 0 = p_lot[v_k] and r.period && v_period
                              and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') and r.walk_in_visit_id is null)
        returning sd.spot_id into v_spot;
        if not found then
          update spot_days sd set mask = sd.mask | v_mask
           where (sd.lot_id, sd.day, sd.spot_id) = (
                   select c.lot_id, c.day, c.spot_id from spot_days c
                    where c.lot_id = p_lot[v_k] and c.vehicle_type = p_type[v_k] and c.day = v_day and c.spot_id < p_start_spot[v_k]
                      and (c.mask & v_mask) = v_zero and c.spot_id <> all (v_out)
                    order by c.spot_id limit 1 for update skip locked)
             and (sd.mask & v_mask) = v_zero
             and not exists (select 1 from reservations r
                              where r.plate_key = v_keys[v_k] and r.lot_id + 0 = p_lot[v_k] and r.period && v_period
                                and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') and r.walk_in_visit_id is null)
          returning sd.spot_id into v_spot;
        end if;
        -- Nothing taken. On quarter hours the bits are exact: when no row of the day has them clear (as
        -- committed, and as this batch left them), no spot is free, parkctl_reserve's answer, given here
        -- without its second scan and its wait. A row that looks free is another writer's, still in flight:
        -- parkctl_reserve waits for it.
        if v_spot is null and extract(epoch from p_start[v_k])::bigint % 900 = 0 and extract(epoch from p_end[v_k])::bigint % 900 = 0 then
          perform 1 from spot_days c
           where c.lot_id = p_lot[v_k] and c.vehicle_type = p_type[v_k] and c.day = v_day
             and (c.mask & v_mask) = v_zero and c.spot_id <> all (v_out)
           limit 1;
          if not found then
            v_none := v_none || v_k;
          end if;
        end if;
      else
        -- Several days (parkctl_reserve's multi-day path, without waiting): the first spot whose first day's bits
        -- are clear and whose other days' bits look clear, its first day locked (SKIP LOCKED); then its other
        -- days, locked without waiting and checked under the lock; a row another writer holds, or bits taken
        -- meanwhile: the next spot. Then one UPDATE sets the bits of every day.
        perform 1 from reservations r
         where r.plate_key = v_keys[v_k] and r.lot_id + 0 = p_lot[v_k] and r.period && v_period
           and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') and r.walk_in_visit_id is null;
        if not found then
          v_rest := array(select d from parkctl_days_of(v_period) d where d > v_day);
          <<phases>>
          for v_phase in 1..2 loop
            if v_phase = 1 then v_lo := p_start_spot[v_k]; v_hi := 2147483647; else v_lo := -2147483648; v_hi := p_start_spot[v_k]; end if;
            loop
              select c.spot_id into v_spot from spot_days c
               where c.lot_id = p_lot[v_k] and c.vehicle_type = p_type[v_k] and c.day = v_day and c.spot_id >= v_lo and c.spot_id < v_hi
                 and (c.mask & v_mask) = v_zero and c.spot_id <> all (v_out)
                 and not exists (select 1 from spot_days o
                                  where o.lot_id = p_lot[v_k] and o.day = any (v_rest) and o.spot_id = c.spot_id
                                    and (o.mask & parkctl_day_mask(o.day, v_period)) <> v_zero)
               order by c.spot_id limit 1 for update skip locked;
              exit when not found;
              select count(*) filter (where (x.mask & parkctl_day_mask(x.day, v_period)) = v_zero) into v_free_days
                from (select sd2.mask, sd2.day from spot_days sd2
                       where sd2.lot_id = p_lot[v_k] and sd2.day = any (v_rest) and sd2.spot_id = v_spot
                       for update skip locked) x;
              if v_free_days = array_length(v_rest, 1) then
                exit phases;
              end if;
              v_lo := v_spot + 1;
              v_spot := null;
            end loop;
          end loop;
          if v_spot is not null then
            update spot_days sd set mask = sd.mask | parkctl_day_mask(sd.day, v_period)
             where sd.lot_id = p_lot[v_k] and sd.day = any (v_day || v_rest) and sd.spot_id = v_spot;
          end if;
        end if;
      end if;
      if v_spot is not null then
        v_ks := v_ks || v_k; v_spots := v_spots || v_spot; v_ids := v_ids || gen_random_uuid();
      end if;
    end loop;

    -- One insert per actor (the audit trigger reads it from parkctl.actor); the bits are set already.
    for v_actor in select distinct p_actor[x] from unnest(v_ks) x loop
      perform set_config('parkctl.actor', v_actor, true), set_config('parkctl.spot_days_set', 'on', true);
      insert into reservations as r (lot_id, reservation_id, customer_ref, plate, vehicle_type, spot_id, period, status,
                                     hold_expires_at, price_minor, currency, external_ref, created_at, updated_at)
      select p_lot[u.k], u.id, p_customer[u.k], p_plate[u.k], p_type[u.k], u.spot, tstzrange(p_start[u.k], p_end[u.k], '[)'), 'TENTATIVE',
             p_hold[u.k], p_price[u.k], p_currency[u.k], null, p_now[u.k], p_now[u.k]
        from unnest(v_ks, v_spots, v_ids) u(k, spot, id)
       where p_actor[u.k] is not distinct from v_actor;
      perform set_config('parkctl.spot_days_set', '', true);
    end loop;

    select array_agg(s.label order by u.n) into v_labels
      from unnest(v_ks, v_spots) with ordinality u(k, spot, n)
      join spots s on s.lot_id = p_lot[u.k] and s.spot_id = u.spot;
    if coalesce(array_length(v_labels, 1), 0) <> coalesce(array_length(v_ks, 1), 0) then
      raise exception 'a spot booked by the batch has no label';
    end if;
  exception when others then
    -- nothing of the batch's part remains (this block's subtransaction rolled back): every element alone
    v_failed := true;
  end;

  if v_failed then
    return query select f.*, 'fallback'::text from parkctl_reserve_each(p_lot, p_type, p_start, p_end, p_plate, p_customer, p_price,
                                                                          p_currency, p_hold, p_now, p_external, p_start_spot, p_actor) f;
    return;
  end if;

  return query
    select u.k, u.id, u.spot, u.label, 'TENTATIVE'::reservation_status, p_hold[u.k], p_price[u.k], true,
           null::text, null::text, null::text, 'batch'::text
      from unnest(v_ks, v_spots, v_ids, v_labels) u(k, spot, id, label);
  return query
    select x, null::uuid, null::integer, null::text, null::reservation_status, null::timestamptz, null::bigint, null::boolean,
           null::text, null::text, null::text, 'batch'::text
      from unnest(v_none) x;
  -- the rest, in order, after the batch's bookings (a plate booked by an earlier element is seen)
  select coalesce(array_agg(x order by x), '{}') into v_alone from generate_series(1, v_n) x where x <> all (v_ks || v_none);
  if array_length(v_alone, 1) > 0 then
    return query select f.*, 'alone'::text from parkctl_reserve_each(p_lot, p_type, p_start, p_end, p_plate, p_customer, p_price,
                                                                       p_currency, p_hold, p_now, p_external, p_start_spot, p_actor, v_alone) f;
  end if;
end $$;

grant execute on function parkctl_reserve_many(integer[], vehicle_type[], timestamptz[], timestamptz[], text[], text[], bigint[], char(3)[],
                                               timestamptz[], timestamptz[], text[], integer[], text[]) to parkctl_app;
grant execute on function parkctl_reserve_each(integer[], vehicle_type[], timestamptz[], timestamptz[], text[], text[], bigint[], char(3)[],
                                               timestamptz[], timestamptz[], text[], integer[], text[], integer[]) to parkctl_app;
