// A payment that succeeds after its hold expired (DESIGN.md section 4): re-take a free spot for the same
// window through the same allocator (parkctl_reserve, external ref `late:<old id>`), else refund it.
// Never both lost, never both kept: the decision is one transaction holding the old reservation's row
// lock, and it is written down (the re-taken reservation, or a refund row keyed `refund:late:<old id>`)
// before any money moves. The refund itself is sent after commit, with that key as idempotency key.
import { lotChanged } from '../changes.js';
import { isPgError, PgCode, setActor, withTransaction, isConstraint } from '../db.js';
import type { PaymentVerification, Queryable } from '../ports.js';
import { reservationOf } from './reservation-of.js';
import {
  insertEvent, insertPayment, markReservationPaid, recordPaymentReceived, selectPaymentByKey, selectReservationIdByExternalRef, type PaymentRow,
} from '../sql/payments.js';
import { callReserve, selectReservation, setExtensionMinor, updateReservationStatus, type ReservationRow } from '../sql/reservations.js';
import type { PaymentDeps } from './deps.js';
import { duplicateRefundKey, extraPaymentKey, receivedKey } from './received.js';
import { paidFor, recordRefund } from './refunds.js';
import { sendRefundQuietly } from './send-quietly.js';
import type { SettleOutcome } from './settle.js';

export const lateRetakeRef = (reservationId: string) => `late:${reservationId}`;
export const lateRefundKey = (reservationId: string) => `refund:late:${reservationId}`;

/** The re-taken reservation is confirmed in the same transaction; its hold only has to outlive that. */
const retakeHoldMs = 60_000;
/** Attempts when a concurrent booking takes the spot we were about to (23P01 / 40P01), as reserve does. */
const maxAttempts = 6;

type Decision = { kind: 'retaken'; reservationId: string } | { kind: 'refund'; row: PaymentRow | null; key?: string } | { kind: 'handled' };

const receivedStatuses = new Set(['paid', 'refunded', 'partially_refunded']);

export async function settleLatePayment(deps: PaymentDeps, r: ReservationRow, paid: PaymentVerification): Promise<SettleOutcome> {
  const now = deps.clock.now();
  let mayRetake = r.status !== 'CANCELLED' && now < r.ends_at;
  let decision: Decision;
  for (let attempt = 1; ; attempt++) {
    try {
      decision = await withTransaction(deps.pool, (tx) => decide(tx, deps, r.lot_id, r.reservation_id, paid, now, mayRetake));
      break;
    } catch (err) {
      if (isPgError(err, PgCode.exclusionViolation) && isConstraint(err, 'reservations_one_per_plate')) {
        mayRetake = false; // the customer already booked this plate again for that window: give the money back
        continue;
      }
      const collided = isPgError(err, PgCode.exclusionViolation) || isPgError(err, PgCode.deadlockDetected) || isPgError(err, PgCode.uniqueViolation);
      if (!collided || attempt >= maxAttempts) throw err;
    }
  }
  await lotChanged(deps, r.lot_id);
  if (decision.kind === 'handled') return { kind: 'already_handled', reservation: await reservationOf(deps.pool, r.reservation_id), refund: null };
  if (decision.kind === 'retaken') {
    deps.logger?.info('late payment re-took a spot', { reservationId: r.reservation_id, newReservationId: decision.reservationId });
    return { kind: 'retaken', reservation: await reservationOf(deps.pool, decision.reservationId), refund: null, replacedReservationId: r.reservation_id };
  }
  const row = decision.row ?? (await selectPaymentByKey(deps.pool, r.lot_id, decision.key ?? lateRefundKey(r.reservation_id)));
  return { kind: 'refunded', reservation: await reservationOf(deps.pool, r.reservation_id), refund: row ? await sendRefundQuietly(deps, row) : null };
}

