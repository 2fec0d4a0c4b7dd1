// The Stripe webhook listener (`parkctl payments webhook --listen HOST:PORT`): node:http, the raw body
// kept byte for byte for the signature, the event read into core's ProviderEvent and handed on.
// Answers: 200 handled (also for replays and events we ignore), 400 bad signature or body (nothing
// changes), 405/413 misuse, 503 when a service behind us failed (Stripe delivers again later), 500 a bug.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { ExternalError, UserError } from '../../core/errors.js';
import type { ProviderEvent, WebhookResult } from '../../core/payments/webhook.js';
import type { Logger } from '../../core/ports.js';
import { verifyStripeWebhook } from './webhooks.js';

/** Stripe's events are a few kB; anything this big is not one. */
const maxBodyBytes = 1024 * 1024;

export interface WebhookServerOptions {
  host: string;
  /** 0: any free port (tests) */
  port: number;
  /** the endpoint's signing secret, whsec_... (STRIPE_WEBHOOK_SECRET) */
  secret: string;
  onEvent: (event: ProviderEvent) => Promise<WebhookResult>;
  logger: Logger;
  /** seconds a signature stays valid (Stripe's default 300) */
  toleranceSeconds?: number;
}

export interface WebhookServer {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function idOf(ref: string | { id: string } | null | undefined): string | null {
  if (!ref) return null;
  return typeof ref === 'string' ? ref : ref.id;
}

/** What core needs from a Stripe event; payments parkctl did not start for a reservation are `other`. */
export function providerEventFromStripe(event: Stripe.Event): ProviderEvent {
  const base = { provider: 'stripe', eventId: event.id, type: event.type };
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object;
      const paid = session.payment_status === 'paid';
      if (session.metadata?.purpose === 'permit') {
        return { ...base, kind: paid ? 'payment_succeeded' : 'other', paymentToken: session.id, reservationId: null, permitId: session.metadata.permit_id ?? null };
      }
      if (session.metadata?.purpose === 'ticket') {
        // a drive-up ticket's payment link (issue 15)
        return { ...base, kind: paid ? 'payment_succeeded' : 'other', paymentToken: session.id, reservationId: null, ticketId: session.metadata.ticket_id ?? null };
      }
      return { ...base, kind: paid ? 'payment_succeeded' : 'other', paymentToken: session.id, reservationId: session.metadata?.reservation_id ?? null };
    }
    case 'checkout.session.async_payment_failed': {
      const session = event.data.object;
      return { ...base, kind: 'payment_failed', paymentToken: session.id, reservationId: session.metadata?.reservation_id ?? null, failureReason: 'the delayed payment failed' };
    }
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed': {
      const intent = event.data.object;
      const failed = event.type === 'payment_intent.payment_failed';
      const reason = intent.last_payment_error ? [intent.last_payment_error.code, intent.last_payment_error.message].filter(Boolean).join(': ') : undefined;
      if (intent.metadata?.purpose === 'overstay') {
        // an off-session charge at the exit: it settles the visit's charge (its answer may have been lost)
        const visitId = intent.metadata.visit_id ?? null;
        return {
          ...base, kind: visitId ? (failed ? 'charge_failed' : 'charge_succeeded') : 'other', paymentToken: idOf(intent), reservationId: null, visitId,
          ...(failed ? { failureReason: reason ?? `payment ${intent.id} failed` } : {}),
        };
      }
      if (intent.metadata?.purpose === 'permit') {
        const permitId = intent.metadata.permit_id ?? null;
        return { ...base, kind: permitId && !failed ? 'payment_succeeded' : 'other', paymentToken: idOf(intent), reservationId: null, permitId };
      }
      if (intent.metadata?.purpose === 'ticket') {
        const ticketId = intent.metadata.ticket_id ?? null;
        return { ...base, kind: ticketId && !failed ? 'payment_succeeded' : 'other', paymentToken: idOf(intent), reservationId: null, ticketId };
      }
      const reservationId = intent.metadata?.reservation_id ?? null;
      return {
        ...base, kind: reservationId ? (failed ? 'payment_failed' : 'payment_succeeded') : 'other', paymentToken: idOf(intent), reservationId,
        ...(failed ? { failureReason: reason ?? `payment ${intent.id} failed` } : {}),
      };
    }
    default:
      return { ...base, kind: 'other', paymentToken: null, reservationId: null };
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBodyBytes) chunks.push(c);
    });
    req.on('end', () => resolve(size > maxBodyBytes ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startStripeWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: Record<string, unknown>) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    void (async () => {
      if (req.method !== 'POST') return reply(405, { error: 'POST Stripe events here' });
      const raw = await readBody(req);
      if (!raw) return reply(413, { error: 'body too large' });
      let event: Stripe.Event;
      try {
        event = verifyStripeWebhook(raw, String(req.headers['stripe-signature'] ?? ''), o.secret, o.toleranceSeconds);
      } catch (err) {
        o.logger.warn('webhook refused', { error: err instanceof Error ? err.message : String(err), remote: req.socket.remoteAddress });
        return reply(400, { error: err instanceof UserError ? err.message : 'not a Stripe event' });
      }
      try {
        const result = await o.onEvent(providerEventFromStripe(event));
        o.logger.info('webhook handled', { eventId: event.id, type: event.type, outcome: result.outcome, duplicate: result.duplicate });
        return reply(200, { received: true, ...result });
      } catch (err) {
        const external = err instanceof ExternalError;
        o.logger.error('webhook failed; Stripe will deliver it again', { eventId: event.id, type: event.type, error: err instanceof Error ? (external ? err.message : err.stack) : String(err) });
        return reply(external ? 503 : 500, { error: external ? err.message : 'internal error' });
      }
    })().catch((err: unknown) => {
      o.logger.error('webhook request broke', { error: String(err) });
      if (!res.headersSent) reply(500, { error: 'internal error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeIdleConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
