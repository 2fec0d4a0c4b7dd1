// complete, cancel, show, list: everything after reserve that moves or reads one reservation.
import { lotChanged, type ChangeDeps } from '../changes.js';
import { withTransaction, setActor } from '../db.js';
import { NotFoundError, RefusedError, UsageError } from '../errors.js';
import type { Clock, PaymentProvider, PoolLike, Queryable } from '../ports.js';
import {
  markPaid,
  selectReservation,
  selectReservations,
  updateReservationStatus,
  type ReservationFilter,
  type ReservationRow,
} from '../sql/reservations.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkReservationId(id: string): string {
  if (!uuidPattern.test(id.trim())) {
    throw new UsageError(`"${id}" is not a reservation id`, { hint: 'reservation ids look like 3f2b1c9e-8d4a-4c7e-9b1a-2e5f6a7b8c9d (see parkctl booking list)', code: 'bad_reservation_id' });
  }
  return id.trim().toLowerCase();
}

export async function getReservation(db: Queryable, id: string): Promise<ReservationRow> {
  const row = await selectReservation(db, checkReservationId(id));
  if (!row) throw new NotFoundError(`no reservation ${id}`, { hint: 'list them with: parkctl booking list', code: 'unknown_reservation' });
  return row;
}

export async function listReservations(db: Queryable, filter: ReservationFilter): Promise<ReservationRow[]> {
  return selectReservations(db, filter);
}

export interface CompleteDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  payments: PaymentProvider;
  actor: string;
}

/**
 * complete (seed 000 complete_reservation): verify the payment with the provider, then CONFIRMED/paid.
 * A token that does not prove payment leaves the reservation TENTATIVE until its hold expires.
 */
export async function completeReservation(deps: CompleteDeps, id: string, paymentToken: string): Promise<ReservationRow> {
  const before = await getReservation(deps.pool, id);
  if (before.status === 'CONFIRMED' && before.payment_ref === paymentToken) return before; // a retried complete
  if (before.status !== 'TENTATIVE') {
    throw new RefusedError(`reservation ${before.reservation_id} is ${before.status}, not awaiting payment`, { code: 'not_tentative' });
  }
  const now = deps.clock.now();
  if (before.hold_expires_at && before.hold_expires_at <= now) {
    throw new RefusedError(`the hold on reservation ${before.reservation_id} expired at ${before.hold_expires_at.toISOString()}`, {
      hint: 'book again: parkctl booking reserve ...', code: 'hold_expired',
    });
  }
  const paid = await deps.payments.verifyPayment(paymentToken);
  const problems = [
    !paid.paid && (paid.reason ?? 'not paid'),
    paid.paid && paid.amountMinor !== before.price_minor && `amount ${paid.amountMinor} is not the price ${before.price_minor}`,
    paid.paid && paid.currency.toUpperCase() !== before.currency && `currency ${paid.currency} is not ${before.currency}`,
    paid.paid && paid.reservationId !== before.reservation_id && `the payment is for reservation ${paid.reservationId ?? '(none)'}`,
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new RefusedError(`payment not accepted: ${problems.join('; ')}; the reservation stays TENTATIVE until its hold expires`, {
      hint: 'check the payment token, or take payment again', code: 'payment_not_verified',
    });
  }
  const confirmed = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor);
    const ok = await markPaid(tx, { lotId: before.lot_id, reservationId: before.reservation_id, provider: deps.payments.name, paymentRef: paid.providerRef, now });
    if (ok) {
      await tx.query(
        `insert into payments (lot_id, reservation_id, purpose, amount_minor, currency, provider, provider_ref, status, idempotency_key, created_at)
         values ($1::integer, $2::uuid, 'reservation', $3::bigint, $4::char(3), $5::text, $6::text, 'succeeded', $7::text, $8::timestamptz)
         on conflict (lot_id, idempotency_key) do nothing`,
        [before.lot_id, before.reservation_id, paid.amountMinor, before.currency, deps.payments.name, paid.providerRef, `reservation:${before.reservation_id}`, now],
      );
    }
    return ok;
  });
  if (!confirmed) {
    throw new RefusedError(`reservation ${before.reservation_id} changed while the payment was checked (hold expired or cancelled)`, { code: 'hold_expired' });
  }
  await lotChanged(deps, before.lot_id);
  return getReservation(deps.pool, before.reservation_id);
}

export async function cancelReservation(
  deps: ChangeDeps & { pool: PoolLike; clock: Clock; actor: string },
  id: string,
  reason: string,
): Promise<ReservationRow> {
  const before = await getReservation(deps.pool, id);
  if (!['TENTATIVE', 'CONFIRMED'].includes(before.status)) {
    const hint = before.status === 'CHECKED_IN' ? `the car is inside: check it out with parkctl visit depart --lot ${before.lot_code} --plate ${before.plate}` : undefined;
    throw new RefusedError(`reservation ${before.reservation_id} is ${before.status} and cannot be cancelled`, { hint, code: 'not_cancellable' });
  }
  const ok = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, reason);
    return updateReservationStatus(tx, { lotId: before.lot_id, reservationId: before.reservation_id, from: ['TENTATIVE', 'CONFIRMED'], to: 'CANCELLED', now: deps.clock.now() });
  });
  if (!ok) throw new RefusedError(`reservation ${before.reservation_id} changed meanwhile; look again with parkctl booking show`, { code: 'conflict' });
  await lotChanged(deps, before.lot_id);
  return getReservation(deps.pool, before.reservation_id);
}
