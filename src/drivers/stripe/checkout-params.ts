// What we ask Stripe Checkout for, as a pure function so tests can read it without a network.
import type Stripe from 'stripe';
import type { CheckoutRequest } from '../../core/ports.js';

/** Stripe refuses a Checkout Session that expires sooner than 30 minutes after creation. */
export const STRIPE_MIN_CHECKOUT_LIFETIME_MS = 30 * 60_000;
/** ... or later than 24 hours after creation. */
export const STRIPE_MAX_CHECKOUT_LIFETIME_MS = 24 * 60 * 60_000;
/** Slack for the request's travel time and clock skew, so "exactly 30 minutes" is not refused. */
export const CHECKOUT_EXPIRY_MARGIN_MS = 60_000;

/**
 * When the Checkout Session should expire: the hold's end, but never inside Stripe's 30-minute
 * floor (a 15-minute hold is shorter than that) nor past its 24-hour ceiling.
 *
 * The reservation hold stays authoritative: a session that outlives its hold can still be paid,
 * and `complete` then treats it as a late payment (re-take a spot if one is free, else refund;
 * DESIGN.md section 4). The session's expiry is only a courtesy to the customer.
 * @returns epoch seconds, as Stripe wants them
 */
export function checkoutExpiresAtSeconds(holdEndsAt: Date, now: Date): number {
  const floorMs = now.getTime() + STRIPE_MIN_CHECKOUT_LIFETIME_MS + CHECKOUT_EXPIRY_MARGIN_MS;
  const ceilingMs = now.getTime() + STRIPE_MAX_CHECKOUT_LIFETIME_MS - CHECKOUT_EXPIRY_MARGIN_MS;
  const expiresMs = Math.min(Math.max(holdEndsAt.getTime(), floorMs), ceilingMs);
  return Math.ceil(expiresMs / 1000);
}

/** The metadata that ties a Stripe payment back to its reservation (read back by verifyPayment). */
export function reservationMetadata(req: CheckoutRequest): Record<string, string> {
  return {
    reservation_id: req.reservationId,
    lot_id: String(req.lotId),
    lot_code: req.lotCode,
  };
}

export interface CheckoutUrls {
  /** where Stripe sends the customer after paying; `{CHECKOUT_SESSION_ID}` is filled in by Stripe */
  successUrl: string;
  cancelUrl: string;
}

export function buildCheckoutSessionParams(
  req: CheckoutRequest,
  urls: CheckoutUrls,
  now: Date,
): Stripe.Checkout.SessionCreateParams {
  if (!Number.isSafeInteger(req.amountMinor) || req.amountMinor <= 0) {
    throw new RangeError(`checkout amount must be a positive integer of minor units, got ${req.amountMinor}`);
  }
  if (req.ticket) return ticketSessionParams(req, req.ticket, urls, now);
  if (req.permit) return permitSessionParams(req, req.permit, urls, now);
  const metadata = reservationMetadata(req);
  return {
    mode: 'payment',
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: req.currency.toLowerCase(),
          unit_amount: req.amountMinor,
          product_data: { name: `Parking at ${req.lotCode}`, description: `Reservation ${req.reservationId}` },
        },
      },
    ],
    metadata,
    client_reference_id: req.reservationId,
    // A customer object is what lets the exit gate charge an overstay to the same card later.
    customer_creation: 'always',
    payment_intent_data: { setup_future_usage: 'off_session', metadata },
    expires_at: checkoutExpiresAtSeconds(req.expiresAt, now),
    success_url: urls.successUrl,
    cancel_url: urls.cancelUrl,
  };
}

/** A drive-up ticket's fee (issue 15): no customer kept (nothing is charged later), the ticket in the metadata. */
function ticketSessionParams(req: CheckoutRequest, t: NonNullable<CheckoutRequest['ticket']>, urls: CheckoutUrls, now: Date): Stripe.Checkout.SessionCreateParams {
  const metadata = { purpose: 'ticket', ticket_id: t.ticketId, ticket_number: t.number, visit_id: t.visitId, lot_id: String(req.lotId), lot_code: req.lotCode };
  return {
    mode: 'payment',
    line_items: [{
      quantity: 1,
      price_data: { currency: req.currency.toLowerCase(), unit_amount: req.amountMinor, product_data: { name: `Parking at ${req.lotCode}`, description: `Ticket ${t.number}` } },
    }],
    metadata,
    client_reference_id: t.ticketId,
    payment_intent_data: { metadata },
    expires_at: checkoutExpiresAtSeconds(req.expiresAt, now),
    success_url: urls.successUrl,
    cancel_url: urls.cancelUrl,
  };
}

/** A permit's renewal (issue 15): the permit and the periods it pays in the metadata. */
function permitSessionParams(req: CheckoutRequest, p: NonNullable<CheckoutRequest['permit']>, urls: CheckoutUrls, now: Date): Stripe.Checkout.SessionCreateParams {
  const metadata = { purpose: 'permit', permit_id: p.permitId, periods: String(p.periods), lot_id: String(req.lotId), lot_code: req.lotCode };
  return {
    mode: 'payment',
    line_items: [{
      quantity: 1,
      price_data: {
        currency: req.currency.toLowerCase(), unit_amount: req.amountMinor,
        product_data: { name: `Parking permit at ${req.lotCode}`, description: `${p.holder.slice(0, 200)}: ${p.periods} period${p.periods === 1 ? '' : 's'}` },
      },
    }],
    metadata,
    client_reference_id: p.permitId,
    payment_intent_data: { metadata },
    expires_at: checkoutExpiresAtSeconds(req.expiresAt, now),
    success_url: urls.successUrl,
    cancel_url: urls.cancelUrl,
  };
}
