-- Reports (issue 17): hourly rollups per lot, UTC hour and vehicle type, so a year of reports reads a few
-- thousand rollup rows instead of millions of visits, payments and events.
--
-- How they stay current: an incremental refresher on a watermark (parkctl_refresh_report_rollups), run by
-- the sweeper, not triggers on the write path. Why: a trigger that adds each booking's or visit's delta to
-- its (lot, hour, type) row makes every concurrent writer of a lot update the same row, and that row lock
-- is held to commit: reserve would queue on it (the "everyone takes the lowest spot" effect of DESIGN.md
-- section 4), and the booking path is the one we promised to keep within 10 %. The refresher costs the
-- write path nothing: it recomputes whole hours from raw rows in one set-based statement per table.
--
-- Correctness rule: rollups hold every closed hour before report_rollup_marks.rolled_until; reports read
-- rollups for hours before it and raw rows from it on (the current hour is always raw). Each refresh
-- recomputes the hours from rolled_until - lookback (default 48 h), so late rows (a gate that synced its
-- journal after an outage, a refund settled the next day, a visit that closed) land in their hour. Rows
-- arriving later than the lookback are not seen: `parkctl report refresh --rebuild` recomputes everything
-- still held in raw rows. Pruned hours (before pruned_before) are never recomputed: their raw rows are gone.
-- Hours are UTC hours: reports bucket them by the lot's zone (exact for whole-hour offsets, DST included).

create table report_visit_hours (
  lot_id integer not null,
  /** start of the UTC hour */
  hour timestamptz not null,
  vehicle_type text not null,
  /** visits that entered in this hour */
  entries integer not null default 0,
  /** of those, visits of a booking */
  booked_entries integer not null default 0,
  /** visits that left in this hour */
  exits integer not null default 0,
  /** total stay (entry to exit) of those exits, seconds */
  stay_seconds bigint not null default 0,
  /** car-seconds inside during this hour (an average of occupied_seconds / 3600 cars) */
  occupied_seconds bigint not null default 0,
  /** amount due at the exit of those exits, minor units */
  due_minor bigint not null default 0,
  /** amount paid at the exit of those exits, minor units */
  paid_minor bigint not null default 0,
  /** exits that left owing (paid less than due): the "nil payments" of the exceptions report */
  unpaid_exits integer not null default 0,
  primary key (lot_id, hour, vehicle_type)
);

create table report_payment_hours (
  lot_id integer not null,
  hour timestamptz not null,
  /** the booking's or visit's type; 'other' for permits and payments of neither */
  vehicle_type text not null,
  /** payments.provider: cash, card, stripe, manual */
  method text not null,
  payments integer not null default 0,
  paid_minor bigint not null default 0,
  refunds integer not null default 0,
  refunded_minor bigint not null default 0,
  primary key (lot_id, hour, vehicle_type, method)
);

create table report_event_hours (
  lot_id integer not null,
  hour timestamptz not null,
  /** 'events' (the audit) or 'gate' (gate_events; kind is kind:decision) */
  source text not null,
  kind text not null,
  n integer not null,
  primary key (lot_id, hour, source, kind)
);

create table report_rollup_marks (
  lot_id integer primary key,
  /** every UTC hour before this is in the rollups */
  rolled_until timestamptz not null,
  refreshed_at timestamptz not null,
  /** raw rows before this were pruned (parkctl db prune): their hours are never recomputed */
  pruned_before timestamptz
);

-- What the raw queries of reports and the refresher need: payments and gate events by time, visits by
-- the time they left (open visits last), so "visits inside during [a, b)" is one index range.
create index payments_by_time on payments (lot_id, created_at);
create index gate_events_by_time on gate_events (lot_id, occurred_at);
create index visits_by_exit on visits (lot_id, (coalesce(exited_at, 'infinity'::timestamptz)));

-- Hourly visit figures from raw rows for [p_from, p_to); open visits count as inside until p_now.
create function parkctl_report_visit_hours(p_lot integer, p_from timestamptz, p_to timestamptz, p_now timestamptz)
returns setof report_visit_hours language sql stable as $$
  with v as (
    select v.vehicle_type::text as vt, v.entered_at, v.exited_at, v.reservation_id, v.amount_due_minor, v.amount_paid_minor,
           least(coalesce(v.exited_at, p_now), p_to) as inside_until
      from visits v
     where v.lot_id = p_lot and coalesce(v.exited_at, 'infinity'::timestamptz) > p_from and v.entered_at < p_to
  ), present as (
    select v.vt, h as hour,
           extract(epoch from least(v.inside_until, h + interval '1 hour') - greatest(v.entered_at, p_from, h))::bigint as secs
      from v cross join lateral generate_series(date_trunc('hour', greatest(v.entered_at, p_from), 'UTC'),
                                                v.inside_until - interval '1 microsecond', interval '1 hour') h
     where v.inside_until > greatest(v.entered_at, p_from)
  ), occ as (
    select vt, hour, sum(secs)::bigint as occupied_seconds from present group by 1, 2
  ), ins as (
    select vt, date_trunc('hour', entered_at, 'UTC') as hour, count(*)::integer as entries,
           count(reservation_id)::integer as booked_entries
      from v where entered_at >= p_from group by 1, 2
  ), outs as (
    select vt, date_trunc('hour', exited_at, 'UTC') as hour, count(*)::integer as exits,
           sum(extract(epoch from exited_at - entered_at))::bigint as stay_seconds,
           sum(amount_due_minor)::bigint as due_minor, sum(amount_paid_minor)::bigint as paid_minor,
           count(*) filter (where amount_due_minor > amount_paid_minor)::integer as unpaid_exits
      from v where exited_at >= p_from and exited_at < p_to group by 1, 2
  )
  select p_lot, hour, vt, coalesce(ins.entries, 0), coalesce(ins.booked_entries, 0), coalesce(outs.exits, 0),
         coalesce(outs.stay_seconds, 0), coalesce(occ.occupied_seconds, 0), coalesce(outs.due_minor, 0),
         coalesce(outs.paid_minor, 0), coalesce(outs.unpaid_exits, 0)
    from ins full join outs using (vt, hour) full join occ using (vt, hour)
