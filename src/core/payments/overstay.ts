// Overstay at the exit (DESIGN.md section 4): charge the card saved at checkout, off-session, once per
// visit (idempotency key `overstay:<visit id>` at the provider and in payments). No card, or a decline:
// the amount stays due on the visit for the attendant (`parkctl payments collect`). No answer (lost, an
// outage): the charge may have happened, so the row stays pending: retried under the same key (collect,
// settle-refunds) and settled by Stripe's payment_intent webhooks (overstay-settle.ts), never taken twice.
import { setActor, withTransaction } from '../db.js';
import { ExternalError } from '../errors.js';
import { PaymentProviderError } from './provider-error.js';
import { canChargeOffSession, type Clock, type Logger, type PaymentProvider, type PoolLike } from '../ports.js';
import { addVisitPaid, insertEvent, insertPayment, selectPaymentByKey, selectReservationMoney, updatePaymentStatus } from '../sql/payments.js';

export const overstayChargeKey = (visitId: string) => `overstay:${visitId}`;

export interface OverstayChargeDeps {
  pool: PoolLike;
  clock: Clock;
  payments: PaymentProvider;
  actor: string;
  logger?: Logger | undefined;
}

export interface OverstayCharge {
  /** true when the card on file paid it */
  paid: boolean;
  amountMinor: number;
  /** the provider's PaymentIntent id, also for declines */
  providerRef: string | null;
  /** why not, for people: no card on file, the decline */
  reason?: string;
  /** true when the provider did not answer: the charge may have happened; it stays pending, never due twice */
  inDoubt?: boolean;
}

export interface OverstayVisit {
  lotId: number;
  visitId: string;
  reservationId: string;
  amountMinor: number;
  currency: string;
}

/** Outside any transaction: the charge is a network call. Safe to call again for the same visit. */
export async function chargeOverstay(deps: OverstayChargeDeps, v: OverstayVisit): Promise<OverstayCharge> {
  const money = await selectReservationMoney(deps.pool, v.lotId, v.reservationId);
  const provider = deps.payments;
  if (!money?.payment_method_ref || !money.provider_customer_ref || money.payment_provider !== provider.name || !canChargeOffSession(provider)) {
    return { paid: false, amountMinor: v.amountMinor, providerRef: null, reason: 'no card on file' };
  }
  const key = overstayChargeKey(v.visitId);
  const now = deps.clock.now();
  const claimed = await insertPayment(deps.pool, {
    lotId: v.lotId, reservationId: v.reservationId, visitId: v.visitId, purpose: 'overstay', amountMinor: v.amountMinor, currency: v.currency,
    provider: provider.name, status: 'pending', idempotencyKey: key, now,
  });
  const row = claimed ?? (await selectPaymentByKey(deps.pool, v.lotId, key))!;
  if (row.status !== 'pending') {
    return { paid: row.status === 'succeeded', amountMinor: row.amount_minor, providerRef: row.provider_ref, ...(row.note ? { reason: row.note } : {}) };
  }
  let result: { paid: boolean; providerRef: string | null; reason?: string };
  try {
    result = await provider.chargeOffSession({
      customerRef: money.provider_customer_ref, paymentMethodRef: money.payment_method_ref, amountMinor: row.amount_minor, currency: v.currency,
      idempotencyKey: key, metadata: { purpose: 'overstay', lot_id: String(v.lotId), visit_id: v.visitId, reservation_id: v.reservationId },
    });
  } catch (err) {
    if (!(err instanceof ExternalError)) throw err;
    // A request the provider refused outright (a bad key) charged nothing; anything else may have charged.
    if (!(err instanceof PaymentProviderError && err.kind === 'configuration')) {
      const reason = `card charge not confirmed (${err.message}); it stays pending and is retried under the same key`;
      await updatePaymentStatus(deps.pool, { lotId: v.lotId, paymentId: row.payment_id, from: ['pending'], to: 'pending', note: reason });
      deps.logger?.warn('overstay charge in doubt; left pending', { visitId: v.visitId, error: err.message });
      return { paid: false, amountMinor: row.amount_minor, providerRef: null, reason, inDoubt: true };
    }
    result = { paid: false, providerRef: null, reason: `${err.service} refused the charge: ${err.message}` };
  }
  await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor);
    const moved = await updatePaymentStatus(tx, {
      lotId: v.lotId, paymentId: row.payment_id, from: ['pending'], to: result.paid ? 'succeeded' : 'failed', providerRef: result.providerRef, note: result.reason ?? null,
    });
    if (moved && result.paid) await addVisitPaid(tx, { lotId: v.lotId, visitId: v.visitId, amountMinor: row.amount_minor });
    if (moved && !result.paid) {
      await insertEvent(tx, {
        lotId: v.lotId, kind: 'payment.failed', reservationId: v.reservationId, actor: deps.actor, reason: result.reason ?? 'declined', at: now,
        detail: { visit_id: v.visitId, amount_minor: row.amount_minor, purpose: 'overstay', provider_ref: result.providerRef },
      });
    }
  });
  deps.logger?.info(result.paid ? 'overstay charged to the card on file' : 'overstay charge failed; due at the exit', { visitId: v.visitId, amountMinor: row.amount_minor, reason: result.reason });
  return { paid: result.paid, amountMinor: row.amount_minor, providerRef: result.providerRef, ...(result.reason ? { reason: result.reason } : {}) };
}
