// SQL of the sweepers (`parkctl sweeper run`). Each statement is one short batch in one lot (invariant 3:
// single-lot writes), safe to run from two sweepers at once:
//  * holds and no-shows lock their batch with FOR UPDATE SKIP LOCKED and re-check the status in the UPDATE,
//    so a row is moved by exactly one sweeper and a busy row is left for the next batch, never waited on;
//  * overstay alerts rely on the unique index events_one_overstay_alert (migrations/0003).
// Status changes fire the triggers of migrations/0002: spot_days bits are released and a
// `reservation.<status>` event is written with the transaction's actor (setActor).
import type { Queryable } from '../ports.js';

export interface SweepLotRow {
  lot_id: number;
  code: string;
  no_show_grace_minutes: number;
  overstay_slot_minutes: number;
  /** lots.policy.no_show_refund_percent as stored (jsonb: any type; the sweeper validates it) */
  no_show_refund_percent: unknown;
}

/** The lots to sweep: one by code, or all of them. */
export async function selectSweepLots(db: Queryable, lotCode: string | null): Promise<SweepLotRow[]> {
  const { rows } = await db.query<SweepLotRow & Record<string, unknown>>(
    `select lot_id, code, no_show_grace_minutes, overstay_slot_minutes, policy -> 'no_show_refund_percent' as no_show_refund_percent
       from lots where ($1::text is null or code = upper($1::text)) order by lot_id`,
    [lotCode],
  );
  return rows;
}

/** TENTATIVE holds with hold_expires_at <= now -> EXPIRED, at most `limit`. Returns how many moved. */
export async function expireHoldsBatch(db: Queryable, b: { lotId: number; now: Date; limit: number }): Promise<number> {
  const { rowCount } = await db.query(
    // The locking pick runs once, as an array (an InitPlan). Written as `in (subquery)` or joined to a CTE,
    // a planner without fresh statistics chose a nested loop that re-scanned the pick per outer row
    // (8 s for one batch of 250 right after a bulk load, before autovacuum had analysed the table).
    `update reservations r set status = 'EXPIRED', updated_at = $2::timestamptz
      where r.lot_id = $1::integer and r.status = 'TENTATIVE'
        and r.reservation_id = any (array(
          select h.reservation_id from reservations h
           where h.lot_id = $1::integer and h.status = 'TENTATIVE' and h.hold_expires_at <= $2::timestamptz
           order by h.hold_expires_at
           limit $3::integer
           for update skip locked))`,
    [b.lotId, b.now, b.limit],
  );
  return rowCount ?? 0;
}

export interface NoShowBatch {
  lotId: number;
  now: Date;
  graceMinutes: number;
  /** 0: the lot keeps the prepayment; > 0: a payment.refund_due event per paid no-show */
  refundPercent: number;
  limit: number;
  actor: string;
}

/**
 * CONFIRMED reservations whose start + grace <= now (nobody arrived: arrival moves them to CHECKED_IN)
 * -> NO_SHOW, which releases the window. When the lot refunds part of a prepayment, one
 * `payment.refund_due` event per paid no-show in the same statement, so the refund is recorded exactly
 * when the status moves (the refunds code consumes those events; no provider is called here).
 */
