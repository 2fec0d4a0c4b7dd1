-- Cheaper hold sweeps, the same effects. Profiled with `parkctl bench sweep` (perf on the backend), the
-- two statement triggers after updates of reservations were 55 % of a hold sweep's time: each joined the
-- statement's old and new rows (a sort of both sides a batch), and each paid its own PL/pgSQL call and
-- executor start. One trigger now does both, with the same effects as the two of 0002 and 0006:
--  * an event for every change of status or period, with the same kind, actor, reason, detail and time;
--  * spot_days released or recomputed for every change of liveness, period or spot.
-- Measured on one backend, 100 batches of 1,000 holds, alternating: 4.4 s of CPU before, 4.0 s after.

-- The detail of a reservation's status event, built with to_jsonb over a row of this type: the same keys
-- and values as jsonb_build_object, without its per-call look-up of every argument's type.
create type reservation_event_detail as (plate text, spot_id integer, "from" timestamptz, "to" timestamptz, previous text);

-- Without JIT: the planner's guesses for transition tables (1,000 rows each, a join of 25, 13,000 spot-days
-- touched) put the statement just over jit_above_cost, and compiling its 126 expressions took 120 ms a
-- batch, more than the statement itself (caught with auto_explain: a 3 s sweep became 20 s).
create function reservations_after_update() returns trigger
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
           o.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') as was_live,
           n.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') as is_live
      from old_rows o join new_rows n on n.lot_id = o.lot_id and n.reservation_id = o.reservation_id
     where o.status <> n.status or o.period <> n.period or o.spot_id <> n.spot_id
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
    select c.lot_id, c.old_spot, c.old_period, c.new_spot, c.new_period, c.vehicle_type, c.was_live, c.is_live,
           -- a live booking on quarter hours that stops being live clears its own bits (0006, section 5)
           c.was_live and not c.is_live
             and extract(epoch from lower(c.old_period)) % 900 = 0 and extract(epoch from upper(c.old_period)) % 900 = 0 as clears
      from changed c
     where c.was_live <> c.is_live or (c.was_live or c.is_live) and (c.old_period <> c.new_period or c.old_spot <> c.new_spot)
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

drop trigger reservations_audit_update on reservations;
drop trigger reservations_update_spot_days on reservations;
drop function reservations_audit_update();
drop function reservations_update_spot_days();

create trigger reservations_after_update
  after update on reservations
  referencing old table as old_rows new table as new_rows
  for each statement execute function reservations_after_update();
