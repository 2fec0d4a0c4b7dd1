// `booking pay-link ID`: the payment link of a held reservation, later. When the provider was unreachable
// at reserve, the checkout is created now under the same idempotency key reserve used
// (`reservation:<id>`), so however often this runs there is one checkout per reservation.
import { RefusedError } from '../errors.js';
import type { CheckoutResult, Clock, Logger, PaymentProvider, PoolLike } from '../ports.js';
import { recordCheckoutRef, selectReservationMoney } from '../sql/payments.js';
import type { ReservationRow } from '../sql/reservations.js';
import { reservationOf } from './reservation-of.js';

/** Optional provider capability: find a checkout created earlier (its link) by its reference. */
export interface CheckoutLookupProvider extends PaymentProvider {
  findCheckout(checkoutRef: string): Promise<CheckoutResult | null>;
}

export function canFindCheckout(p: PaymentProvider): p is CheckoutLookupProvider {
  return typeof (p as Partial<CheckoutLookupProvider>).findCheckout === 'function';
}

export const checkoutKey = (reservationId: string) => `reservation:${reservationId}`;

export interface PayLink {
  reservation: ReservationRow;
  provider: string;
  paymentUrl: string;
  checkoutRef: string | null;
}

export async function payLink(deps: { pool: PoolLike; clock: Clock; payments: PaymentProvider; logger?: Logger | undefined }, reservationId: string): Promise<PayLink> {
  const r = await reservationOf(deps.pool, reservationId);
  if (r.status !== 'TENTATIVE') {
    throw new RefusedError(`reservation ${r.reservation_id} is ${r.status}: there is nothing to pay`, { hint: `see it with: parkctl booking show ${r.reservation_id}`, code: 'not_tentative' });
  }
  const now = deps.clock.now();
  if (!r.hold_expires_at || r.hold_expires_at <= now) {
    throw new RefusedError(`the hold on reservation ${r.reservation_id} expired at ${r.hold_expires_at?.toISOString() ?? '-'}`, { hint: 'book again: parkctl booking reserve ...', code: 'hold_expired' });
  }
  const money = await selectReservationMoney(deps.pool, r.lot_id, r.reservation_id);
  if (money?.checkout_url && money.payment_provider === deps.payments.name) {
    return { reservation: r, provider: deps.payments.name, paymentUrl: money.checkout_url, checkoutRef: money.checkout_ref };
  }
  const knownRef = money?.checkout_ref ?? (money?.payment_status === 'pending' && money.payment_provider === deps.payments.name ? money.payment_ref : null);
  if (knownRef && canFindCheckout(deps.payments)) {
    const found = await deps.payments.findCheckout(knownRef);
    if (found) return { reservation: r, provider: found.provider, paymentUrl: found.paymentUrl, checkoutRef: found.providerRef };
  } else if (knownRef) {
    // Re-sending the create would not replay it: the provider keys idempotency on identical parameters,
    // and the checkout's expiry depends on when it is asked for.
    throw new RefusedError(`reservation ${r.reservation_id} already has checkout ${knownRef}; ${deps.payments.name} cannot look its link up again here`, {
      hint: 'send the link from the reserve output, or find the session in the provider dashboard', code: 'checkout_exists',
    });
  }
  const checkout = await deps.payments.createCheckout({
    reservationId: r.reservation_id, lotId: r.lot_id, lotCode: r.lot_code, amountMinor: r.price_minor, currency: r.currency,
    expiresAt: r.hold_expires_at, customerRef: r.customer_ref, idempotencyKey: checkoutKey(r.reservation_id),
  });
  if (checkout.providerRef) {
    await recordCheckoutRef(deps.pool, { lotId: r.lot_id, reservationId: r.reservation_id, provider: checkout.provider, checkoutRef: checkout.providerRef, checkoutUrl: checkout.paymentUrl });
  }
  return { reservation: await reservationOf(deps.pool, r.reservation_id), provider: checkout.provider, paymentUrl: checkout.paymentUrl, checkoutRef: checkout.providerRef };
}
