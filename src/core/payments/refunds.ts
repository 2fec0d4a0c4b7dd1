// Refunds in two steps, so no lock is held across the network (DESIGN.md): the deciding transaction
// writes a `refund` row (pending, or due when an attendant must hand cash back) under a key unique per
// lot; afterwards the row is sent to the provider with that same key as the idempotency key. A retry,
// a replayed webhook or `payments settle-refunds` finds the row and never refunds twice.
import { canRefund, type Logger, type PaymentProvider, type Queryable } from '../ports.js';
import { addRefunded, insertPayment, selectAmountPaid, selectPaymentByKey, updatePaymentStatus, type PaymentRow } from '../sql/payments.js';
import type { ReservationRow } from '../sql/reservations.js';
import { attendantProviders } from './deps.js';

export interface PaidFor {
  /** integer minor units received */
  paidMinor: number;
  provider: string | null;
  /** the provider's reference of the payment (pi_..., a cash receipt token) */
  paymentRef: string | null;
}

/** What a reservation was paid: its payments rows, else what the reservation row says. */
export async function paidFor(db: Queryable, r: ReservationRow): Promise<PaidFor> {
  const rows = await selectAmountPaid(db, r.lot_id, r.reservation_id);
  if (rows.amount_minor > 0) return { paidMinor: rows.amount_minor, provider: rows.provider, paymentRef: rows.provider_ref };
  const paid = ['paid', 'refunded', 'partially_refunded'].includes(r.payment_status);
  return { paidMinor: paid ? r.price_minor : 0, provider: r.payment_provider, paymentRef: paid ? r.payment_ref : null };
}

export interface RefundDecision {
  lotId: number;
  reservationId: string;
  amountMinor: number;
  currency: string;
  paid: PaidFor;
  idempotencyKey: string;
  /** why, for people and the provider's metadata */
  note: string;
  now: Date;
}

/**
 * Inside the deciding transaction. Returns the new row, or null when nothing is to be given back or
 * the key was decided before (then the reservation's refunded amount is not added twice).
 */
export async function recordRefund(tx: Queryable, d: RefundDecision): Promise<PaymentRow | null> {
  if (d.amountMinor <= 0) return null;
  const provider = d.paid.provider ?? 'manual';
  const byHand = attendantProviders.has(provider) || !d.paid.paymentRef;
  const row = await insertPayment(tx, {
    lotId: d.lotId, reservationId: d.reservationId, purpose: 'refund', amountMinor: d.amountMinor, currency: d.currency, provider,
    status: byHand ? 'due' : 'pending', idempotencyKey: d.idempotencyKey, refundOfRef: d.paid.paymentRef, note: d.note, now: d.now,
  });
  if (row) await addRefunded(tx, { lotId: d.lotId, reservationId: d.reservationId, amountMinor: d.amountMinor, paidMinor: d.paid.paidMinor, now: d.now });
  return row;
}

/** Provider refund statuses in our vocabulary. */
function rowStatusOf(providerStatus: string): 'succeeded' | 'failed' | 'processing' {
  if (providerStatus === 'succeeded') return 'succeeded';
  if (providerStatus === 'failed' || providerStatus === 'canceled') return 'failed';
  return 'processing';
}

/**
 * Outside any transaction: send one pending refund. A provider other than the one that took the money
 * (or one that cannot refund) leaves it pending for `payments settle-refunds` where Stripe is configured.
 * Provider failures propagate (ExternalError) and leave the row pending: retrying is safe.
 */
export async function sendRefund(deps: { pool: Queryable; payments?: PaymentProvider | undefined; logger?: Logger | undefined }, row: PaymentRow): Promise<PaymentRow> {
  if (row.status !== 'pending' || !row.refund_of_ref) return row;
  const provider = deps.payments;
  if (!provider || provider.name !== row.provider || !canRefund(provider)) {
    deps.logger?.warn('refund left pending: its provider is not configured here', { paymentId: row.payment_id, provider: row.provider });
    return row;
  }
  const result = await provider.refund({
    paymentRef: row.refund_of_ref, amountMinor: row.amount_minor, idempotencyKey: row.idempotency_key, ...(row.note ? { reason: row.note } : {}),
  });
  await updatePaymentStatus(deps.pool, { lotId: row.lot_id, paymentId: row.payment_id, from: ['pending'], to: rowStatusOf(result.status), providerRef: result.refundRef });
  deps.logger?.info('refund sent', { paymentId: row.payment_id, refundRef: result.refundRef, status: result.status, amountMinor: row.amount_minor });
  return (await selectPaymentByKey(deps.pool, row.lot_id, row.idempotency_key)) ?? row;
}
