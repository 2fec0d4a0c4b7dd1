// Stripe as a PaymentProvider (DESIGN.md section 5): Checkout Sessions to collect, PaymentIntents to
// verify and to charge a saved card off-session at the exit gate, Refunds for late payments that
// found no spot. Every POST carries the caller's idempotency key, so retries never double-charge.
import Stripe from 'stripe';
import { ExternalError } from '../../core/errors.js';
import { systemClock } from '../../core/ports.js';
import type { CheckoutRequest, CheckoutResult, Clock, PaymentVerification } from '../../core/ports.js';
import { buildCheckoutSessionParams } from './checkout-params.js';
import { createStripeClient } from './client.js';
import { findOpenSessionFor } from './lost-checkout.js';
import type {
  OffSessionChargeRequest,
  OffSessionChargeResult,
  OffSessionPaymentProvider,
  RefundingPaymentProvider,
  RefundRequest,
  RefundResult,
} from './provider-types.js';
import { STRIPE_SERVICE, describeDecline, isCardDecline, isMissingResource, toExternalError } from './stripe-errors.js';
import { notPaid, stripeTokenKind, verificationFromPaymentIntent, verificationFromSession } from './verification.js';

export interface StripeProviderOptions {
  /** secret key (STRIPE_SECRET_KEY) */
  apiKey: string;
  /** STRIPE_API_BASE, e.g. http://127.0.0.1:12111; default https://api.stripe.com */
  apiBase?: string;
  /** where Checkout sends the customer after paying; may contain `{CHECKOUT_SESSION_ID}` */
  successUrl: string;
  /** where Checkout sends the customer who gives up */
  cancelUrl: string;
  /** ms per request attempt */
  timeoutMs: number;
  /** SDK retries with backoff on connection errors and 5xx (default 2); 0 fails fast */
  maxNetworkRetries?: number;
  /** for the Checkout expiry floor; Stripe judges it by its own clock, so keep this the real time */
  clock?: Clock;
}

const STRIPE_REFUND_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);

export class StripePaymentProvider implements RefundingPaymentProvider, OffSessionPaymentProvider {
  readonly name = 'stripe';
  private readonly stripe: Stripe;
  private readonly apiBase: string;
  private readonly clock: Clock;

  constructor(private readonly options: StripeProviderOptions) {
    this.stripe = createStripeClient(options);
    this.apiBase = options.apiBase ?? 'https://api.stripe.com';
    this.clock = options.clock ?? systemClock;
  }

  /**
   * One checkout per reservation, however often asked: the same key replays the first session; when the
   * first answer was lost and the parameters have moved on (idempotency_error), the session made then is
   * found and returned; when it has expired unseen, a new one is made under a key naming its expiry.
   */
  async createCheckout(req: CheckoutRequest): Promise<CheckoutResult> {
    const params = buildCheckoutSessionParams(req, this.options, this.clock.now());
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.checkout.sessions.create(params, { idempotencyKey: req.idempotencyKey });
    } catch (err) {
      if (!(err instanceof Stripe.errors.StripeIdempotencyError)) throw toExternalError(err, 'creating a checkout session', this.apiBase);
      const earlier = await this.call('finding the checkout session made earlier', () => findOpenSessionFor(this.stripe, req.reservationId, this.clock.now().getTime()));
      session = earlier ?? (await this.call('creating a checkout session', () =>
        this.stripe.checkout.sessions.create(params, { idempotencyKey: `${req.idempotencyKey}:expires:${params.expires_at}` })));
    }
    if (!session.url) {
      throw new ExternalError(STRIPE_SERVICE, `Stripe returned checkout session ${session.id} without a URL`, {
        hint: 'hosted Checkout must be enabled on the account (ui_mode hosted)',
      });
    }
    return { provider: this.name, paymentUrl: session.url, providerRef: session.id };
  }

  /** token: a Checkout Session id (`cs_...`, from the success URL) or a PaymentIntent id (`pi_...`). */
  async verifyPayment(token: string): Promise<PaymentVerification> {
    const trimmed = token.trim();
    const kind = stripeTokenKind(trimmed);
    if (!kind) return notPaid(trimmed, 'not a Stripe payment token (expected cs_... or pi_...)');
    try {
      if (kind === 'checkout_session') {
        const session = await this.stripe.checkout.sessions.retrieve(trimmed, { expand: ['payment_intent'] });
        return verificationFromSession(session);
      }
      return verificationFromPaymentIntent(await this.stripe.paymentIntents.retrieve(trimmed));
    } catch (err) {
      if (isMissingResource(err)) return notPaid(trimmed, `Stripe knows no ${kind.replace('_', ' ')} ${trimmed}`);
      throw toExternalError(err, `verifying payment ${trimmed}`, this.apiBase);
    }
  }

  async refund(req: RefundRequest): Promise<RefundResult> {
    const metadata: Record<string, string> = req.reason ? { reason: req.reason.slice(0, 500) } : {};
    const refund = await this.call(`refunding ${req.paymentRef}`, () =>
      this.stripe.refunds.create(
        {
          payment_intent: req.paymentRef,
          amount: req.amountMinor,
          metadata,
          ...(req.reason && STRIPE_REFUND_REASONS.has(req.reason)
            ? { reason: req.reason as Stripe.RefundCreateParams.Reason }
            : {}),
        },
        { idempotencyKey: req.idempotencyKey },
      ),
    );
    return { refundRef: refund.id, status: refund.status ?? 'unknown' };
  }

  /** Charge a saved card without the customer (overstay at exit). A decline is an answer, not a throw. */
  async chargeOffSession(req: OffSessionChargeRequest): Promise<OffSessionChargeResult> {
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: req.amountMinor,
          currency: req.currency.toLowerCase(),
          customer: req.customerRef,
          payment_method: req.paymentMethodRef,
          off_session: true,
          confirm: true,
          // no customer to redirect: a method that needs a redirect must fail, not hang
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          metadata: req.metadata,
        },
        { idempotencyKey: req.idempotencyKey },
      );
      if (intent.status === 'succeeded') return { paid: true, providerRef: intent.id };
      return { paid: false, providerRef: intent.id, reason: `payment ${intent.id} is ${intent.status}` };
    } catch (err) {
      if (isCardDecline(err)) {
        return { paid: false, providerRef: err.payment_intent?.id ?? null, reason: describeDecline(err) };
      }
      if (isMissingResource(err)) {
        return { paid: false, providerRef: null, reason: `the saved card is gone at Stripe: ${err.message}` };
      }
      throw toExternalError(err, 'charging a saved card', this.apiBase);
    }
  }

  private async call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw toExternalError(err, action, this.apiBase);
    }
  }
}
