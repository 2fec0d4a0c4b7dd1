// Stripe driver against the local fake: creating a Checkout Session and verifying payment tokens.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckoutRequest } from '../src/core/ports.js';
import { fixedClock } from '../src/core/ports.js';
import { StripePaymentProvider, checkoutExpiresAtSeconds } from '../src/drivers/stripe/index.js';
import { parseStripeForm, startStripeFake, type StripeFake } from './support/stripe-fake.js';

let fake: StripeFake;
let stripe: StripePaymentProvider;
const now = new Date();

function request(overrides: Partial<CheckoutRequest> = {}): CheckoutRequest {
  return {
    reservationId: 'r-1042',
    lotId: 7,
    lotCode: 'CENTRAL',
    amountMinor: 1250,
    currency: 'EUR',
    expiresAt: new Date(now.getTime() + 15 * 60_000),
    customerRef: 'cust-9',
    idempotencyKey: 'checkout:r-1042',
    ...overrides,
  };
}

beforeAll(async () => {
  fake = await startStripeFake();
  stripe = new StripePaymentProvider({
    apiKey: 'sk_test_parkctl',
    apiBase: fake.apiBase,
    successUrl: 'https://lot.example/paid?session={CHECKOUT_SESSION_ID}',
    cancelUrl: 'https://lot.example/cancelled',
    timeoutMs: 5_000,
    maxNetworkRetries: 0,
    clock: fixedClock(now),
  });
});
beforeEach(() => fake.reset());
afterAll(() => fake.close());

describe('createCheckout', () => {
  it('asks Stripe for one line item of the quoted amount, with reservation metadata and the caller key', async () => {
    const result = await stripe.createCheckout(request());

    const [sent] = fake.requestsTo('POST', '/v1/checkout/sessions');
    expect(sent?.idempotencyKey).toBe('checkout:r-1042');
    expect(sent?.params).toMatchObject({
      mode: 'payment',
      line_items: [{ quantity: '1', price_data: { currency: 'eur', unit_amount: '1250' } }],
      metadata: { reservation_id: 'r-1042', lot_id: '7', lot_code: 'CENTRAL' },
      customer_creation: 'always',
      payment_intent_data: {
        setup_future_usage: 'off_session',
        metadata: { reservation_id: 'r-1042', lot_id: '7', lot_code: 'CENTRAL' },
      },
      success_url: 'https://lot.example/paid?session={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://lot.example/cancelled',
    });
    expect(result.provider).toBe('stripe');
    expect(result.providerRef).toMatch(/^cs_/);
    expect(result.paymentUrl).toBe(`${fake.apiBase}/pay/${result.providerRef}`);
  });

  it('lifts a 15-minute hold to Stripe\'s 30-minute floor, and keeps a longer hold as is', async () => {
    await stripe.createCheckout(request());
    const floor = Math.floor(now.getTime() / 1000) + 30 * 60;
    const short = Number(fake.requestsTo('POST', '/v1/checkout/sessions')[0]?.params.expires_at);
    expect(short).toBeGreaterThanOrEqual(floor);
    expect(short).toBeLessThanOrEqual(floor + 120);

    const holdEnd = new Date(now.getTime() + 3 * 3_600_000);
    await stripe.createCheckout(request({ expiresAt: holdEnd, idempotencyKey: 'checkout:long' }));
    const long = Number(fake.requestsTo('POST', '/v1/checkout/sessions')[1]?.params.expires_at);
    expect(long).toBe(Math.ceil(holdEnd.getTime() / 1000));
  });

  it('returns the same session when the same key is retried', async () => {
    const first = await stripe.createCheckout(request());
    const again = await stripe.createCheckout(request());
    expect(again.providerRef).toBe(first.providerRef);
    expect(fake.objectsOfType('checkout.session')).toHaveLength(1);
  });
});

describe('checkoutExpiresAtSeconds', () => {
  it('stays inside Stripe\'s 30 minute to 24 hour window whatever the hold', () => {
    const t = Date.UTC(2030, 0, 1, 12);
    const at = (ms: number) => checkoutExpiresAtSeconds(new Date(t + ms), new Date(t));
    expect(at(-60_000)).toBe(at(15 * 60_000));
    expect(at(15 * 60_000)).toBeGreaterThanOrEqual(t / 1000 + 1800);
    expect(at(7 * 86_400_000)).toBeLessThanOrEqual(t / 1000 + 86_400);
    expect(at(2 * 3_600_000)).toBe(t / 1000 + 7200);
  });
});

describe('verifyPayment', () => {
  it('reports a paid session with amount, currency, reservation, payment intent, card and customer', async () => {
    const { providerRef } = await stripe.createCheckout(request());
    const paid = fake.markSessionPaid(providerRef as string);

    const verification = await stripe.verifyPayment(providerRef as string);
    expect(verification).toEqual({
      paid: true,
      amountMinor: 1250,
      currency: 'EUR',
      reservationId: 'r-1042',
      providerRef: paid.paymentIntentId,
      paymentMethodRef: paid.paymentMethodId,
      customerRefAtProvider: paid.customerId,
    });
    expect(fake.requestsTo('GET', '/v1/checkout/sessions')[0]?.params).toEqual({ expand: ['payment_intent'] });
  });

  it('reports an unpaid session as not paid, with a reason', async () => {
    const { providerRef } = await stripe.createCheckout(request());
    const verification = await stripe.verifyPayment(providerRef as string);
    expect(verification.paid).toBe(false);
    expect(verification.reason).toContain('unpaid');
    expect(verification.reservationId).toBe('r-1042');
  });

  it('returns the amount and reservation Stripe holds, not the ones the caller hoped for', async () => {
    // a cheaper session for another reservation, presented as payment: the core must see the mismatch
    const { providerRef } = await stripe.createCheckout(
      request({ reservationId: 'r-other', amountMinor: 300, currency: 'USD', idempotencyKey: 'checkout:r-other' }),
    );
    fake.markSessionPaid(providerRef as string);
    const verification = await stripe.verifyPayment(providerRef as string);
    expect(verification).toMatchObject({ paid: true, amountMinor: 300, currency: 'USD', reservationId: 'r-other' });
  });

  it('verifies a PaymentIntent id too', async () => {
    const { providerRef } = await stripe.createCheckout(request());
    const { paymentIntentId, paymentMethodId } = fake.markSessionPaid(providerRef as string);
    const verification = await stripe.verifyPayment(paymentIntentId);
    expect(verification).toMatchObject({
      paid: true, amountMinor: 1250, currency: 'EUR', reservationId: 'r-1042', providerRef: paymentIntentId, paymentMethodRef: paymentMethodId,
    });
  });

  it('answers not paid for tokens that are not Stripe ids or that Stripe does not know', async () => {
    const foreign = await stripe.verifyPayment('cash:r-1042:1250');
    expect(foreign).toMatchObject({ paid: false, reason: expect.stringContaining('not a Stripe payment token') });
    expect(fake.requests).toHaveLength(0);

    const unknown = await stripe.verifyPayment('cs_test_doesnotexist');
    expect(unknown).toMatchObject({ paid: false, reason: expect.stringContaining('knows no checkout session') });
  });
});

describe('parseStripeForm (the fake reads what the SDK sends)', () => {
  it('nests bracketed keys and turns numeric keys into arrays', () => {
    expect(parseStripeForm('a[0][b][c]=1&a[1][b][c]=2&m[k]=v%20w&expand[0]=x')).toEqual({
      a: [{ b: { c: '1' } }, { b: { c: '2' } }],
      m: { k: 'v w' },
      expand: ['x'],
    });
  });
});
