// Stripe being down, slow or misconfigured: every such failure is an ExternalError naming Stripe
// (exit 69), never a bare SDK error and never a "not paid" that would look like the customer's fault.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, ExternalError, UsageError } from '../src/core/errors.js';
import { StripePaymentProvider, type StripeProviderOptions } from '../src/drivers/stripe/index.js';
import { startStripeFake, type StripeFake } from './support/stripe-fake.js';

let fake: StripeFake;

function provider(overrides: Partial<StripeProviderOptions> = {}): StripePaymentProvider {
  return new StripePaymentProvider({
    apiKey: 'sk_test_parkctl', apiBase: fake.apiBase, successUrl: 'https://lot.example/ok',
    cancelUrl: 'https://lot.example/no', timeoutMs: 5_000, maxNetworkRetries: 0, ...overrides,
  });
}

const checkout = {
  reservationId: 'r-1', lotId: 1, lotCode: 'NORTH', amountMinor: 900, currency: 'EUR',
  expiresAt: new Date(Date.now() + 15 * 60_000), customerRef: 'c-1', idempotencyKey: 'checkout:r-1',
};

/** A port nothing listens on: connection refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function externalErrorOf(promise: Promise<unknown>): Promise<ExternalError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ExternalError);
  const external = err as ExternalError;
  expect(external.service).toBe('Stripe');
  expect(external.exitCode).toBe(ExitCode.unavailable);
  return external;
}

beforeAll(async () => {
  fake = await startStripeFake();
});
beforeEach(() => fake.reset());
afterAll(() => fake.close());

describe('Stripe unavailable', () => {
  it('503 from Stripe while creating a checkout', async () => {
    fake.setDown(true);
    const err = await externalErrorOf(provider().createCheckout(checkout));
    expect(err.message).toContain('HTTP 503');
    expect(err.hint).toBeTruthy();
  });

  it('503 while verifying is a failure, not a "not paid"', async () => {
    fake.setDown('503');
    await externalErrorOf(provider().verifyPayment('cs_test_abc'));
  });

  it('the SDK retries a 5xx with the same idempotency key before giving up', async () => {
    fake.setDown('503');
    const stripe = provider({ maxNetworkRetries: 1 });
    await externalErrorOf(stripe.refund({ paymentRef: 'pi_test_x', amountMinor: 100, idempotencyKey: 'refund:r-1' }));
    expect(fake.requestsTo('POST', '/v1/refunds').map((r) => r.idempotencyKey)).toEqual(['refund:r-1', 'refund:r-1']);
  });

  it('a dropped connection', async () => {
    fake.setDown('reset');
    const err = await externalErrorOf(provider().chargeOffSession({
      customerRef: 'cus_test_1', paymentMethodRef: 'pm_test_1', amountMinor: 100, currency: 'EUR', idempotencyKey: 'k', metadata: {},
    }));
    expect(err.hint).toContain(fake.apiBase);
  });

  it('connection refused', async () => {
    const stripe = provider({ apiBase: `http://127.0.0.1:${await closedPort()}` });
    await externalErrorOf(stripe.createCheckout(checkout));
  });

  it('no answer within timeoutMs', async () => {
    fake.setDown('hang');
    const err = await externalErrorOf(provider({ timeoutMs: 200 }).verifyPayment('pi_test_slow'));
    expect(err.message).toContain('timeout');
  });

  it('a wrong API key names the setting to fix', async () => {
    const err = await externalErrorOf(provider({ apiKey: 'pk_test_publishable' }).createCheckout(checkout));
    expect(err.hint).toContain('STRIPE_SECRET_KEY');
  });
});

describe('configuration', () => {
  it('refuses an API base that is not an http(s) origin', () => {
    expect(() => provider({ apiBase: 'ftp://127.0.0.1:1' })).toThrow(UsageError);
    expect(() => provider({ apiBase: 'http://127.0.0.1:1/v1' })).toThrow(UsageError);
    expect(() => provider({ apiKey: '' })).toThrow(UsageError);
  });
});
