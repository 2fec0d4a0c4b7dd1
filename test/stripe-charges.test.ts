// Stripe driver against the local fake: refunds and off-session charges of the saved card.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExternalError } from '../src/core/errors.js';
import { StripePaymentProvider } from '../src/drivers/stripe/index.js';
import { startStripeFake, type StripeFake } from './support/stripe-fake.js';

let fake: StripeFake;
let stripe: StripePaymentProvider;

/** A reservation paid through Checkout: what the exit gate and a late-payment refund start from. */
async function paidReservation(reservationId = 'r-77', amountMinor = 2000) {
  const { providerRef } = await stripe.createCheckout({
    reservationId, lotId: 1, lotCode: 'NORTH', amountMinor, currency: 'EUR',
    expiresAt: new Date(Date.now() + 15 * 60_000), customerRef: 'c-1', idempotencyKey: `checkout:${reservationId}`,
  });
  fake.markSessionPaid(providerRef as string);
  return stripe.verifyPayment(providerRef as string);
}

beforeAll(async () => {
  fake = await startStripeFake();
  stripe = new StripePaymentProvider({
    apiKey: 'sk_test_parkctl', apiBase: fake.apiBase, successUrl: 'https://lot.example/ok',
    cancelUrl: 'https://lot.example/no', timeoutMs: 5_000, maxNetworkRetries: 0,
  });
});
beforeEach(() => fake.reset());
afterAll(() => fake.close());

describe('refund', () => {
  it('refunds once however often the same key is retried', async () => {
    const payment = await paidReservation();
    const req = { paymentRef: payment.providerRef, amountMinor: 2000, idempotencyKey: 'refund:r-77', reason: 'late payment, lot full' };

    const first = await stripe.refund(req);
    const retried = await stripe.refund(req);

    expect(retried).toEqual(first);
    expect(first.refundRef).toMatch(/^re_/);
    expect(first.status).toBe('succeeded');
    expect(fake.objectsOfType('refund')).toHaveLength(1);
    const sent = fake.requestsTo('POST', '/v1/refunds');
    expect(sent.map((r) => r.idempotencyKey)).toEqual(['refund:r-77', 'refund:r-77']);
    expect(sent[0]?.params).toMatchObject({ payment_intent: payment.providerRef, amount: '2000', metadata: { reason: 'late payment, lot full' } });
  });

  it('a refund Stripe refuses (more than was paid) is an ExternalError naming Stripe', async () => {
    const payment = await paidReservation();
    const refused = stripe.refund({ paymentRef: payment.providerRef, amountMinor: 5000, idempotencyKey: 'refund:too-much' });
    await expect(refused).rejects.toBeInstanceOf(ExternalError);
    await expect(refused).rejects.toMatchObject({ service: 'Stripe', message: expect.stringContaining('greater than unrefunded') });
    expect(fake.objectsOfType('refund')).toHaveLength(0);
  });
});

describe('chargeOffSession', () => {
  it('charges the card saved at checkout, once per key', async () => {
    const payment = await paidReservation();
    const req = {
      customerRef: payment.customerRefAtProvider as string,
      paymentMethodRef: payment.paymentMethodRef as string,
      amountMinor: 450, currency: 'EUR', idempotencyKey: 'overstay:v-5',
      metadata: { reservation_id: 'r-77', visit_id: 'v-5', purpose: 'overstay' },
    };

    const charged = await stripe.chargeOffSession(req);
    const retried = await stripe.chargeOffSession(req);

    expect(charged).toEqual({ paid: true, providerRef: expect.stringMatching(/^pi_/) });
    expect(retried).toEqual(charged);
    const [sent] = fake.requestsTo('POST', '/v1/payment_intents');
    expect(sent?.idempotencyKey).toBe('overstay:v-5');
    expect(sent?.params).toMatchObject({
      amount: '450', currency: 'eur', off_session: 'true', confirm: 'true',
      customer: payment.customerRefAtProvider, payment_method: payment.paymentMethodRef,
      metadata: { reservation_id: 'r-77', visit_id: 'v-5', purpose: 'overstay' },
    });
    const overstayIntents = fake.objectsOfType('payment_intent').filter((pi) => pi.amount === 450);
    expect(overstayIntents).toHaveLength(1);
  });

  it('a declined card is an answer (paid: false, the decline reason), not a throw', async () => {
    const payment = await paidReservation();
    fake.declineNextCharge({ declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' });

    const result = await stripe.chargeOffSession({
      customerRef: payment.customerRefAtProvider as string, paymentMethodRef: payment.paymentMethodRef as string,
      amountMinor: 450, currency: 'EUR', idempotencyKey: 'overstay:v-6', metadata: {},
    });

    expect(result.paid).toBe(false);
    expect(result.providerRef).toMatch(/^pi_/);
    expect(result.reason).toBe('card_declined/insufficient_funds: Your card has insufficient funds.');
  });

  it('a saved card Stripe no longer has is not paid, with a reason', async () => {
    const payment = await paidReservation();
    const result = await stripe.chargeOffSession({
      customerRef: payment.customerRefAtProvider as string, paymentMethodRef: 'pm_test_gone',
      amountMinor: 450, currency: 'EUR', idempotencyKey: 'overstay:v-7', metadata: {},
    });
    expect(result).toMatchObject({ paid: false, providerRef: null, reason: expect.stringContaining('pm_test_gone') });
  });
});
