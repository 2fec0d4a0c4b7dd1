// Cancellation refunds by the lot's policy (refund-policy.ts): decided inside the cancelling transaction
// under the key `refund:cancel:<reservation id>`, sent to the provider after commit with that same key.
import type { Queryable } from '../ports.js';
import { selectLotMoneyPolicy, selectReservationMoney, type PaymentRow } from '../sql/payments.js';
import type { ReservationRow } from '../sql/reservations.js';
import { refundPercent, percentOf, refundRules } from './refund-policy.js';
import { paidFor, recordRefund } from './refunds.js';

export const cancelRefundKey = (reservationId: string) => `refund:cancel:${reservationId}`;

export interface CancelRefund {
  /** the refund row (pending for the provider, due for cash), or null when the policy gives nothing back */
  row: PaymentRow | null;
  /** what the policy gives back for this much notice */
  percent: number;
  /** the band applied, for people: "cancelled 5h before the start: 50% back by the lot's refund policy"; null when nothing was paid */
  band: string | null;
}

/** Inside the cancelling transaction, after the status moved to CANCELLED. */
export async function decideCancelRefund(tx: Queryable, before: ReservationRow, now: Date): Promise<CancelRefund> {
  if (before.status !== 'CONFIRMED') return { row: null, percent: 0, band: null }; // a hold was never paid
  const paid = await paidFor(tx, before);
  if (paid.paidMinor <= 0) return { row: null, percent: 0, band: null };
  const lot = await selectLotMoneyPolicy(tx, before.lot_id);
  const noticeMs = before.starts_at.getTime() - now.getTime();
  const percent = refundPercent(refundRules(lot.policy), noticeMs);
  const alreadyRefunded = (await selectReservationMoney(tx, before.lot_id, before.reservation_id))?.refunded_minor ?? 0;
  // The band applies to what the booking cost; a second payment for it was already given back in full.
  const amountMinor = Math.min(percentOf(Math.min(paid.paidMinor, before.price_minor), percent), paid.paidMinor - alreadyRefunded);
  const hours = Math.max(0, Math.floor(noticeMs / 3_600_000));
  const band = `cancelled ${hours}h before the start: ${percent}% back by the lot's refund policy`;
  const row = await recordRefund(tx, {
    lotId: before.lot_id, reservationId: before.reservation_id, amountMinor, currency: before.currency, paid, now,
    idempotencyKey: cancelRefundKey(before.reservation_id), note: band,
  });
  return { row, percent, band };
}
