// SQL of reports (issue 17). Figures come from hourly rollups (migration 0041) for hours before the lot's
// mark and from raw rows after it, through the same SQL functions the refresher fills the rollups with,
// so a figure is the same whichever side of the mark its hour lies. Buckets are cut in the lot's zone:
// date_trunc(by, hour, zone) follows its DST (a spring day has 23 hours, an autumn one 25).
import type { Queryable } from '../ports.js';

export type ReportBy = 'hour' | 'day' | 'week' | 'month';

/** What every bucketed query takes. */
export interface BucketQuery {
  lotId: number;
  from: Date;
  to: Date;
  /** open visits count as inside until now */
  now: Date;
  by: ReportBy;
  timeZone: string;
  /** a vehicle type, or null for all */
  vehicleType: string | null;
}

const args = (q: BucketQuery) => [q.lotId, q.from, q.to, q.now, q.by, q.timeZone, q.vehicleType];

/** Rollup rows of `table` for hours before the mark, `fn`'s raw rows from it on; as CTE `h`. */
function hours(table: string, fn: string): string {
  return `m as (select coalesce((select rolled_until from report_rollup_marks where lot_id = $1::integer), '-infinity'::timestamptz) as wm),
  h as (select t.* from ${table} t, m where t.lot_id = $1::integer and t.hour >= $2::timestamptz and t.hour < least($3::timestamptz, m.wm)
        union all
        select f.* from m, ${fn} f where m.wm < $3::timestamptz)`;
}

export type VisitBucketRow = {
  bucket: Date;
  entries: number;
  booked_entries: number;
  exits: number;
  /** seconds */
  stay_seconds: number;
  /** car-seconds inside */
  occupied_seconds: number;
  due_minor: number;
  paid_minor: number;
  unpaid_exits: number;
  /** the busiest hour of the bucket (start), by car-seconds inside, and its car-seconds */
  peak_hour: Date | null;
  peak_occupied_seconds: number;
};

export async function selectVisitBuckets(db: Queryable, q: BucketQuery): Promise<VisitBucketRow[]> {
  const { rows } = await db.query<VisitBucketRow>(
    `with ${hours('report_visit_hours', 'parkctl_report_visit_hours($1::integer, greatest($2::timestamptz, m.wm), $3::timestamptz, $4::timestamptz)')},
     per_hour as (
       select hour, sum(entries)::bigint as entries, sum(booked_entries)::bigint as booked_entries, sum(exits)::bigint as exits,
              sum(stay_seconds)::bigint as stay_seconds, sum(occupied_seconds)::bigint as occupied_seconds,
              sum(due_minor)::bigint as due_minor, sum(paid_minor)::bigint as paid_minor, sum(unpaid_exits)::bigint as unpaid_exits
         from h where $7::text is null or vehicle_type = $7::text group by hour
     )
     select date_trunc($5::text, hour, $6::text) as bucket,
            sum(entries)::integer as entries, sum(booked_entries)::integer as booked_entries, sum(exits)::integer as exits,
            sum(stay_seconds)::float8 as stay_seconds, sum(occupied_seconds)::float8 as occupied_seconds,
            sum(due_minor)::float8 as due_minor, sum(paid_minor)::float8 as paid_minor, sum(unpaid_exits)::integer as unpaid_exits,
            (array_agg(hour order by occupied_seconds desc, hour))[1] as peak_hour, max(occupied_seconds)::float8 as peak_occupied_seconds
       from per_hour group by 1 order by 1`,
    args(q),
  );
  return rows;
}

export type PaymentBucketRow = {
  bucket: Date;
  method: string;
  payments: number;
  paid_minor: number;
  refunds: number;
  refunded_minor: number;
};

export async function selectPaymentBuckets(db: Queryable, q: BucketQuery): Promise<PaymentBucketRow[]> {
  const { rows } = await db.query<PaymentBucketRow>(
    `with ${hours('report_payment_hours', 'parkctl_report_payment_hours($1::integer, greatest($2::timestamptz, m.wm), $3::timestamptz)')}
     select date_trunc($5::text, hour, $6::text) as bucket, method,
            sum(payments)::integer as payments, sum(paid_minor)::float8 as paid_minor,
            sum(refunds)::integer as refunds, sum(refunded_minor)::float8 as refunded_minor
       from h where ($4::timestamptz is not null) and ($7::text is null or vehicle_type = $7::text)
      group by 1, 2 order by 1, 2`,
    args(q),
  );
  return rows;
}

