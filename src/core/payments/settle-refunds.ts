// `parkctl payments settle-refunds` (cron): turn the no-show sweeper's decisions (events
// 'payment.refund_due', detail {amount_minor, percent}) into refund rows under `refund:no_show:<id>`,
// then send every pending refund row to its provider with the row's key. Safe to run twice at once:
// the rows' unique keys and the provider's idempotency keys make every refund happen once. Exit card
// charges whose answer was lost are retried here too, under their own keys (Stripe replays the answer).
import { setActor, withTransaction } from '../db.js';
import { ExternalError } from '../errors.js';
import type { Clock, Logger, PaymentProvider, PoolLike } from '../ports.js';
import { insertPayment, selectPayments, selectUnsettledRefundDue } from '../sql/payments.js';
import { selectReservation } from '../sql/reservations.js';
import { retryPendingCharges } from './overstay-settle.js';
import { paidFor, recordRefund, sendRefund } from './refunds.js';

export const noShowRefundKey = (reservationId: string) => `refund:no_show:${reservationId}`;

export interface SettleRefundsDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
  /** the provider refunds are sent through; rows of other providers stay pending */
  payments?: PaymentProvider | undefined;
  logger?: Logger | undefined;
}

export interface SettleRefundsReport {
  /** no-show refunds turned into refund rows this run */
  noShowsRecorded: number;
  /** refunds the provider accepted this run */
  sent: number;
  /** refunds still waiting for the provider (not configured here, or it failed) */
  stillPending: number;
  /** the provider failed on this many (retry later: same keys) */
  failed: number;
  /** cash refunds an attendant still has to hand over */
  dueAtDesk: number;
  /** exit card charges whose answer was lost, retried under their keys this run (and still not confirmed) */
  chargesRetried: number;
  chargesInDoubt: number;
}

/** At most this many rows per run, so one run stays short; cron runs it again. */
const batch = 500;

export async function settleRefunds(deps: SettleRefundsDeps, opts: { lotId?: number | null } = {}): Promise<SettleRefundsReport> {
  const lotId = opts.lotId ?? null;
  const report: SettleRefundsReport = { noShowsRecorded: 0, sent: 0, stillPending: 0, failed: 0, dueAtDesk: 0, chargesRetried: 0, chargesInDoubt: 0 };
  for (const due of await selectUnsettledRefundDue(deps.pool, lotId, batch)) {
    const recorded = await withTransaction(deps.pool, async (tx) => {
      await setActor(tx, deps.actor, 'no-show refund by the lot policy');
      const r = await selectReservation(tx, due.reservation_id, { forUpdate: true, lotId: due.lot_id });
      if (!r) return false;
      const now = deps.clock.now();
      const paid = await paidFor(tx, r);
      const amountMinor = Math.min(due.amount_minor, paid.paidMinor);
      const key = noShowRefundKey(r.reservation_id);
      const note = `no-show: ${due.percent ?? '?'}% back by the lot's refund policy`;
      const row = await recordRefund(tx, { lotId: r.lot_id, reservationId: r.reservation_id, amountMinor, currency: r.currency, paid, idempotencyKey: key, note, now });
      // Nothing to give back (never paid): a zero row still marks the decision settled, so it is not picked again.
      if (!row && amountMinor <= 0) {
        await insertPayment(tx, { lotId: r.lot_id, reservationId: r.reservation_id, purpose: 'refund', amountMinor: 0, currency: r.currency, provider: paid.provider ?? 'manual', status: 'succeeded', idempotencyKey: key, note: `${note}; nothing was paid`, now });
      }
      return row !== null;
    });
    if (recorded) report.noShowsRecorded++;
  }
  for (const row of await selectPayments(deps.pool, { lotId, status: 'pending', purpose: 'refund', limit: batch })) {
    try {
      const sent = await sendRefund(deps, row);
      if (sent.status === 'pending') report.stillPending++;
      else if (sent.status === 'failed') report.failed++;
      else report.sent++;
    } catch (err) {
      if (!(err instanceof ExternalError)) throw err;
      deps.logger?.warn('refund not sent; retry later', { paymentId: row.payment_id, error: err.message });
      report.failed++;
      report.stillPending++;
    }
  }
  if (deps.payments) {
    const pendingCharges = await selectPayments(deps.pool, { lotId, status: 'pending', purpose: 'overstay', limit: batch });
    report.chargesRetried = pendingCharges.length;
    if (pendingCharges.length > 0) report.chargesInDoubt = (await retryPendingCharges({ ...deps, payments: deps.payments }, { lotId, limit: batch })).length;
  }
  report.dueAtDesk = (await selectPayments(deps.pool, { lotId, status: 'due', purpose: 'refund', limit: 10_000 })).length;
  return report;
}
