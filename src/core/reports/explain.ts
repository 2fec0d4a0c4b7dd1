// `report ... --explain BUCKET`: the raw rows behind one bucket's figures, so every number can be traced.
// Rows older than a prune (parkctl db prune) are gone; the rollups keep their figures, and the answer
// says so instead of listing nothing silently.
import type { Lot } from '../lots/lot.js';
import type { Queryable } from '../ports.js';
import { explainExceptions, explainNoShows, explainPayments, explainVisits, selectRollupMark } from '../sql/reports.js';
import type { ReportKind } from './reports.js';

export interface Explanation {
  report: ReportKind;
  lot: string;
  currency: string;
  timeZone: string;
  from: Date;
  to: Date;
  /** payments | visits | reservations | events: the table the rows come from */
  source: string;
  /** set when raw rows before this instant were pruned: the bucket's figures then come from rollups alone */
  prunedBefore: Date | null;
  rows: Record<string, unknown>[];
}

export async function explainBucket(db: Queryable, lot: Lot, kind: ReportKind, bucket: { from: Date; to: Date }, vehicleType: string | null): Promise<Explanation> {
  const mark = await selectRollupMark(db, lot.lotId);
  const pruned = mark?.pruned_before && mark.pruned_before.getTime() > bucket.from.getTime() ? mark.pruned_before : null;
  const base = { report: kind, lot: lot.code, currency: lot.currency, timeZone: lot.timeZone, from: bucket.from, to: bucket.to, prunedBefore: pruned };
  if (kind === 'revenue' || kind === 'takings') {
    const rows = (await explainPayments(db, lot.lotId, bucket.from, bucket.to, vehicleType))
      .filter((p) => kind === 'revenue' || p.method === 'cash')
      .map((p) => ({
        paymentId: p.payment_id, createdAt: p.created_at, purpose: p.purpose, method: p.method, vehicleType: p.vehicle_type,
        amountMinor: p.amount_minor, netMinor: p.purpose === 'refund' ? -p.amount_minor : p.amount_minor, reservationId: p.reservation_id, visitId: p.visit_id,
      }));
    return { ...base, source: 'payments', rows };
  }
  if (kind === 'no-shows') {
    const rows = (await explainNoShows(db, lot.lotId, bucket.from, bucket.to, vehicleType)).map((r) => ({
      reservationId: r.reservation_id, plate: r.plate, vehicleType: r.vehicle_type, startsAt: r.starts_at, priceMinor: r.price_minor,
    }));
    return { ...base, source: 'reservations', rows };
  }
  if (kind === 'exceptions') {
    const events = (await explainExceptions(db, lot.lotId, bucket.from, bucket.to)).map((e) => ({
      category: e.category, source: e.source, kind: e.kind, occurredAt: e.occurred_at, actor: e.actor, reason: e.reason, gate: e.gate_id, plate: e.plate,
    }));
    const owing = (await explainVisits(db, lot.lotId, bucket.from, bucket.to, vehicleType))
      .filter((v) => v.exited_at !== null && v.exited_at >= bucket.from && v.exited_at < bucket.to && v.amount_due_minor > v.amount_paid_minor)
      .map((v) => ({ category: 'left_owing', source: 'visits', kind: 'exit_owing', occurredAt: v.exited_at, actor: null, reason: `due ${v.amount_due_minor}, paid ${v.amount_paid_minor}`, gate: null, plate: v.plate }));
    const rows = [...events, ...owing].sort((a, b) => a.occurredAt!.getTime() - b.occurredAt!.getTime());
    return { ...base, source: 'events', rows };
  }
  // occupancy, turnover: the visits inside at some time in the bucket
  const rows = (await explainVisits(db, lot.lotId, bucket.from, bucket.to, vehicleType)).map((v) => ({
    visitId: v.visit_id, plate: v.plate, vehicleType: v.vehicle_type, reservationId: v.reservation_id, enteredAt: v.entered_at, exitedAt: v.exited_at,
    enteredInBucket: v.entered_at >= bucket.from, exitedInBucket: v.exited_at !== null && v.exited_at < bucket.to,
    amountDueMinor: v.amount_due_minor, amountPaidMinor: v.amount_paid_minor,
  }));
  return { ...base, source: 'visits', rows };
}
