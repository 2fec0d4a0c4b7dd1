// complete, cancel, show, list: everything after reserve that moves or reads one reservation.
import { lotChanged, type ChangeDeps } from '../changes.js';
import { withTransaction, setActor } from '../db.js';
import { NotFoundError, RefusedError, UsageError } from '../errors.js';
import { decideCancelRefund } from '../payments/cancel-refund.js';
import { sendRefundQuietly } from '../payments/send-quietly.js';
import { settlePayment } from '../payments/settle.js';
import type { Clock, Logger, PaymentProvider, PoolLike, Queryable } from '../ports.js';
import {
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
  logger?: Logger | undefined;
}

/**
 * complete (seed 000 complete_reservation): verify the payment with the provider, then CONFIRMED/paid
 * (src/core/payments/settle.ts, the same path the webhook listener takes). A token that does not prove
 * payment leaves the reservation TENTATIVE until its hold expires. A payment after the hold expired
 * re-takes a free spot for the window (the new reservation is returned) or is refunded (refused, exit 3).
 */
export async function completeReservation(deps: CompleteDeps, id: string, paymentToken: string): Promise<ReservationRow> {
  const before = await getReservation(deps.pool, id);
  if (before.status === 'CONFIRMED' && before.payment_ref === paymentToken) return before; // a retried complete
  const paid = await deps.payments.verifyPayment(paymentToken);
  const outcome = await settlePayment(deps, before.reservation_id, paid);
  if (outcome.kind === 'refunded') {
    const refund = outcome.refund;
    const how = refund?.status === 'due' ? 'the refund is due from the attendant' : refund?.status === 'pending' ? 'the refund is pending (payments settle-refunds sends it)' : `refunded (${refund?.provider_ref ?? refund?.status ?? 'recorded'})`;
    if (refund?.idempotency_key.startsWith('refund:duplicate:')) {
      throw new RefusedError(`reservation ${before.reservation_id} was already paid by ${outcome.reservation.payment_ref ?? 'another payment'}; this second payment is given back in full: ${how}`, {
        hint: `see it with: parkctl payments list --reservation ${before.reservation_id}`, code: 'duplicate_payment_refunded',
      });
    }
    throw new RefusedError(`reservation ${before.reservation_id} was paid after its hold expired and no spot is free for that window: ${how}`, {
      hint: 'book another window: parkctl capacity check ...', code: 'late_payment_refunded',
    });
  }
  return outcome.reservation;
}

export interface CancelDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
  /** where refunds go; without it a provider refund stays pending for `payments settle-refunds` */
  payments?: PaymentProvider | undefined;
  logger?: Logger | undefined;
}

/**
 * Cancel a held or confirmed reservation. A paid one gets back what the lot's refund policy gives for
 * the notice (src/core/payments/cancel-refund.ts): decided in the cancelling transaction, sent to the
 * provider after commit (never a lock across the network), recorded as due when it was paid in cash.
 */
export async function cancelReservation(deps: CancelDeps, id: string, reason: string): Promise<ReservationRow> {
  return (await cancelWithRefund(deps, id, reason)).reservation;
}

/** What a cancellation gave back, for people and scripts (`booking cancel` prints it). */
export interface CancelRefundSummary {
  /** integer minor units given back (0 when the policy band gives nothing) */
  amountMinor: number;
  currency: string;
  percent: number;
  /** the policy band applied: "cancelled 5h before the start: 50% back by the lot's refund policy" */
  band: string;
  /** due: cash an attendant hands back (parkctl payments hand-back); pending, processing, succeeded: the provider's; null: nothing to give */
  status: string | null;
  provider: string | null;
  paymentId: string | null;
}

export async function cancelWithRefund(deps: CancelDeps, id: string, reason: string): Promise<{ reservation: ReservationRow; refund: CancelRefundSummary | null }> {
  const before = await getReservation(deps.pool, id);
  if (!['TENTATIVE', 'CONFIRMED'].includes(before.status)) {
    const hint = before.status === 'CHECKED_IN' ? `the car is inside: check it out with parkctl visit depart --lot ${before.lot_code} --plate ${before.plate}` : undefined;
    throw new RefusedError(`reservation ${before.reservation_id} is ${before.status} and cannot be cancelled`, { hint, code: 'not_cancellable' });
  }
  const now = deps.clock.now();
  const cancelled = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, reason);
    const ok = await updateReservationStatus(tx, { lotId: before.lot_id, reservationId: before.reservation_id, from: [before.status], to: 'CANCELLED', now });
    return ok ? { refund: await decideCancelRefund(tx, before, now) } : null;
  });
  if (!cancelled) throw new RefusedError(`reservation ${before.reservation_id} changed meanwhile; look again with parkctl booking show`, { code: 'conflict' });
  await lotChanged(deps, before.lot_id);
  const { row, percent, band } = cancelled.refund;
  const sent = row ? await sendRefundQuietly(deps, row) : null;
  const refund = band === null ? null : {
    amountMinor: sent?.amount_minor ?? 0, currency: before.currency, percent, band,
    status: sent?.status ?? null, provider: sent?.provider ?? null, paymentId: sent?.payment_id ?? null,
  };
  return { reservation: await getReservation(deps.pool, before.reservation_id), refund };
}