/**
 * What counts as an exception, by where it is recorded. Manual opens are the audited outcomes of
 * `parkctl gate open` (0014); overrides are an attendant setting a rule aside (a permit's anti-passback
 * reset, a booking moved or closed by hand with a reason); lost tickets are the ticket desk's; failed and
 * rejected payments are the payments' own events; nil payments are an attendant letting a car out without
 * taking what it owed (the ticket desk's `ticket_nil_payment`). Exits that left owing come from visits.
 */
export const exceptionKinds: Record<string, { source: 'events' | 'gate'; pattern: string }[]> = {
  manual_open: [{ source: 'events', pattern: 'gate.manual_open' }],
  manual_open_failed: [{ source: 'events', pattern: 'gate.manual_open_failed' }],
  override: [{ source: 'events', pattern: 'permit.passback_reset' }, { source: 'events', pattern: '%.override%' }],
  lost_ticket: [{ source: 'events', pattern: 'ticket.lost%' }, { source: 'events', pattern: 'ticket\\_lost%' }, { source: 'gate', pattern: '%LOST\\_TICKET%' }],
  nil_payment: [{ source: 'events', pattern: '%nil\\_payment%' }],
  payment_failed: [{ source: 'events', pattern: 'payment.failed' }, { source: 'events', pattern: 'payment.rejected' }],
};

/** The exception categories as a VALUES list the queries join on (category, source, like-pattern). */
function exceptionValues(): string {
  return Object.entries(exceptionKinds)
    .flatMap(([category, kinds]) => kinds.map((k) => `('${category}', '${k.source}', '${k.pattern}')`))
    .join(', ');
}

export type EventBucketRow = {
  bucket: Date;
  category: string;
  n: number;
};

export async function selectExceptionBuckets(db: Queryable, q: BucketQuery): Promise<EventBucketRow[]> {
  const { rows } = await db.query<EventBucketRow>(
    `with ${hours('report_event_hours', 'parkctl_report_event_hours($1::integer, greatest($2::timestamptz, m.wm), $3::timestamptz)')},
     cat (category, source, pattern) as (values ${exceptionValues()})
     select date_trunc($5::text, h.hour, $6::text) as bucket, c.category, sum(h.n)::integer as n
       from h join cat c on c.source = h.source and h.kind like c.pattern
      where ($4::timestamptz is not null) and ($7::text is null or $7::text is not null)
      group by 1, 2 order by 1, 2`,
    args(q),
  );
  return rows;
}

export type NoShowBucketRow = {
  bucket: Date;
  no_shows: number;
  /** the no-shows' booking prices, minor units */
  no_show_minor: number;
};

/** No-shows by the start of their booking (few rows: read raw through the (status, start) index). */
export async function selectNoShowBuckets(db: Queryable, q: BucketQuery): Promise<NoShowBucketRow[]> {
  const { rows } = await db.query<NoShowBucketRow>(
    `select date_trunc($5::text, lower(r.period), $6::text) as bucket, count(*)::integer as no_shows, sum(r.price_minor)::float8 as no_show_minor
       from reservations r
      where r.lot_id = $1::integer and r.status = 'NO_SHOW' and lower(r.period) >= $2::timestamptz and lower(r.period) < $3::timestamptz
        and ($4::timestamptz is not null) and ($7::text is null or r.vehicle_type::text = $7::text)
      group by 1 order by 1`,
    args(q),
  );
  return rows;
}

