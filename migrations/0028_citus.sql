-- parkctl on Citus (issue 18): what failed once the schema was distributed by lot_id (Citus 13.2, PostgreSQL 15),
-- changed so it runs on both. On plain PostgreSQL nothing here changes a result or a plan.

-- 1. The gate's counts as PL/pgSQL. As a SQL function it was inlined into the caller's query, parameters and
--    all, and Citus could not plan that ("could not create distributed plan"). In PL/pgSQL each call plans one
--    query whose four counts all name the same lot: a single-shard query on Citus, the same four index reads
--    on PostgreSQL.
create or replace function parkctl_gate_lot_status(p_lot integer, p_at timestamptz)
returns table (active_spots integer, open_visits integer, held_spots integer, max_rate_per_hour_minor bigint)
language plpgsql stable security definer set search_path = public as $$
begin
  return query
  select (select count(*)::integer from spots s where s.lot_id = p_lot and s.status = 'active'),
         (select count(*)::integer from visits v where v.lot_id = p_lot and v.exited_at is null),
         (select count(*)::integer from reservations r
           where r.lot_id = p_lot and r.status = 'CONFIRMED' and r.period @> p_at),
         (select coalesce(max(p.rate_per_hour_minor), 0)::bigint from pricing_rules p where p.lot_id = p_lot);
end $$;

