// Stripe payment driver: the public surface for src/config.ts and the commands.
export { StripePaymentProvider, type StripeProviderOptions } from './stripe-provider.js';
export { verifyStripeWebhook, signStripeWebhookForTest, WEBHOOK_TOLERANCE_SECONDS } from './webhooks.js';
export { checkoutExpiresAtSeconds, buildCheckoutSessionParams } from './checkout-params.js';
export { parseApiBase } from './client.js';
export type {
  RefundRequest,
  RefundResult,
  OffSessionChargeRequest,
  OffSessionChargeResult,
  RefundingPaymentProvider,
  OffSessionPaymentProvider,
} from './provider-types.js';
