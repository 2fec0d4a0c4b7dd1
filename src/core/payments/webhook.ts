// Provider webhooks, after the driver proved the signature: a payment that succeeded confirms its
// reservation through the same path as `booking complete` (settle.ts, re-verified with the provider,
// never trusting the event body); a failure is recorded (events 'payment.failed'). Each event id is
// handled once (webhook_events): a replayed or re-sent event changes nothing.
import { UserError } from '../errors.js';
import { insertEvent, claimWebhookEvent, finishWebhookEvent, releaseWebhookEvent } from '../sql/payments.js';
import { selectReservation } from '../sql/reservations.js';
import type { PaymentDeps } from './deps.js';
import { settleOverstayCharge } from './overstay-settle.js';
import { settlePayment } from './settle.js';
import { settleTicketPayment } from '../tickets/card-link.js';
import { settlePermitPayment } from '../permits/pay-link.js';

/** A provider's event, read by its driver into what core needs (core never sees Stripe's types). */
export interface ProviderEvent {
  provider: string;
  /** the provider's event id (evt_...): the replay key */
  eventId: string;
  /** the provider's event type, for the log: checkout.session.completed, ... */
  type: string;
  /** charge_*: an off-session charge parkctl made at the exit (an overstay), for `visitId` */
  kind: 'payment_succeeded' | 'payment_failed' | 'charge_succeeded' | 'charge_failed' | 'other';
  /** what to verify with the provider: a checkout session or payment id */
  paymentToken: string | null;
  /** from the payment's metadata; null for payments parkctl did not start for a reservation */
  reservationId: string | null;
  /** charge_* events: the visit the charge was for */
  visitId?: string | null;
  /** a drive-up ticket's payment link (issue 15): the ticket it pays */
  ticketId?: string | null;
  /** a permit's renewal link (issue 15): the permit it renews */
  permitId?: string | null;
  /** why a payment failed, for people */
  failureReason?: string;
}

export interface WebhookResult {
  /** what handling did, for the log and the response body */
  outcome: string;
  /** true when this event id was handled before and nothing changed now */
  duplicate: boolean;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function handleProviderEvent(deps: PaymentDeps, e: ProviderEvent): Promise<WebhookResult> {
  const claim = await claimWebhookEvent(deps.pool, { eventId: e.eventId, provider: e.provider, type: e.type, now: deps.clock.now() });
  if (claim.state === 'done') return { outcome: claim.outcome ?? 'handled before', duplicate: true };
  let outcome: string;
  try {
    outcome = await handle(deps, e);
  } catch (err) {
    await releaseWebhookEvent(deps.pool, e.eventId).catch(() => {});
    throw err; // the provider gets a 5xx and delivers again later
  }
  await finishWebhookEvent(deps.pool, { eventId: e.eventId, outcome, now: deps.clock.now() });
  return { outcome, duplicate: false };
}

async function handle(deps: PaymentDeps, e: ProviderEvent): Promise<string> {
  if (e.kind === 'other') return `ignored ${e.type}`;
  if (e.kind === 'charge_succeeded' || e.kind === 'charge_failed') {
    if (!e.visitId || !uuidPattern.test(e.visitId) || !e.paymentToken) return `ignored: no visit ${e.visitId ?? '(none in metadata)'}`;
    // never trusting the event body: what Stripe says about the PaymentIntent now
    return settleOverstayCharge(deps, e.visitId, await deps.payments.verifyPayment(e.paymentToken));
  }
  if (e.ticketId !== undefined && e.ticketId !== null) {
    if (e.kind !== 'payment_succeeded' || !uuidPattern.test(e.ticketId) || !e.paymentToken) return `ignored: ticket ${e.ticketId}`;
    // never trusting the event body: what the provider says about the payment now
    return settleTicketPayment(deps, e.ticketId, await deps.payments.verifyPayment(e.paymentToken));
  }
  if (e.permitId !== undefined && e.permitId !== null) {
    if (e.kind !== 'payment_succeeded' || !uuidPattern.test(e.permitId) || !e.paymentToken) return `ignored: permit ${e.permitId}`;
    return settlePermitPayment(deps, e.permitId, await deps.payments.verifyPayment(e.paymentToken));
  }
  const reservation = e.reservationId && uuidPattern.test(e.reservationId) ? await selectReservation(deps.pool, e.reservationId) : null;
  if (!reservation) return `ignored: no reservation ${e.reservationId ?? '(none in metadata)'}`;
  const at = deps.clock.now();
  if (e.kind === 'payment_failed') {
    await insertEvent(deps.pool, {
      lotId: reservation.lot_id, kind: 'payment.failed', reservationId: reservation.reservation_id, actor: deps.actor,
      reason: e.failureReason ?? 'payment failed', at, detail: { provider: e.provider, event_id: e.eventId, payment_ref: e.paymentToken },
    });
    return 'failure recorded';
  }
  if (!e.paymentToken) return 'ignored: no payment reference';
  const paid = await deps.payments.verifyPayment(e.paymentToken);
  try {
    const settled = await settlePayment(deps, reservation.reservation_id, paid);
    const refund = settled.refund ? ` (refund ${settled.refund.status})` : '';
    return `${settled.kind} ${settled.reservation.reservation_id}${refund}`;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    await insertEvent(deps.pool, {
      lotId: reservation.lot_id, kind: 'payment.rejected', reservationId: reservation.reservation_id, actor: deps.actor,
      reason: err.message, at, detail: { provider: e.provider, event_id: e.eventId, payment_ref: e.paymentToken },
    });
    return `rejected: ${err.message}`;
  }
}
