// Webhook signatures: only bodies signed with our endpoint secret, unchanged and recent, are events.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { signStripeWebhookForTest, verifyStripeWebhook } from '../src/drivers/stripe/index.js';

const secret = 'whsec_test_parkctl';
const body = JSON.stringify({
  id: 'evt_test_1',
  object: 'event',
  type: 'checkout.session.completed',
  data: { object: { id: 'cs_test_1', object: 'checkout.session', payment_status: 'paid', metadata: { reservation_id: 'r-1' } } },
});

describe('verifyStripeWebhook', () => {
  it('accepts a correctly signed body, as a string or the raw Buffer', () => {
    const header = signStripeWebhookForTest(body, secret);
    const event = verifyStripeWebhook(body, header, secret);
    expect(event.type).toBe('checkout.session.completed');
    expect(event.id).toBe('evt_test_1');
    expect(verifyStripeWebhook(Buffer.from(body, 'utf8'), header, secret).id).toBe('evt_test_1');
  });

  it('rejects another secret, a tampered body, a missing header and a stale timestamp', () => {
    const header = signStripeWebhookForTest(body, secret);
    const reject = (raw: string, sig: string, key: string) => {
      const err = (() => {
        try {
          verifyStripeWebhook(raw, sig, key);
          return null;
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).code).toBe('bad_signature');
    };
    reject(body, header, 'whsec_someone_else');
    reject(body.replace('"paid"', '"unpaid"'), header, secret);
    reject(body, '', secret);
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    reject(body, signStripeWebhookForTest(body, secret, hourAgo), secret);
  });
});
