// Reads a Checkout Session or PaymentIntent back into the port's PaymentVerification. Only reports
// what Stripe says: the core compares amount, currency and reservation id with the reservation.
import type Stripe from 'stripe';
import type { PaymentVerification } from '../../core/ports.js';

export type StripeTokenKind = 'checkout_session' | 'payment_intent';

/** `cs_...` is a Checkout Session id, `pi_...` a PaymentIntent id; anything else is not ours. */
export function stripeTokenKind(token: string): StripeTokenKind | null {
  if (/^cs_[A-Za-z0-9_]+$/.test(token)) return 'checkout_session';
  if (/^pi_[A-Za-z0-9_]+$/.test(token)) return 'payment_intent';
  return null;
}

function idOf(ref: string | { id: string } | null | undefined): string | null {
  if (!ref) return null;
  return typeof ref === 'string' ? ref : ref.id;
}

/** A ticket's payment link names its ticket; a booking's payment has no such field at all. */
function ticketOf(ticketId: string | undefined): { ticketId?: string } {
  return ticketId ? { ticketId } : {};
}

/** A permit's renewal link names its permit and the periods it pays. */
function permitOf(metadata: Record<string, string> | null | undefined): { permit?: { permitId: string; periods: number } } {
  if (metadata?.purpose !== 'permit' || !metadata.permit_id) return {};
  const periods = Number(metadata.periods);
  return Number.isInteger(periods) && periods > 0 ? { permit: { permitId: metadata.permit_id, periods } } : {};
}

export function verificationFromSession(session: Stripe.Checkout.Session): PaymentVerification {
  const intent = typeof session.payment_intent === 'object' ? session.payment_intent : null;
  const paid = session.payment_status === 'paid';
  return {
    paid,
    amountMinor: session.amount_total ?? 0,
    currency: (session.currency ?? '').toUpperCase(),
    reservationId: session.metadata?.reservation_id ?? intent?.metadata?.reservation_id ?? null,
    ...ticketOf(session.metadata?.ticket_id ?? intent?.metadata?.ticket_id),
    ...permitOf(session.metadata ?? intent?.metadata),
    providerRef: idOf(session.payment_intent) ?? session.id,
    ...(paid ? {} : { reason: `checkout session ${session.id} is ${session.status ?? 'unknown'}, payment ${session.payment_status}` }),
    paymentMethodRef: idOf(intent?.payment_method),
    customerRefAtProvider: idOf(session.customer) ?? idOf(intent?.customer),
  };
}

export function verificationFromPaymentIntent(intent: Stripe.PaymentIntent): PaymentVerification {
  const paid = intent.status === 'succeeded';
  return {
    paid,
    amountMinor: paid ? intent.amount_received : intent.amount,
    currency: intent.currency.toUpperCase(),
    reservationId: intent.metadata?.reservation_id ?? null,
    ...ticketOf(intent.metadata?.ticket_id),
    ...permitOf(intent.metadata),
    providerRef: intent.id,
    ...(paid ? {} : { reason: `payment ${intent.id} is ${intent.status}` }),
    paymentMethodRef: idOf(intent.payment_method),
    customerRefAtProvider: idOf(intent.customer),
  };
}

export function notPaid(token: string, reason: string): PaymentVerification {
  return { paid: false, amountMinor: 0, currency: '', reservationId: null, providerRef: token, reason };
}
