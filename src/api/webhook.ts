// The Stripe webhook, as `parkctl payments webhook` handles it: the raw body checked against the
// signature, the event read by the Stripe driver and handed to core's handleProviderEvent (each event
// id handled once). Authenticated by its signature, not an API key.
import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { handleProviderEvent } from '../core/payments/webhook.js';
import { UserError } from '../core/errors.js';
import { providerEventFromStripe } from '../drivers/stripe/webhook-server.js';
import { verifyStripeWebhook } from '../drivers/stripe/webhooks.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import { errorRef } from './schemas.js';

export function registerWebhookRoutes(app: FastifyInstance, deps: ApiDeps): void {
  void app.register(async (scope) => {
    // the signature is over the bytes as sent: keep them
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post('/v1/webhooks/stripe', {
      config: { public: true },
      schema: {
        summary: 'Stripe events (signed with the endpoint secret): a paid checkout confirms its booking', tags: ['payments'],
        headers: { type: 'object', required: ['stripe-signature'], properties: { 'stripe-signature': { type: 'string', minLength: 1, maxLength: 2000 } } },
        response: {
          200: { type: 'object', properties: { received: { type: 'boolean' }, outcome: { type: 'string' }, duplicate: { type: 'boolean' } } },
          400: errorRef, 503: errorRef,
        },
      },
    }, async (req) => {
      if (!deps.stripeWebhookSecret) throw new ApiError(503, 'no_webhook_secret', 'this server takes no Stripe webhooks', 'set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET', { 'retry-after': '60' });
      const raw = req.body;
      if (!Buffer.isBuffer(raw)) throw new ApiError(400, 'bad_request', 'a Stripe event is a JSON body');
      let event: Stripe.Event;
      try {
        event = verifyStripeWebhook(raw, String(req.headers['stripe-signature']), deps.stripeWebhookSecret);
      } catch (err) {
        deps.logger.warn('webhook refused', { error: err instanceof Error ? err.message : String(err), remote: req.ip });
        throw new ApiError(400, 'bad_signature', err instanceof UserError ? err.message : 'not a Stripe event');
      }
      const result = await handleProviderEvent({ pool: deps.pool, clock: deps.clock, payments: deps.payments, actor: 'webhook:stripe', logger: deps.logger, cache: deps.cache, notifier: deps.notifier }, providerEventFromStripe(event));
      deps.logger.info('webhook handled', { eventId: event.id, type: event.type, outcome: result.outcome, duplicate: result.duplicate });
      return { received: true, ...result };
    });
  });
}
