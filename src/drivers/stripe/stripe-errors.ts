// Turns SDK errors into parkctl's vocabulary: anything Stripe-side that is not the customer's card
// saying no becomes an ExternalError naming "Stripe" (exit 69). Card declines are answers, not
// failures: the callers turn them into `paid: false` (see isCardDecline).
import Stripe from 'stripe';
import { PaymentProviderError, type ProviderFailureKind } from '../../core/payments/provider-error.js';

export const STRIPE_SERVICE = 'Stripe';

export type StripeSdkError = Stripe.errors.StripeError;

export function isStripeError(err: unknown): err is StripeSdkError {
  return err instanceof Stripe.errors.StripeError;
}

/** The customer's card was declined or needs the customer (3-D Secure): not a Stripe failure. */
export function isCardDecline(err: unknown): err is Stripe.errors.StripeCardError {
  return err instanceof Stripe.errors.StripeCardError;
}

/** "No such ..." for an id we were given: the token or saved card is wrong, Stripe is fine. */
export function isMissingResource(err: unknown): err is StripeSdkError {
  return isStripeError(err) && err.type === 'StripeInvalidRequestError' && err.code === 'resource_missing';
}

/** "card_declined/insufficient_funds: Your card has insufficient funds." */
export function describeDecline(err: StripeSdkError): string {
  const code = [err.code, err.decline_code].filter(Boolean).join('/');
  return code ? `${code}: ${err.message}` : err.message;
}

/**
 * Wrap a Stripe failure as ExternalError; anything that is not a Stripe error (a bug in parkctl) is
 * returned unchanged so it keeps its stack.
 * @param action what we were doing, for people: "creating a checkout session"
 * @param apiBase where the SDK points, for the hint
 */
export function toExternalError(err: unknown, action: string, apiBase: string): unknown {
  if (!isStripeError(err)) return err;
  const status = err.statusCode ? ` (HTTP ${err.statusCode})` : '';
  const kind = failureKind(err);
  const what = kind === 'configuration' ? 'refused' : kind === 'answer_lost' ? 'did not answer' : 'failed';
  const message = `Stripe ${what} while ${action}${status}: ${err.message}`;
  return new PaymentProviderError(STRIPE_SERVICE, kind, message, { hint: hintFor(err, apiBase), cause: err, status: err.statusCode ?? null, param: err.param ?? null });
}

/**
 * A configuration error (bad key, missing permission, a request the account refuses) is not an outage.
 * A connection error is a lost answer: the request may have reached Stripe and taken effect.
 */
export function failureKind(err: StripeSdkError): ProviderFailureKind {
  switch (err.type) {
    case 'StripeAuthenticationError':
    case 'StripePermissionError':
    case 'StripeInvalidRequestError':
      return 'configuration';
    case 'StripeIdempotencyError':
      return 'idempotency_conflict';
    case 'StripeConnectionError':
      return 'answer_lost';
    default:
      return 'unavailable';
  }
}

function hintFor(err: StripeSdkError, apiBase: string): string {
  switch (err.type) {
    case 'StripeConnectionError':
      return `Stripe did not answer at ${apiBase}: check the network or STRIPE_API_BASE; retrying is safe (idempotency keys)`;
    case 'StripeAuthenticationError':
      return 'Stripe refused the API key: check STRIPE_SECRET_KEY (test keys start sk_test_, live keys sk_live_); this is configuration, not an outage';
    case 'StripePermissionError':
      return 'the API key lacks a permission: use a secret key or widen the restricted key';
    case 'StripeRateLimitError':
      return 'Stripe is rate limiting: retry in a moment';
    case 'StripeIdempotencyError':
      return 'an idempotency key was reused with different parameters: this is a parkctl bug, report it';
    case 'StripeInvalidRequestError':
      return `Stripe refused the request${err.param ? ` (parameter ${err.param})` : ''}: check the Stripe account settings`;
    default:
      return 'Stripe is failing: check https://status.stripe.com and retry; retrying is safe (idempotency keys)';
  }
}