async function decide(tx: Queryable, deps: PaymentDeps, lotId: number, id: string, paid: PaymentVerification, now: Date, mayRetake: boolean): Promise<Decision> {
  await setActor(tx, deps.actor, 'payment arrived after the hold expired');
  const r = (await selectReservation(tx, id, { forUpdate: true, lotId }))!; // serialises every decider of this payment
  const retakenId = await selectReservationIdByExternalRef(tx, r.lot_id, lateRetakeRef(id));
  if (retakenId) return { kind: 'retaken', reservationId: retakenId };
  const earlierRefund = await selectPaymentByKey(tx, r.lot_id, lateRefundKey(id));
  // Money already received for this reservation: this payment again is handled; another one goes back.
  const received = await selectPaymentByKey(tx, r.lot_id, receivedKey(id));
  const receivedRef = received?.status === 'succeeded' ? received.provider_ref : receivedStatuses.has(r.payment_status) ? r.payment_ref : null;
  if (receivedRef === paid.providerRef) return earlierRefund ? { kind: 'refund', row: earlierRefund } : { kind: 'handled' };
  if (receivedRef) return refundExtraPayment(tx, deps, r, paid, now);
  if (earlierRefund) return { kind: 'refund', row: earlierRefund };

  if (r.status === 'TENTATIVE') {
    await updateReservationStatus(tx, { lotId: r.lot_id, reservationId: id, from: ['TENTATIVE'], to: 'EXPIRED', now });
  }
  if (mayRetake && (r.status === 'TENTATIVE' || r.status === 'EXPIRED')) {
    const taken = await callReserve(tx, {
      lotId: r.lot_id, vehicleType: r.vehicle_type, start: r.starts_at, end: r.ends_at, plate: r.plate, customerRef: r.customer_ref,
      priceMinor: r.price_minor, currency: r.currency, holdExpiresAt: new Date(now.getTime() + retakeHoldMs), now,
      externalRef: lateRetakeRef(id), startSpotId: r.spot_id, actor: deps.actor, // the same spot first, when it is still free
    });
    if (taken) {
      if (r.extension_minor > 0) await setExtensionMinor(tx, { lotId: r.lot_id, reservationId: taken.reservation_id, extensionMinor: r.extension_minor });
      await markReservationPaid(tx, {
        lotId: r.lot_id, reservationId: taken.reservation_id, provider: deps.payments.name, paymentRef: paid.providerRef,
        paymentMethodRef: paid.paymentMethodRef ?? null, customerRef: paid.customerRefAtProvider ?? null, now,
      });
      await insertPayment(tx, {
        lotId: r.lot_id, reservationId: taken.reservation_id, purpose: 'reservation', amountMinor: paid.amountMinor, currency: r.currency,
        provider: deps.payments.name, providerRef: paid.providerRef, status: 'succeeded', idempotencyKey: `reservation:${taken.reservation_id}`, now,
      });
      await insertEvent(tx, {
        lotId: r.lot_id, kind: 'payment.late_retaken', reservationId: id, actor: deps.actor, at: now,
        detail: { new_reservation_id: taken.reservation_id, spot: taken.label, payment_ref: paid.providerRef },
      });
      return { kind: 'retaken', reservationId: taken.reservation_id };
    }
  }
  // No spot (or the booking was cancelled, or its window is over): the money goes back.
  await recordPaymentReceived(tx, { lotId: r.lot_id, reservationId: id, provider: deps.payments.name, paymentRef: paid.providerRef, now });
  await insertPayment(tx, {
    lotId: r.lot_id, reservationId: id, purpose: 'reservation', amountMinor: paid.amountMinor, currency: r.currency,
    provider: deps.payments.name, providerRef: paid.providerRef, status: 'succeeded', idempotencyKey: `reservation:${id}`, now,
  });
  const reason = r.status === 'CANCELLED' ? 'the booking was cancelled before it was paid' : 'paid after the hold expired and no spot was free';
  const row = await recordRefund(tx, {
    lotId: r.lot_id, reservationId: id, amountMinor: paid.amountMinor, currency: r.currency, idempotencyKey: lateRefundKey(id), note: reason, now,
    paid: { paidMinor: paid.amountMinor, provider: deps.payments.name, paymentRef: paid.providerRef },
  });
  await insertEvent(tx, { lotId: r.lot_id, kind: 'payment.late_refunded', reservationId: id, actor: deps.actor, reason, at: now, detail: { amount_minor: paid.amountMinor, payment_ref: paid.providerRef } });
  return { kind: 'refund', row };
}

/** A second, different payment for a reservation already paid: written down as received, and refunded in full. */
async function refundExtraPayment(tx: Queryable, deps: PaymentDeps, r: ReservationRow, paid: PaymentVerification, now: Date): Promise<Decision> {
  const key = duplicateRefundKey(paid.providerRef);
  const received = await insertPayment(tx, {
    lotId: r.lot_id, reservationId: r.reservation_id, purpose: 'reservation', amountMinor: paid.amountMinor, currency: r.currency,
    provider: deps.payments.name, providerRef: paid.providerRef, status: 'succeeded', idempotencyKey: extraPaymentKey(paid.providerRef), now,
  });
  if (!received) return { kind: 'refund', row: null, key }; // decided before
  const total = await paidFor(tx, r);
  const reason = `a second payment for reservation ${r.reservation_id}, already paid by ${r.payment_ref ?? 'another payment'}`;
  const row = await recordRefund(tx, {
    lotId: r.lot_id, reservationId: r.reservation_id, amountMinor: paid.amountMinor, currency: r.currency, idempotencyKey: key, note: reason, now,
    paid: { paidMinor: total.paidMinor, provider: deps.payments.name, paymentRef: paid.providerRef },
  });
  await insertEvent(tx, { lotId: r.lot_id, kind: 'payment.duplicate_refunded', reservationId: r.reservation_id, actor: deps.actor, reason, at: now, detail: { amount_minor: paid.amountMinor, payment_ref: paid.providerRef } });
  return { kind: 'refund', row, key };
}