$$;

-- Hourly money from raw rows for [p_from, p_to): succeeded payments and refunds (amounts are positive;
-- a refund row gives back), by the booking's or visit's vehicle type and the method (provider).
create function parkctl_report_payment_hours(p_lot integer, p_from timestamptz, p_to timestamptz)
returns setof report_payment_hours language sql stable as $$
  select p_lot, date_trunc('hour', p.created_at, 'UTC'),
         coalesce(r.vehicle_type::text, v.vehicle_type::text, 'other'), p.provider,
         (count(*) filter (where p.purpose <> 'refund'))::integer,
         coalesce(sum(p.amount_minor) filter (where p.purpose <> 'refund'), 0)::bigint,
         (count(*) filter (where p.purpose = 'refund'))::integer,
         coalesce(sum(p.amount_minor) filter (where p.purpose = 'refund'), 0)::bigint
    from payments p
    left join reservations r on r.lot_id = p.lot_id and r.reservation_id = p.reservation_id
    left join visits v on v.lot_id = p.lot_id and v.visit_id = p.visit_id
   where p.lot_id = p_lot and p.status = 'succeeded' and p.created_at >= p_from and p.created_at < p_to
   group by 2, 3, 4
$$;

-- Hourly counts of audit events and gate events by kind, from raw rows for [p_from, p_to).
create function parkctl_report_event_hours(p_lot integer, p_from timestamptz, p_to timestamptz)
returns setof report_event_hours language sql stable as $$
  select p_lot, date_trunc('hour', e.occurred_at, 'UTC'), 'events', e.kind, count(*)::integer
    from events e where e.lot_id = p_lot and e.occurred_at >= p_from and e.occurred_at < p_to
   group by 2, 4
  union all
  select p_lot, date_trunc('hour', g.occurred_at, 'UTC'), 'gate', g.kind || coalesce(':' || g.decision, ''), count(*)::integer
    from gate_events g where g.lot_id = p_lot and g.occurred_at >= p_from and g.occurred_at < p_to
   group by 2, 4
$$;

-- The refresher: recomputes [rolled_until - p_lookback, the current UTC hour) of one lot and moves the
-- mark, once per closed hour (a second call in the same hour does nothing). p_rebuild recomputes from the
-- oldest raw row kept. Safe to run twice at once (one waits on the
-- lot's advisory lock, then finds little to do). Returns the hours recomputed.
create function parkctl_refresh_report_rollups(p_lot integer, p_now timestamptz, p_lookback interval, p_rebuild boolean)
returns table (from_hour timestamptz, to_hour timestamptz) language plpgsql as $$
declare
  v_until timestamptz := date_trunc('hour', p_now, 'UTC');
  v_from timestamptz;
  v_pruned timestamptz;
begin
  perform pg_advisory_xact_lock(hashtext('parkctl_report_rollups'), p_lot);
  select m.rolled_until - p_lookback, m.pruned_before into v_from, v_pruned from report_rollup_marks m where m.lot_id = p_lot;
  -- Once per hour is enough: the mark only moves when an hour closes (the sweeper calls this every minute).
  if v_from + p_lookback >= v_until and not p_rebuild then
    from_hour := v_until;
    to_hour := v_until;
    return next;
    return;
  end if;
  if v_from is null or p_rebuild then
    select date_trunc('hour', least(
             (select min(entered_at) from visits where lot_id = p_lot),
             (select min(created_at) from payments where lot_id = p_lot),
             (select min(occurred_at) from events where lot_id = p_lot),
             (select min(occurred_at) from gate_events where lot_id = p_lot)), 'UTC')
      into v_from;
  end if;
  v_from := greatest(coalesce(v_from, v_until), coalesce(date_trunc('hour', v_pruned, 'UTC') + interval '1 hour', '-infinity'));
  if v_from < v_until then
    delete from report_visit_hours where lot_id = p_lot and hour >= v_from and hour < v_until;
    insert into report_visit_hours select * from parkctl_report_visit_hours(p_lot, v_from, v_until, p_now);
    delete from report_payment_hours where lot_id = p_lot and hour >= v_from and hour < v_until;
    insert into report_payment_hours select * from parkctl_report_payment_hours(p_lot, v_from, v_until);
    delete from report_event_hours where lot_id = p_lot and hour >= v_from and hour < v_until;
    insert into report_event_hours select * from parkctl_report_event_hours(p_lot, v_from, v_until);
  end if;
  insert into report_rollup_marks (lot_id, rolled_until, refreshed_at) values (p_lot, v_until, p_now)
  on conflict (lot_id) do update set rolled_until = greatest(report_rollup_marks.rolled_until, excluded.rolled_until),
                                     refreshed_at = excluded.refreshed_at;
  from_hour := v_from;
  to_hour := v_until;
  return next;
end $$;

grant select, insert, update, delete on report_visit_hours, report_payment_hours, report_event_hours, report_rollup_marks to parkctl_app;
