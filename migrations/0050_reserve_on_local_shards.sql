-- parkctl_reserve on Citus without Citus's planner in the common path (issue 18). Plain PostgreSQL: nothing
-- here changes a result or a plan (the new branches run only where Citus is loaded and the lot's shards are
-- on the node).
--
-- On Citus, parkctl_reserve is delegated to the worker that holds the lot. Each statement in it, and in the
-- triggers of the insert, that filters on lot_id = <a PL/pgSQL variable> was planned by Citus with deferred
-- pruning: every call, Citus deparsed it to SQL for the shard, parsed and planned that again (with constants:
-- the planner even reads index ends for the hold clock), then ran it on the local shard. Statements on the
-- shards themselves, built with EXECUTE format(), skip Citus but are still parsed and planned every call (a
-- booking cost more than before, measured). So the common booking (one day, no external ref) runs as
-- statements prepared once a session on the lot's shards, by name: PostgreSQL keeps their plans as it keeps
-- parkctl_reserve's own on a single server.

-- The names of the lot's shards of reservations, spot_days, spots, lot_days and events (in that order), when
-- they are on this node; null before `parkctl db distribute` and on a node that does not hold the lot (the
-- coordinator, or a worker the call was not delegated to). Holds Citus's shard metadata lock (shared) to the
-- end of the transaction, as Citus's own writes do: a shard move blocks writes with that lock before it
-- switches the placement, so it waits for this booking to commit, and a booking after a move finds the
-- placement elsewhere. Security definer: Citus lets only the table's owner take that lock. Called only on
-- Citus (it reads Citus's catalog).
create or replace function parkctl_lot_shards(p_lot_id integer) returns text[]
  language plpgsql security definer set search_path = pg_catalog, public set plan_cache_mode = auto as $$
declare
  v_shard bigint;
begin
  if not exists (select from pg_dist_partition p where p.logicalrelid = 'public.reservations'::regclass) then
    return null;
  end if;
  v_shard := get_shard_id_for_distribution_column('public.reservations', p_lot_id);
  perform lock_shard_metadata(5, array[v_shard]); -- 5: ShareLock
  if not exists (select from pg_dist_placement p
                  where p.shardid = v_shard and p.groupid = (select g.groupid from pg_dist_local_group g)) then
    return null;
  end if;
  return array['reservations_' || v_shard,
               'spot_days_' || get_shard_id_for_distribution_column('public.spot_days', p_lot_id),
               'spots_' || get_shard_id_for_distribution_column('public.spots', p_lot_id),
               'lot_days_' || get_shard_id_for_distribution_column('public.lot_days', p_lot_id),
               'events_' || get_shard_id_for_distribution_column('public.events', p_lot_id)];
end $$;

-- Prepares, in this session, the statements of a booking on one group of colocated shards (p_shards as
-- parkctl_lot_shards gives them), named after the reservations shard (parkctl_probe_102008, ...), unless they
-- are there; then marks the session (parkctl.shard_statements_102008 = on), so later calls skip the check. A
-- rolled back transaction takes the mark back but not the statements: the next call finds them here. Called
-- only on Citus, by the invoker (the statements are parsed with its search path). Null for no shards.
create or replace function parkctl_prepare_shard_statements(p_shards text[]) returns text
  language plpgsql as $$
declare
  v_tag text := '50_' || substring(p_shards[1] from '_([0-9]+)$'); -- a later change of the statements names them anew
  v_sql text[];
  v_stmt text;
begin
  if p_shards is null then
    return null;
  end if;
  v_sql := array[
    format('parkctl_probe_%1$s(integer, timestamptz, date, date) as
      select (select h.hold_expires_at from %2$I h
               where h.lot_id = $1 and h.status = ''TENTATIVE'' and h.hold_expires_at <= $2
               order by h.hold_expires_at limit 1) is not null,
             (select count(*) from %3$I ld where ld.lot_id = $1 and ld.day >= $3 and ld.day <= $4) = $4 - $3 + 1,
             (select upper(c.spot_period) from %2$I c
               where c.lot_id = $1 and c.status = ''CHECKED_IN'' and upper(c.spot_period) <= $2
               order by upper(c.spot_period) limit 1) is not null', v_tag, p_shards[1], p_shards[4]),
    format('parkctl_pick_%1$s(integer, date, vehicle_type, integer, integer, bit(96), bit(96)) as
      select sd.spot_id, (select s.label from %3$I s where s.lot_id = $1 and s.spot_id = sd.spot_id)
        from %2$I sd
       where sd.lot_id = $1 and sd.day = $2 and sd.vehicle_type = $3
         and sd.spot_id >= $4 and sd.spot_id < $5
         and (sd.mask & $6) = $7
         and (select s.status from %3$I s where s.lot_id = $1 and s.spot_id = sd.spot_id) = ''active''
       order by sd.spot_id
       limit 1
       for update of sd skip locked', v_tag, p_shards[2], p_shards[3]),
    -- a window over midnight: the first day's candidate is also clear on the other days, then those days are
    -- locked (in day order) and checked again, as in parkctl_reserve
    format('parkctl_pickdays_%1$s(integer, date, vehicle_type, integer, integer, bit(96), bit(96), date, tstzrange) as
      select sd.spot_id, (select s.label from %3$I s where s.lot_id = $1 and s.spot_id = sd.spot_id)
        from %2$I sd
       where sd.lot_id = $1 and sd.day = $2 and sd.vehicle_type = $3
         and sd.spot_id >= $4 and sd.spot_id < $5
         and (sd.mask & $6) = $7
         and (select s.status from %3$I s where s.lot_id = $1 and s.spot_id = sd.spot_id) = ''active''
         and not exists (
               select 1 from %2$I o
                where o.lot_id = $1 and o.spot_id = sd.spot_id and o.day > $2 and o.day <= $8
                  and (o.mask & parkctl_day_mask(o.day, $9)) <> $7)
       order by sd.spot_id
       limit 1
       for update of sd skip locked', v_tag, p_shards[2], p_shards[3]),
    format('parkctl_lockdays_%1$s(integer, integer, date, date, tstzrange, bit(96)) as
      select coalesce(bool_and((x.mask & parkctl_day_mask(x.day, $5)) = $6), true)
        from (select sd2.mask, sd2.day from %2$I sd2
               where sd2.lot_id = $1 and sd2.spot_id = $2 and sd2.day > $3 and sd2.day <= $4
               order by sd2.day for update) x', v_tag, p_shards[2]),
    format('parkctl_book_%1$s(integer, uuid, text, text, vehicle_type, integer, tstzrange, timestamptz, bigint, char(3), timestamptz) as
      insert into %2$I (lot_id, reservation_id, customer_ref, plate, vehicle_type, spot_id, period, status,
                        hold_expires_at, price_minor, currency, external_ref, created_at, updated_at)
      values ($1, $2, $3, $4, $5, $6, $7, ''TENTATIVE'', $8, $9, $10, null, $11, $11)', v_tag, p_shards[1]),
    format('parkctl_spotday_%1$s(integer, date, integer, bit(96)) as
      update %2$I sd set mask = sd.mask | $4 where sd.lot_id = $1 and sd.day = $2 and sd.spot_id = $3 returning true',
      v_tag, p_shards[2]),
    format('parkctl_spotdays_%1$s(integer, integer, vehicle_type, tstzrange) as
      insert into %2$I as sd (lot_id, spot_id, day, vehicle_type, mask)
      select $1, $2, d, $3, parkctl_day_mask(d, $4) from parkctl_days_of($4) d
      on conflict (lot_id, day, spot_id) do update set mask = sd.mask | excluded.mask', v_tag, p_shards[2]),
    format('parkctl_event_%1$s(integer, bigint, text, uuid, text, text, jsonb, timestamptz) as
      insert into %2$I (lot_id, event_id, kind, reservation_id, actor, reason, detail, occurred_at)
      overriding system value values ($1, $2, $3, $4, $5, $6, $7, $8)', v_tag, p_shards[5])];
  foreach v_stmt in array v_sql loop
    if not exists (select from pg_prepared_statements p where p.name = split_part(v_stmt, '(', 1)) then
      execute 'prepare ' || v_stmt;
    end if;
  end loop;
  perform set_config('parkctl.shard_statements_' || v_tag, 'on', false);
  return v_tag;
end $$;
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
  v_shards text[];
  v_tag text;
  v_plans text;
begin
  -- the actor for the audit trigger (an expression: no statement)
  v_actor := set_config('parkctl.actor', p_actor, true);

  -- On Citus, on the worker that holds the lot (0050): the common booking (no external ref) runs as
  -- statements prepared on the lot's shards, with plans kept as on a single server (plan_cache_mode as there;
  -- `db distribute` sets force_custom_plan on this function for the statements below, which go through
  -- Citus). Anything else, and a booking that finds no free spot unlocked, goes on below, on the same shards.
  if p_external_ref is null and current_setting('citus.version', true) is not null then
    v_shards := parkctl_lot_shards(p_lot);
    if v_shards is not null then
      v_tag := '50_' || substring(v_shards[1] from '_([0-9]+)$'); -- 0050's statements
      if current_setting('parkctl.shard_statements_' || v_tag, true) is distinct from 'on' then
        perform parkctl_prepare_shard_statements(v_shards);
      end if;
      v_plans := current_setting('plan_cache_mode');
      perform set_config('plan_cache_mode', 'auto', true); -- until put back below
      execute format('execute parkctl_probe_%s(%L, %L, %L, %L)', v_tag, p_lot, p_now, v_first, v_last)
        into v_overdue, v_days_ready, v_lapsed;
      if not v_overdue and v_days_ready and not v_lapsed then
        <<shard_phases>>
        for v_phase in 1..2 loop
          if v_phase = 1 then v_lo := p_start_spot; v_hi := 2147483647; else v_lo := -2147483648; v_hi := p_start_spot; end if;
          loop
            if v_last = v_first then
              execute format('execute parkctl_pick_%s(%L, %L, %L, %L, %L, %L, %L)', v_tag, p_lot, v_first, p_type, v_lo, v_hi, v_mask, v_zero)
                into v_spot, v_label;
              exit shard_phases when v_spot is not null;
              exit;
            end if;
            execute format('execute parkctl_pickdays_%s(%L, %L, %L, %L, %L, %L, %L, %L, %L)', v_tag, p_lot, v_first, p_type,
                           v_lo, v_hi, v_mask, v_zero, v_last, v_period)
              into v_spot, v_label;
            exit when v_spot is null;
            execute format('execute parkctl_lockdays_%s(%L, %L, %L, %L, %L, %L)', v_tag, p_lot, v_spot, v_first, v_last, v_period, v_zero)
              into v_free;
            exit shard_phases when v_free;
            v_lo := v_spot + 1;
            v_spot := null;
          end loop;
        end loop;
        if v_spot is not null then
          v_id := gen_random_uuid();
          execute format('execute parkctl_book_%s(%L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L)', v_tag, p_lot, v_id, p_customer,
                         p_plate, p_type, v_spot, v_period, p_hold_expires_at, p_price_minor, p_currency, p_now);
          perform set_config('plan_cache_mode', v_plans, true);
          reservation_id := v_id; spot_id := v_spot; label := v_label; status := 'TENTATIVE';
          hold_expires_at := p_hold_expires_at; price_minor := p_price_minor; created := true;
          return next;
          return;
        end if;
      end if;
      perform set_config('plan_cache_mode', v_plans, true);
    end if;
  end if;
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


-- The triggers of a new reservation, with a branch for a Citus shard (tg_table_name is 'reservations' only on
-- the table itself, 0028): the statements prepared for the shard's group (spot_days and events are on this
-- node as the shard is: colocated), under the lock the write of the shard took. Otherwise 0045's and 0046's
-- statements.
create or replace function reservations_insert_spot_days() returns trigger
  language plpgsql as $$
declare
  d0 date;
  v_tag text;
  v_done boolean;
begin
  if new.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') then
    if current_setting('parkctl.spot_days_set', true) = 'on' then
      return null;
    end if;
    if tg_table_name <> 'reservations' then
      v_tag := '50_' || substring(tg_table_name from '_([0-9]+)$');
      if current_setting('parkctl.shard_statements_' || v_tag, true) is distinct from 'on' then
        v_tag := parkctl_prepare_shard_statements(parkctl_lot_shards(new.lot_id));
      end if;
    end if;
    d0 := (lower(new.spot_period) at time zone 'UTC')::date;
    if d0 = ((upper(new.spot_period) - interval '1 microsecond') at time zone 'UTC')::date then
      -- the common case, one day whose row exists (the allocator holds its lock): a plain update
      if v_tag is not null then
        execute format('execute parkctl_spotday_%s(%L, %L, %L, %L)', v_tag, new.lot_id, d0, new.spot_id,
                       parkctl_day_mask(d0, new.spot_period))
          into v_done;
        if v_done then
          return null;
        end if;
      else
        update spot_days sd set mask = sd.mask | parkctl_day_mask(d0, new.spot_period)
         where sd.lot_id = new.lot_id and sd.day = d0 and sd.spot_id = new.spot_id;
        if found then
          return null;
        end if;
      end if;
    end if;
    if v_tag is not null then
      execute format('execute parkctl_spotdays_%s(%L, %L, %L, %L)', v_tag, new.lot_id, new.spot_id, new.vehicle_type, new.spot_period);
      return null;
    end if;
    insert into spot_days as sd (lot_id, spot_id, day, vehicle_type, mask)
      select new.lot_id, new.spot_id, d, new.vehicle_type, parkctl_day_mask(d, new.spot_period)
        from parkctl_days_of(new.spot_period) d
      on conflict (lot_id, day, spot_id) do update set mask = sd.mask | excluded.mask;
  end if;
  return null;
end $$;

create or replace function reservations_audit_insert() returns trigger
  language plpgsql as $$
declare
  v_event bigint := nextval('events_event_id_seq');
  v_kind text := 'reservation.' || lower(new.status::text);
  v_actor text := coalesce(nullif(current_setting('parkctl.actor', true), ''), session_user);
  v_reason text := nullif(current_setting('parkctl.reason', true), '');
  v_detail jsonb := jsonb_build_object('plate', new.plate, 'spot_id', new.spot_id, 'from', lower(new.period), 'to', upper(new.period));
  v_tag text;
begin
  if tg_table_name <> 'reservations' then
    v_tag := '50_' || substring(tg_table_name from '_([0-9]+)$');
    if current_setting('parkctl.shard_statements_' || v_tag, true) is distinct from 'on' then
      v_tag := parkctl_prepare_shard_statements(parkctl_lot_shards(new.lot_id));
    end if;
  end if;
  if v_tag is not null then
    execute format('execute parkctl_event_%s(%L, %L, %L, %L, %L, %L, %L, %L)', v_tag, new.lot_id, v_event, v_kind,
                   new.reservation_id, v_actor, v_reason, v_detail, new.created_at);
  else
    insert into events (lot_id, event_id, kind, reservation_id, actor, reason, detail, occurred_at)
    overriding system value
    values (new.lot_id, v_event, v_kind, new.reservation_id, v_actor, v_reason, v_detail, new.created_at);
  end if;
  return null;
end $$;