export async function markNoShowsBatch(db: Queryable, b: NoShowBatch): Promise<{ noShows: number; refundsDue: number }> {
  const { rows } = await db.query<{ no_shows: number; refunds_due: number }>(
    `with due as materialized (
       select n.reservation_id from reservations n
        where n.lot_id = $1::integer and n.status = 'CONFIRMED'
          and lower(n.period) <= $2::timestamptz - make_interval(mins => $3::integer)
        order by lower(n.period)
        limit $4::integer
        for update skip locked
     ), moved as (
       update reservations r set status = 'NO_SHOW', updated_at = $2::timestamptz
        where r.lot_id = $1::integer and r.status = 'CONFIRMED'
          and r.reservation_id = any (array(select due.reservation_id from due)) -- one pick, see expireHoldsBatch
        returning r.reservation_id, r.price_minor, r.currency, r.payment_status
     ), refunds as (
       insert into events (lot_id, kind, reservation_id, actor, reason, detail, occurred_at)
       select $1::integer, 'payment.refund_due', m.reservation_id, $6::text, 'no-show: refund by lot policy',
              jsonb_build_object('amount_minor', round(m.price_minor * $5::numeric / 100)::bigint,
                                 'percent', $5::numeric, 'currency', m.currency),
              $2::timestamptz
         from moved m
        where $5::numeric > 0 and m.payment_status = 'paid' and m.price_minor > 0
       returning 1
     )
     select (select count(*) from moved)::integer as no_shows, (select count(*) from refunds)::integer as refunds_due`,
    [b.lotId, b.now, b.graceMinutes, b.limit, b.refundPercent, b.actor],
  );
  return { noShows: rows[0]!.no_shows, refundsDue: rows[0]!.refunds_due };
}

export interface OverstayBatch {
  lotId: number;
  now: Date;
  slotMinutes: number;
  limit: number;
  actor: string;
}

/**
 * One `alert.overstay` event per CHECKED_IN reservation whose end lies more than one overstay slot before
 * now, once per reservation (the unique index makes a second insert a no-op). `selected` is how many
 * candidates the batch saw (the caller loops while it is a full batch); `alerted` how many alerts landed.
 */
export async function insertOverstayAlertsBatch(db: Queryable, b: OverstayBatch): Promise<{ selected: number; alerted: number }> {
  const { rows } = await db.query<{ selected: number; alerted: number }>(
    `with due as (
       select r.reservation_id, r.plate, r.spot_id, s.label, upper(r.period) as ends_at
         from reservations r join spots s on s.lot_id = r.lot_id and s.spot_id = r.spot_id
        where r.lot_id = $1::integer and r.status = 'CHECKED_IN' and r.walk_in_visit_id is null
          and upper(r.period) < $2::timestamptz - make_interval(mins => $3::integer)
          and not exists (select 1 from events e
                           where e.lot_id = r.lot_id and e.kind = 'alert.overstay' and e.reservation_id = r.reservation_id)
        order by upper(r.period)
        limit $4::integer
     ), alerted as (
       insert into events (lot_id, kind, reservation_id, actor, reason, detail, occurred_at)
       select $1::integer, 'alert.overstay', d.reservation_id, $5::text, 'still inside after the window and one overstay slot',
              jsonb_build_object('plate', d.plate, 'spot_id', d.spot_id, 'spot_label', d.label, 'ends_at', d.ends_at,
                                 'overstay_minutes', ceil(extract(epoch from $2::timestamptz - d.ends_at) / 60)::integer),
              $2::timestamptz
         from due d
       on conflict (lot_id, reservation_id) where kind = 'alert.overstay' do nothing
       returning 1
     )
     select (select count(*) from due)::integer as selected, (select count(*) from alerted)::integer as alerted`,
    [b.lotId, b.now, b.slotMinutes, b.limit, b.actor],
  );
  return { selected: rows[0]!.selected, alerted: rows[0]!.alerted };
}

/**
 * Cars inside with no known end (walk-ins, bookings past their end) keep their spots: their holds are rolled
 * forward, bookings in the way moved to a free spot of their type, those that cannot be alerted
 * (parkctl_hold_cars, migrations/0012). One statement; its cars are locked with SKIP LOCKED.
 */
export async function holdCarsInside(db: Queryable, b: { lotId: number; now: Date }): Promise<{ cars: number; moved: number; unplaced: number }> {
  const { rows } = await db.query<{ cars: number; moved: number; unplaced: number }>(
    `select cars, moved, unplaced from parkctl_hold_cars($1::integer, $2::timestamptz)`,
    [b.lotId, b.now],
  );
  return rows[0]!;
}
