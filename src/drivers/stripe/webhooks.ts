// Stripe webhook signatures (the `Stripe-Signature` header). The HTTP listener that receives them
// lives elsewhere; this only proves a body came from Stripe and parses it.
import Stripe from 'stripe';
import { UsageError } from '../../core/errors.js';

/** Stripe's default: a signed body older than this is a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * Verify and parse a webhook. Pass the raw body exactly as received (a re-serialised JSON body
 * no longer matches its signature).
 * @throws UsageError (code `bad_signature`) when the signature, secret or timestamp does not match
 */
export function verifyStripeWebhook(
  rawBody: Buffer | string,
  signatureHeader: string,
  secret: string,
  toleranceSeconds: number = WEBHOOK_TOLERANCE_SECONDS,
): Stripe.Event {
  try {
    return Stripe.webhooks.constructEvent(rawBody, signatureHeader, secret, toleranceSeconds);
  } catch (err) {
    if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
      throw new UsageError(`Stripe webhook signature rejected: ${err.message}`, {
        code: 'bad_signature',
        hint: 'check the endpoint secret (whsec_...) and that the raw request body reaches parkctl unchanged',
      });
    }
    throw err;
  }
}

/**
 * A valid `Stripe-Signature` header for a body, as Stripe would send it: for tests and for
 * replaying captured events against a local listener.
 * @param timestampSeconds epoch seconds the signature claims (default now)
 */
export function signStripeWebhookForTest(payload: string, secret: string, timestampSeconds?: number): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestampSeconds === undefined ? {} : { timestamp: timestampSeconds }),
  });
}
