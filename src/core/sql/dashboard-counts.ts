// How many rows each dashboard list has in all, in one round trip. The lists themselves are read with a
// LIMIT (src/core/sql/dashboard.ts), so their length says nothing past it: 3,000 open holds read as 50.
// Each count has the same WHERE as its list and uses the same index.
import type { Queryable } from '../ports.js';

export interface DashboardCountsQuery {
  lotId: number;
  now: Date;
  /** arrivals listed from (late ones stay until the no-show grace has passed) */
  arrivalsFrom: Date;
  /** arrivals listed up to (exclusive) */
  arrivalsTo: Date;
  /** alerts about payments, moves and no-shows look back to */
  since: Date;
  /** manual opens are counted from the start of the lot's day */
  todayStart: Date;
  noShowGraceMinutes: number;
}

export interface DashboardCountsRow {
  holds: number;
  arrivals: number;
  overstays: number;
  no_shows: number;
  payments_due: number;
  payments_failed: number;
  manual_opens: number;
  spot_alerts: number;
  refunds_due: number;
}

export async function selectDashboardCounts(db: Queryable, q: DashboardCountsQuery): Promise<DashboardCountsRow> {
  const { rows } = await db.query<DashboardCountsRow & Record<string, unknown>>(
    `select
       (select count(*) from reservations r where r.lot_id = $1::integer and r.status = 'TENTATIVE')::integer as holds,
       (select count(*) from reservations r
         where r.lot_id = $1::integer and r.status = 'CONFIRMED'
           and lower(r.period) >= $3::timestamptz and lower(r.period) < $4::timestamptz)::integer as arrivals,
       (select count(*) from reservations r
         where r.lot_id = $1::integer and r.status = 'CHECKED_IN' and upper(r.period) < $2::timestamptz
           and r.walk_in_visit_id is null)::integer as overstays,
       (select count(*) from reservations r
         where r.lot_id = $1::integer and r.status in ('NO_SHOW', 'CONFIRMED')
           and lower(r.period) >= $5::timestamptz and lower(r.period) <= $2::timestamptz
           and (r.status = 'NO_SHOW' or lower(r.period) <= $2::timestamptz - make_interval(mins => $7::integer)))::integer as no_shows,
       (select count(*) from visits v
         where v.lot_id = $1::integer and v.amount_due_minor > v.amount_paid_minor
           and (v.exited_at is null or v.exited_at >= $5::timestamptz))::integer as payments_due,
       (select count(*) from events e
         where e.lot_id = $1::integer and e.occurred_at >= $5::timestamptz and e.kind = 'payment.failed')::integer as payments_failed,
       (select count(*) from events e
         where e.lot_id = $1::integer and e.occurred_at >= $6::timestamptz
           and e.kind in ('gate.manual_open', 'gate.manual_open_failed'))::integer as manual_opens,
       (select count(*) from events e
         where e.lot_id = $1::integer and e.occurred_at >= $5::timestamptz
           and e.kind in ('reservation.moved', 'alert.no_spot', 'alert.no_spot_for_car'))::integer as spot_alerts,
       (select count(*) from payments p join reservations r on r.lot_id = p.lot_id and r.reservation_id = p.reservation_id
         where p.lot_id = $1::integer and p.purpose = 'refund' and p.status = 'due')::integer as refunds_due`,
    [q.lotId, q.now, q.arrivalsFrom, q.arrivalsTo, q.since, q.todayStart, q.noShowGraceMinutes],
  );
  const row = rows[0];
  if (!row) throw new Error('dashboard counts: no row');
  return row;
}
