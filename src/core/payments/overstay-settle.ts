// Settling an overstay charge whose answer never came (overstay.ts leaves it pending): Stripe's
// payment_intent.succeeded / payment_failed webhook for it (metadata purpose=overstay, visit_id), verified
// with the provider, or a retry of the charge under its key `overstay:<visit id>` (which replays Stripe's
// stored answer). Each moves the pending row once, under the visit's row lock, the same lock `payments
// collect` takes: cash is never taken for a charge that may have gone through. Should a card charge succeed
// for a visit already paid another way, the card charge is refunded (`refund:overstay:<visit id>`).
import { setActor, withTransaction } from '../db.js';
import type { PaymentVerification, Queryable } from '../ports.js';
import {
  addVisitPaid, insertEvent, insertPayment, selectPaymentByKey, selectPayments, selectVisitMoney, updatePaymentStatus, type PaymentRow,
} from '../sql/payments.js';
import type { PaymentDeps } from './deps.js';
import { chargeOverstay, overstayChargeKey, type OverstayChargeDeps } from './overstay.js';
import { sendRefundQuietly } from './send-quietly.js';

export const overstayRefundKey = (visitId: string) => `refund:overstay:${visitId}`;

/** From the provider's webhook: what the verified PaymentIntent says about the visit's pending charge. */
export async function settleOverstayCharge(deps: PaymentDeps, visitId: string, paid: PaymentVerification): Promise<string> {
  const visit = await selectVisitMoney(deps.pool, visitId);
  if (!visit) return `ignored: no visit ${visitId}`;
  const key = overstayChargeKey(visitId);
  const decided = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, 'overstay charge settled from the provider');
    const v = (await selectVisitMoney(tx, visitId, { forUpdate: true, lotId: visit.lot_id }))!;
    const row = await selectPaymentByKey(tx, v.lot_id, key, { forUpdate: true });
    if (!row) return { outcome: `ignored: no overstay charge for visit ${visitId}`, refund: null };
    if (row.status === 'succeeded') return { outcome: `already settled ${key}`, refund: null };
    if (!paid.paid) {
      if (row.status !== 'pending') return { outcome: `already ${row.status} ${key}`, refund: null };
      await updatePaymentStatus(tx, { lotId: v.lot_id, paymentId: row.payment_id, from: ['pending'], to: 'failed', providerRef: paid.providerRef, note: paid.reason ?? 'declined' });
      await insertEvent(tx, {
        lotId: v.lot_id, kind: 'payment.failed', reservationId: v.reservation_id, actor: deps.actor, reason: paid.reason ?? 'declined', at: deps.clock.now(),
        detail: { visit_id: visitId, amount_minor: row.amount_minor, purpose: 'overstay', provider_ref: paid.providerRef },
      });
      return { outcome: `failed ${key}: now due at the exit`, refund: null };
    }
    if (paid.amountMinor !== row.amount_minor || paid.currency.toUpperCase() !== row.currency) {
      return { outcome: `rejected: ${paid.providerRef} is ${paid.amountMinor} ${paid.currency}, the charge was ${row.amount_minor} ${row.currency}`, refund: null };
    }
    return { outcome: `succeeded ${key}`, refund: await takeCharge(tx, deps, row, v.amount_due_minor - v.amount_paid_minor, paid.providerRef) };
  });
  if (decided.refund) await sendRefundQuietly(deps, decided.refund);
  return decided.outcome;
}

/** The charge went through: the visit is paid by it; what the visit no longer owed goes back to the card. */
async function takeCharge(tx: Queryable, deps: PaymentDeps, row: PaymentRow, stillDueMinor: number, providerRef: string): Promise<PaymentRow | null> {
  const now = deps.clock.now();
  await updatePaymentStatus(tx, { lotId: row.lot_id, paymentId: row.payment_id, from: ['pending', 'failed'], to: 'succeeded', providerRef });
  const kept = Math.max(0, Math.min(row.amount_minor, stillDueMinor));
  if (kept > 0) await addVisitPaid(tx, { lotId: row.lot_id, visitId: row.visit_id!, amountMinor: kept });
  const extra = row.amount_minor - kept;
  if (extra <= 0) return null;
  const refund = await insertPayment(tx, {
    lotId: row.lot_id, reservationId: row.reservation_id, visitId: row.visit_id, purpose: 'refund', amountMinor: extra, currency: row.currency,
    provider: row.provider, status: 'pending', idempotencyKey: overstayRefundKey(row.visit_id!), refundOfRef: providerRef,
    note: 'the overstay was paid another way before the card charge was confirmed', now,
  });
  await insertEvent(tx, { lotId: row.lot_id, kind: 'payment.overstay_refunded', reservationId: row.reservation_id, actor: deps.actor, at: now, detail: { visit_id: row.visit_id, amount_minor: extra, provider_ref: providerRef } });
  return refund;
}

/** Charges left pending (no answer) for one visit, or for a lot: retried under their own keys. Returns those still pending. */
export async function retryPendingCharges(deps: OverstayChargeDeps, f: { visitId?: string; lotId?: number | null; limit?: number }): Promise<PaymentRow[]> {
  const pending = await selectPayments(deps.pool, { lotId: f.lotId ?? null, visitId: f.visitId ?? null, status: 'pending', purpose: 'overstay', limit: f.limit ?? 500 });
  const still: PaymentRow[] = [];
  for (const row of pending) {
    if (!row.visit_id || !row.reservation_id) continue;
    const result = await chargeOverstay(deps, { lotId: row.lot_id, visitId: row.visit_id, reservationId: row.reservation_id, amountMinor: row.amount_minor, currency: row.currency });
    if (result.inDoubt) still.push(row);
  }
  return still;
}
