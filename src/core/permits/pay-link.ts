// A permit's renewal by card from a link (issue 15): `parkctl permit renew <id> --method link` asks Stripe
// Checkout for the price of the periods; the provider's webhook (re-verified, never trusting the event)
// renews the permit by the same path as the desk, keyed by the Stripe payment so it is taken once.
import { NotFoundError, RefusedError, UserError } from '../errors.js';
import { loadLot, type Lot } from '../lots/lot.js';
import type { PaymentDeps } from '../payments/deps.js';
import type { PaymentVerification } from '../ports.js';
import { insertEvent, selectLotMoneyPolicy } from '../sql/payments.js';
import { selectPermit } from '../sql/permits.js';
import { renewPermit } from './permits.js';

export interface PermitPayLink {
  permitId: string;
  periods: number;
  amountMinor: number;
  currency: string;
  paymentUrl: string;
  providerRef: string | null;
}

/** A day to pay: Stripe keeps a Checkout open 24 hours at most. */
const linkHours = 23;

export async function permitPayLink(deps: PaymentDeps, lot: Lot, permitId: string, periods: number): Promise<PermitPayLink> {
  if (!Number.isInteger(periods) || periods < 1 || periods > 36) throw new RefusedError('--periods is 1 to 36', { code: 'bad_periods' });
  const p = await selectPermit(deps.pool, lot.lotId, permitId);
  if (!p) throw new NotFoundError(`no permit ${permitId} in ${lot.code}`, { code: 'unknown_permit' });
  if (p.price_minor === null || p.period === null) throw new RefusedError(`permit ${p.permit_id} is free: nothing to renew`, { code: 'permit_free' });
  if (p.status === 'cancelled') throw new RefusedError(`permit ${p.permit_id} is cancelled`, { hint: 'make a new permit', code: 'permit_status' });
  if (deps.payments.name !== 'stripe') throw new RefusedError('a payment link needs Stripe', { hint: 'set STRIPE_SECRET_KEY, or renew with --method cash|card', code: 'no_card_links' });
  const amountMinor = Number(p.price_minor) * periods;
  const now = deps.clock.now();
  const checkout = await deps.payments.createCheckout({
    reservationId: p.permit_id, lotId: lot.lotId, lotCode: lot.code, amountMinor, currency: p.currency,
    expiresAt: new Date(now.getTime() + linkHours * 3_600_000), customerRef: `permit:${p.holder}`.slice(0, 200),
    // the same permit, paid to the same date, for the same periods: the same link
    idempotencyKey: `permit-link:${p.permit_id}:${(p.paid_until ?? p.valid_from).toISOString()}:${periods}`,
    permit: { permitId: p.permit_id, periods, holder: p.holder },
  });
  return { permitId: p.permit_id, periods, amountMinor, currency: p.currency, paymentUrl: checkout.paymentUrl, providerRef: checkout.providerRef };
}

/** A permit's link was paid (a webhook, after verifying with the provider): renewed once per Stripe payment. */
export async function settlePermitPayment(deps: PaymentDeps, permitId: string, paid: PaymentVerification): Promise<string> {
  if (!paid.paid) return `permit ${permitId}: not paid (${paid.reason ?? 'unknown'})`;
  if (paid.permit?.permitId !== permitId) return `ignored: the payment names permit ${paid.permit?.permitId ?? '(none)'}, not ${permitId}`;
  const { rows } = await deps.pool.query<{ lot_id: number }>(`select lot_id from permits where permit_id = $1::uuid`, [permitId]);
  if (!rows[0]) return `ignored: no permit ${permitId}`;
  const lotId = rows[0].lot_id;
  const lot = await loadLot(deps.pool, (await selectLotMoneyPolicy(deps.pool, lotId)).code);
  const p = (await selectPermit(deps.pool, lotId, permitId))!;
  const expected = p.price_minor === null ? null : Number(p.price_minor) * paid.permit.periods;
  if (expected === null || paid.amountMinor !== expected || paid.currency !== p.currency) {
    await insertEvent(deps.pool, {
      lotId, kind: 'payment.rejected', reservationId: null, actor: deps.actor, at: deps.clock.now(),
      reason: `permit payment of ${paid.amountMinor} ${paid.currency} does not match ${expected ?? 'a free permit'} ${p.currency}`,
      detail: { permit_id: permitId, payment_ref: paid.providerRef },
    });
    return `rejected: permit ${permitId} paid ${paid.amountMinor} ${paid.currency}, expected ${expected ?? 'nothing'} ${p.currency}`;
  }
  let r: Awaited<ReturnType<typeof renewPermit>>;
  try {
    r = await renewPermit(deps, lot, permitId, { method: 'stripe', periods: paid.permit.periods, key: `stripe:${paid.providerRef}` });
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    // paid, but the permit cannot take it (cancelled meanwhile): kept visible for a refund, never retried forever
    await insertEvent(deps.pool, { lotId, kind: 'payment.rejected', reservationId: null, actor: deps.actor, at: deps.clock.now(), reason: err.message, detail: { permit_id: permitId, payment_ref: paid.providerRef } });
    return `rejected: ${err.message}`;
  }
  return r.taken ? `permit ${permitId} renewed to ${r.permit.paid_until?.toISOString() ?? '?'}` : `permit ${permitId}: payment ${paid.providerRef} recorded before`;
}