-- 2. The same for the free spot a walk-in or a moved booking takes (0012): as a SQL function it failed on the
--    worker when a walk-in's visit was written there (the gate's sync, `visit arrive --walk-in`).
create or replace function parkctl_free_spot(p_lot integer, p_type vehicle_type, p_period tstzrange, p_not integer)
returns integer
language plpgsql stable as $$
begin
  return (select s.spot_id from spots s
           where s.lot_id = p_lot and s.vehicle_type = p_type and s.status = 'active' and s.spot_id is distinct from p_not
             and not exists (select 1 from reservations r
                              where r.spot_id = s.spot_id and r.lot_id = s.lot_id and r.spot_period && p_period
                                and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN'))
           order by s.rank, s.spot_id
           limit 1);
end $$;

-- 3. The statement trigger after updates of reservations (0009, 0012), in two shapes:
--    * fired on the table itself (plain PostgreSQL): 0012's body, unchanged: one statement joins the
--      transition tables and writes every event and spot-day of the batch;
--    * fired on a Citus shard (reservations_102008 on a worker: Citus runs a distributed table's triggers on
--      its shards): Citus plans a query that reads a transition table together with a distributed table
--      neither as one query ("correlated subqueries are not supported when the FROM clause contains a CTE or
--      subquery") nor piecewise ("executor could not find named tuplestore"). So the changed rows are first
--      read into arrays by a query of the transition tables alone, then the same work runs once per lot of
--      the batch from those arrays, every statement on that lot only, so Citus runs each on the local shard
--      (a data-modifying CTE made it open a connection to its own node: "the backend has already been
--      assigned a transaction id"). Five statements a lot, once a statement (a sweep's batch is one lot),
--      not once a row.
--    The shard's name tells which: tg_table_name is 'reservations' only on the table itself.
create or replace function reservations_after_update() returns trigger
  language plpgsql set jit = off as $$
declare
  -- once a statement, not once a row
  v_actor text := coalesce(nullif(current_setting('parkctl.actor', true), ''), session_user);
  v_reason text := nullif(current_setting('parkctl.reason', true), '');
  v_lot integer;
  a_lot integer[];
  a_id uuid[];
  a_plate text[];
  a_type vehicle_type[];
  a_updated timestamptz[];
  a_old_status reservation_status[];
  a_new_status reservation_status[];
  a_old_spot integer[];
  a_new_spot integer[];
  a_old_period tstzrange[];
  a_new_period tstzrange[];
  a_old_held tstzrange[];
  a_new_held tstzrange[];
  t_spot integer[];
  t_day date[];
  t_mask bit(96)[];
  c_spot integer[];
  c_day date[];
  c_bits bit(96)[];
begin
  if tg_table_name = 'reservations' then
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
  end if;

  -- On a Citus shard: the transition tables alone, into arrays.
  select array_agg(n.lot_id), array_agg(n.reservation_id), array_agg(n.plate), array_agg(n.vehicle_type), array_agg(n.updated_at),
         array_agg(o.status), array_agg(n.status), array_agg(o.spot_id), array_agg(n.spot_id),
         array_agg(o.period), array_agg(n.period), array_agg(o.spot_period), array_agg(n.spot_period)
    into a_lot, a_id, a_plate, a_type, a_updated, a_old_status, a_new_status, a_old_spot, a_new_spot,
         a_old_period, a_new_period, a_old_held, a_new_held
    from old_rows o join new_rows n on n.lot_id = o.lot_id and n.reservation_id = o.reservation_id
   where o.status <> n.status or o.period <> n.period or o.spot_id <> n.spot_id or o.spot_period <> n.spot_period;
  if a_lot is null then
    return null;
  end if;

  for v_lot in select distinct l from unnest(a_lot) l loop
    insert into events (lot_id, kind, reservation_id, actor, reason, detail, occurred_at)
    select v_lot,
           'reservation.' || lower(c.new_status::text) || case when c.old_status = c.new_status then '.period' else '' end,
           c.reservation_id, v_actor, v_reason,
           jsonb_build_object('plate', c.plate, 'spot_id', c.new_spot, 'from', lower(c.new_period), 'to', upper(c.new_period),
                              'previous', c.old_status::text),
           coalesce(c.updated_at, now())
      from unnest(a_lot, a_id, a_plate, a_updated, a_old_status, a_new_status, a_new_spot, a_old_period, a_new_period)
             as c(lot_id, reservation_id, plate, updated_at, old_status, new_status, new_spot, old_period, new_period)
     where c.lot_id = v_lot and (c.old_status <> c.new_status or c.old_period <> c.new_period);

    -- The spot-days to recompute and to clear, from the arrays alone (no table: planned by PostgreSQL).
    select array_agg(t.spot_id), array_agg(t.day) into t_spot, t_day
      from (select m.old_spot as spot_id, d.day from unnest(a_lot, a_old_status, a_new_status, a_old_spot, a_new_spot, a_old_held, a_new_held)
                     as m(lot_id, old_status, new_status, old_spot, new_spot, old_held, new_held)
                   cross join lateral parkctl_days_of(m.old_held) d(day)
             where m.lot_id = v_lot and m.old_status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
               and not (m.new_status not in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
                        and extract(epoch from lower(m.old_held)) % 900 = 0 and extract(epoch from upper(m.old_held)) % 900 = 0)
               and (m.new_status not in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') or m.old_held <> m.new_held or m.old_spot <> m.new_spot)
            union
            select m.new_spot, d.day from unnest(a_lot, a_old_status, a_new_status, a_old_spot, a_new_spot, a_old_held, a_new_held)
                     as m(lot_id, old_status, new_status, old_spot, new_spot, old_held, new_held)
                   cross join lateral parkctl_days_of(m.new_held) d(day)
             where m.lot_id = v_lot and m.new_status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
               and (m.old_status not in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') or m.old_held <> m.new_held or m.old_spot <> m.new_spot)) t;
    -- a live booking on quarter hours that stops being live clears its own bits (0006, section 5); a spot-day
    -- that is also recomputed is left to the recompute
    select array_agg(r.spot_id), array_agg(r.day), array_agg(r.bits) into c_spot, c_day, c_bits
      from (select m.old_spot as spot_id, d.day, bit_or(parkctl_day_mask(d.day, m.old_held)) as bits
              from unnest(a_lot, a_old_status, a_new_status, a_old_spot, a_old_held)
                     as m(lot_id, old_status, new_status, old_spot, old_held)
                   cross join lateral parkctl_days_of(m.old_held) d(day)
             where m.lot_id = v_lot and m.old_status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
               and m.new_status not in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
               and extract(epoch from lower(m.old_held)) % 900 = 0 and extract(epoch from upper(m.old_held)) % 900 = 0
             group by m.old_spot, d.day) r
     where not exists (select 1 from unnest(t_spot, t_day) t(spot_id, day) where t.spot_id = r.spot_id and t.day = r.day);

    if c_spot is not null then
      update spot_days sd set mask = sd.mask & ~c.bits
        from unnest(c_spot, c_day, c_bits) c(spot_id, day, bits)
       where sd.lot_id = v_lot and sd.spot_id = c.spot_id and sd.day = c.day;
    end if;
    if t_spot is not null then
      -- each touched spot-day from the live bookings that remain (one query on this lot's shard)
      select array_agg(coalesce((
               select bit_or(parkctl_day_mask(t.day, r.spot_period))
                 from reservations r
                where r.lot_id = v_lot and r.spot_id = t.spot_id
                  and r.spot_period && tstzrange(t.day::timestamp at time zone 'UTC', (t.day + 1)::timestamp at time zone 'UTC', '[)')
                  and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')), 0::bit(96)) order by t.ord)
        into t_mask
        from unnest(t_spot, t_day) with ordinality t(spot_id, day, ord);
      -- a day no booking of this spot touched before: its row starts with the right bits
      insert into spot_days (lot_id, spot_id, day, vehicle_type, mask)
      select s.lot_id, s.spot_id, t.day, s.vehicle_type, t.mask
        from unnest(t_spot, t_day, t_mask) t(spot_id, day, mask) join spots s on s.lot_id = v_lot and s.spot_id = t.spot_id
      on conflict do nothing;
      update spot_days sd set mask = t.mask
        from unnest(t_spot, t_day, t_mask) t(spot_id, day, mask)
       where sd.lot_id = v_lot and sd.spot_id = t.spot_id and sd.day = t.day and sd.mask <> t.mask;
    end if;
  end loop;
  return null;
end $$;
