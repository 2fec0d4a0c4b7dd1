// One path from "the provider says paid" to the reservation's new state, shared by `booking complete`
// and the webhook listener: on time -> CONFIRMED/paid; after the hold -> late-payment.ts (re-take a
// spot, else refund). Every branch first looks for an earlier decision, so a retried complete or a
// replayed webhook changes nothing.
import { lotChanged } from '../changes.js';
import { setActor, withTransaction } from '../db.js';
import { RefusedError } from '../errors.js';
import type { PaymentVerification } from '../ports.js';
import { reservationOf } from './reservation-of.js';
import { insertPayment, markReservationPaid, selectPaymentByKey, selectReservationIdByExternalRef, type PaymentRow } from '../sql/payments.js';
import { receivedKey } from './received.js';
import type { ReservationRow } from '../sql/reservations.js';
import type { PaymentDeps } from './deps.js';
import { lateRefundKey, lateRetakeRef, settleLatePayment } from './late-payment.js';
import { sendRefundQuietly } from './send-quietly.js';
import { paymentProblems } from './verify.js';

/**
 * `already_handled`: this payment was received before and the reservation has since been settled
 * (cancelled under its refund policy, refunded, re-taken): it changes nothing, and is never refunded again.
 */
export type SettleKind = 'confirmed' | 'already_confirmed' | 'already_handled' | 'retaken' | 'refunded';

export interface SettleOutcome {
  kind: SettleKind;
  /** the reservation holding the spot now (a re-taken one after a late payment), or the refunded one */
  reservation: ReservationRow;
  /** late payment with no spot free: the refund row (succeeded, processing, pending if the provider failed, due for cash) */
  refund: PaymentRow | null;
  /** set when a late payment re-took a spot under a new reservation id */
  replacedReservationId?: string;
}

const paidStatuses = new Set(['CONFIRMED', 'CHECKED_IN', 'COMPLETED', 'NO_SHOW']);

export async function settlePayment(deps: PaymentDeps, reservationId: string, paid: PaymentVerification): Promise<SettleOutcome> {
  const r = await reservationOf(deps.pool, reservationId);
  const problems = paymentProblems(r, paid);
  if (problems.length > 0) {
    throw new RefusedError(`payment not accepted: ${problems.join('; ')}; the reservation stays ${r.status}${r.status === 'TENTATIVE' ? ' until its hold expires' : ''}`, {
      hint: 'check the payment token, or take payment again', code: 'payment_not_verified',
    });
  }
  const earlier = await earlierOutcome(deps, r, paid);
  if (earlier) return earlier;

  const now = deps.clock.now();
  if (r.status === 'TENTATIVE' && r.hold_expires_at && r.hold_expires_at > now) {
    const confirmed = await withTransaction(deps.pool, async (tx) => {
      await setActor(tx, deps.actor);
      const ok = await markReservationPaid(tx, {
        lotId: r.lot_id, reservationId: r.reservation_id, provider: deps.payments.name, paymentRef: paid.providerRef,
        paymentMethodRef: paid.paymentMethodRef ?? null, customerRef: paid.customerRefAtProvider ?? null, now,
      });
      if (ok) {
        await insertPayment(tx, {
          lotId: r.lot_id, reservationId: r.reservation_id, purpose: 'reservation', amountMinor: paid.amountMinor, currency: r.currency,
          provider: deps.payments.name, providerRef: paid.providerRef, status: 'succeeded', idempotencyKey: `reservation:${r.reservation_id}`, now,
        });
      }
      return ok;
    });
    if (confirmed) {
      await lotChanged(deps, r.lot_id);
      return { kind: 'confirmed', reservation: await reservationOf(deps.pool, r.reservation_id), refund: null };
    }
  }
  const current = await reservationOf(deps.pool, r.reservation_id);
  if (['TENTATIVE', 'EXPIRED', 'CANCELLED'].includes(current.status)) return settleLatePayment(deps, current, paid);
  if (current.payment_ref === paid.providerRef) return { kind: 'already_confirmed', reservation: current, refund: null };
  // A second, different payment for a booking already paid: the money goes back (never collected twice).
  if (current.payment_status !== 'unpaid' && current.payment_status !== 'pending') return settleLatePayment(deps, current, paid);
  throw new RefusedError(`reservation ${current.reservation_id} is ${current.status} and was paid by ${current.payment_ref ?? 'another payment'}`, {
    hint: 'a second payment for one booking: refund it from the provider dashboard', code: 'already_paid',
  });
}

/** A decision made before for this payment: report it (and finish a refund left pending). */
async function earlierOutcome(deps: PaymentDeps, r: ReservationRow, paid: PaymentVerification): Promise<SettleOutcome | null> {
  const retakenId = await selectReservationIdByExternalRef(deps.pool, r.lot_id, lateRetakeRef(r.reservation_id));
  if (retakenId) {
    return { kind: 'retaken', reservation: await reservationOf(deps.pool, retakenId), refund: null, replacedReservationId: r.reservation_id };
  }
  const refund = await selectPaymentByKey(deps.pool, r.lot_id, lateRefundKey(r.reservation_id));
  if (refund) {
    return { kind: 'refunded', reservation: r, refund: await sendRefundQuietly(deps, refund) };
  }
  if (paidStatuses.has(r.status) && r.payment_ref === paid.providerRef) return { kind: 'already_confirmed', reservation: r, refund: null };
  // Received before, and the reservation has moved on since (cancelled, refunded): already handled.
  const received = await selectPaymentByKey(deps.pool, r.lot_id, receivedKey(r.reservation_id));
  if (received?.status === 'succeeded' && received.provider_ref === paid.providerRef) return { kind: 'already_handled', reservation: r, refund: null };
  return null;
}