/** Active spots of a type (or all): what occupancy and turnover divide by. */
export async function countActiveSpots(db: Queryable, lotId: number, vehicleType: string | null): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::integer as n from spots where lot_id = $1::integer and status = 'active' and ($2::text is null or vehicle_type::text = $2::text)`,
    [lotId, vehicleType],
  );
  return rows[0]!.n;
}

export type RollupMark = {
  rolled_until: Date;
  refreshed_at: Date;
  pruned_before: Date | null;
};

export async function selectRollupMark(db: Queryable, lotId: number): Promise<RollupMark | null> {
  const { rows } = await db.query<RollupMark>(
    `select rolled_until, refreshed_at, pruned_before from report_rollup_marks where lot_id = $1::integer`, [lotId]);
  return rows[0] ?? null;
}

/** Recomputes the lot's rollups from the mark less `lookbackHours` (or from the oldest raw row: rebuild). */
export async function refreshRollups(db: Queryable, lotId: number, now: Date, lookbackHours: number, rebuild: boolean): Promise<{ from: Date; to: Date }> {
  const { rows } = await db.query<{ from_hour: Date; to_hour: Date }>(
    `select from_hour, to_hour from parkctl_refresh_report_rollups($1::integer, $2::timestamptz, make_interval(hours => $3::integer), $4::boolean)`,
    [lotId, now, lookbackHours, rebuild],
  );
  return { from: rows[0]!.from_hour, to: rows[0]!.to_hour };
}

// --explain: the raw rows behind one bucket's figure.

export type ExplainPaymentRow = {
  payment_id: string;
  created_at: Date;
  purpose: string;
  method: string;
  amount_minor: number;
  status: string;
  vehicle_type: string;
  reservation_id: string | null;
  visit_id: string | null;
};

/** The succeeded payments and refunds of [from, to): what revenue and takings add up. */
export async function explainPayments(db: Queryable, lotId: number, from: Date, to: Date, vehicleType: string | null): Promise<ExplainPaymentRow[]> {
  const { rows } = await db.query<ExplainPaymentRow>(
    `select p.payment_id, p.created_at, p.purpose, p.provider as method, p.amount_minor::float8 as amount_minor, p.status,
            coalesce(r.vehicle_type::text, v.vehicle_type::text, 'other') as vehicle_type, p.reservation_id, p.visit_id
       from payments p
       left join reservations r on r.lot_id = p.lot_id and r.reservation_id = p.reservation_id
       left join visits v on v.lot_id = p.lot_id and v.visit_id = p.visit_id
      where p.lot_id = $1::integer and p.status = 'succeeded' and p.created_at >= $2::timestamptz and p.created_at < $3::timestamptz
        and ($4::text is null or coalesce(r.vehicle_type::text, v.vehicle_type::text, 'other') = $4::text)
      order by p.created_at, p.payment_id`,
    [lotId, from, to, vehicleType],
  );
  return rows;
}

export type ExplainVisitRow = {
  visit_id: string;
  plate: string;
  vehicle_type: string;
  reservation_id: string | null;
  entered_at: Date;
  exited_at: Date | null;
  amount_due_minor: number;
  amount_paid_minor: number;
};

/** The visits inside at any time in [from, to): what occupancy, turnover and takings count. */
export async function explainVisits(db: Queryable, lotId: number, from: Date, to: Date, vehicleType: string | null): Promise<ExplainVisitRow[]> {
  const { rows } = await db.query<ExplainVisitRow>(
    `select visit_id, plate, vehicle_type::text as vehicle_type, reservation_id, entered_at, exited_at,
            amount_due_minor::float8 as amount_due_minor, amount_paid_minor::float8 as amount_paid_minor
       from visits
      where lot_id = $1::integer and coalesce(exited_at, 'infinity'::timestamptz) > $2::timestamptz and entered_at < $3::timestamptz
        and ($4::text is null or vehicle_type::text = $4::text)
      order by entered_at, visit_id`,
    [lotId, from, to, vehicleType],
  );
  return rows;
}

export type ExplainNoShowRow = {
  reservation_id: string;
  plate: string;
  vehicle_type: string;
  starts_at: Date;
  price_minor: number;
};

export async function explainNoShows(db: Queryable, lotId: number, from: Date, to: Date, vehicleType: string | null): Promise<ExplainNoShowRow[]> {
  const { rows } = await db.query<ExplainNoShowRow>(
    `select reservation_id, plate, vehicle_type::text as vehicle_type, lower(period) as starts_at, price_minor::float8 as price_minor
       from reservations
      where lot_id = $1::integer and status = 'NO_SHOW' and lower(period) >= $2::timestamptz and lower(period) < $3::timestamptz
        and ($4::text is null or vehicle_type::text = $4::text)
      order by lower(period), reservation_id`,
    [lotId, from, to, vehicleType],
  );
  return rows;
}

export type ExplainEventRow = {
  category: string;
  source: string;
  kind: string;
  occurred_at: Date;
  actor: string | null;
  reason: string | null;
  gate_id: string | null;
  plate: string | null;
};

/** The exception events of [from, to) (audit events and gate events), oldest first. */
export async function explainExceptions(db: Queryable, lotId: number, from: Date, to: Date): Promise<ExplainEventRow[]> {
  const { rows } = await db.query<ExplainEventRow>(
    `with cat (category, source, pattern) as (values ${exceptionValues()})
     select c.category, 'events' as source, e.kind, e.occurred_at, e.actor, e.reason, e.detail->>'gate' as gate_id, e.detail->>'plate' as plate
       from events e join cat c on c.source = 'events' and e.kind like c.pattern
      where e.lot_id = $1::integer and e.occurred_at >= $2::timestamptz and e.occurred_at < $3::timestamptz
     union all
     select c.category, 'gate', g.kind || coalesce(':' || g.decision, ''), g.occurred_at, null, null, g.gate_id, g.plate
       from gate_events g join cat c on c.source = 'gate' and (g.kind || coalesce(':' || g.decision, '')) like c.pattern
      where g.lot_id = $1::integer and g.occurred_at >= $2::timestamptz and g.occurred_at < $3::timestamptz
     order by 4, 3`,
    [lotId, from, to],
  );
  return rows;
}
