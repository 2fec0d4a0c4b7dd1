// The Stripe webhook listener over real HTTP: signed events confirm bookings through the same path as
// `booking complete`, a bad signature is a 400 that changes nothing, a replayed event changes nothing,
// failures are recorded; and `payments webhook --listen` serves until told to stop.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppContext } from '../src/commands/context.js';
import { Output } from '../src/commands/output.js';
import { serveWebhooks } from '../src/commands/payments.js';
import { loadConfig } from '../src/config.js';
import { handleProviderEvent } from '../src/core/payments/webhook.js';
import { getReservation } from '../src/core/reservations/lifecycle.js';
import { silentLogger } from '../src/core/ports.js';
import { signStripeWebhookForTest } from '../src/drivers/stripe/index.js';
import { startStripeWebhookServer, type WebhookServer } from '../src/drivers/stripe/webhook-server.js';
import { book, checkoutOf, countRows, startPaymentsHarness, type PaymentsHarness } from './support/payments-fixture.js';

const secret = 'whsec_test_parkctl';
let h: PaymentsHarness;
let server: WebhookServer;
let nextStart = 0;
const window = () => (nextStart += 6);

beforeAll(async () => {
  h = await startPaymentsHarness({ code: 'PAYW' });
  server = await startStripeWebhookServer({ host: '127.0.0.1', port: 0, secret, logger: silentLogger, onEvent: (e) => handleProviderEvent(h.deps(), e) });
});
beforeEach(() => h.fake.reset());
afterAll(async () => {
  await server.close();
  await h.close();
});

let eventNo = 0;
function stripeEvent(type: string, object: unknown, id = `evt_test_${++eventNo}`) {
  return JSON.stringify({ id, object: 'event', api_version: '2025-01-27', created: Math.floor(Date.now() / 1000), type, data: { object }, livemode: false, pending_webhooks: 1 });
}

async function post(url: string, payload: string, signature = signStripeWebhookForTest(payload, secret)) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function paidSession(plate: string) {
  const r = await book(h, { plate, startInHours: window() });
  const cs = await checkoutOf(h, r.reservationId);
  const paid = h.fake.markSessionPaid(cs);
  return { r, cs, paid, session: h.fake.object(cs)! };
}

describe('Stripe webhooks', () => {
  it('checkout.session.completed confirms the booking; the replay and the matching payment_intent.succeeded change nothing', async () => {
    const { r, paid, session } = await paidSession('HOOK1');
    const payload = stripeEvent('checkout.session.completed', session);

    const first = await post(server.url, payload);
    expect(first).toMatchObject({ status: 200, body: { duplicate: false, outcome: `confirmed ${r.reservationId}` } });
    expect(await getReservation(h.db.pool, r.reservationId)).toMatchObject({ status: 'CONFIRMED', payment_ref: paid.paymentIntentId });
    const requestsAfterFirst = h.fake.requests.length;

    const replay = await post(server.url, payload);
    expect(replay).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(h.fake.requests.length).toBe(requestsAfterFirst); // not even re-verified
    const intent = await post(server.url, stripeEvent('payment_intent.succeeded', h.fake.object(paid.paymentIntentId)));
    expect(intent.body).toMatchObject({ duplicate: false, outcome: `already_confirmed ${r.reservationId}` });
    expect(await countRows(h, `select 1 from payments where reservation_id = $1`, [r.reservationId])).toBe(1);
    expect(await countRows(h, `select 1 from events where reservation_id = $1 and kind = 'reservation.confirmed'`, [r.reservationId])).toBe(1);
  });

  it('a bad signature is a 400 and changes nothing', async () => {
    const { r, session } = await paidSession('HOOK2');
    const payload = stripeEvent('checkout.session.completed', session, 'evt_forged');
    const requestsBefore = h.fake.requests.length;
    const forged = await post(server.url, payload, signStripeWebhookForTest(payload, 'whsec_not_the_secret'));
    const tampered = await post(server.url, payload.replace('"livemode":false', '"livemode":true '), signStripeWebhookForTest(payload, secret));

    expect(forged.status).toBe(400);
    expect(tampered.status).toBe(400);
    expect((await getReservation(h.db.pool, r.reservationId)).status).toBe('TENTATIVE');
    expect(await countRows(h, `select 1 from webhook_events where event_id = 'evt_forged'`)).toBe(0);
    expect(h.fake.requests).toHaveLength(requestsBefore); // not even verified with Stripe
    expect((await post(server.url, payload)).body).toMatchObject({ outcome: `confirmed ${r.reservationId}` }); // the real one still works
  });

  it('payment_intent.payment_failed is recorded against the booking', async () => {
    const r = await book(h, { plate: 'HOOK3', startInHours: window() });
    const intent = { id: 'pi_test_failed_1', object: 'payment_intent', status: 'requires_payment_method', metadata: { reservation_id: r.reservationId },
      last_payment_error: { code: 'card_declined', message: 'Your card was declined.' } };
    const res = await post(server.url, stripeEvent('payment_intent.payment_failed', intent));
    expect(res.body).toMatchObject({ outcome: 'failure recorded' });
    const { rows } = await h.db.pool.query(`select reason from events where kind = 'payment.failed' and reservation_id = $1`, [r.reservationId]);
    expect(rows).toEqual([{ reason: 'card_declined: Your card was declined.' }]);
    expect((await getReservation(h.db.pool, r.reservationId)).status).toBe('TENTATIVE');
  });

  it('Stripe unreachable while verifying: 503, and the redelivery confirms', async () => {
    const { r, session } = await paidSession('HOOK4');
    const payload = stripeEvent('checkout.session.completed', session);
    h.fake.setDown(true);
    expect((await post(server.url, payload)).status).toBe(503);
    h.fake.setDown(false);
    expect((await post(server.url, payload)).body).toMatchObject({ duplicate: false, outcome: `confirmed ${r.reservationId}` });
  });
});

describe('parkctl payments webhook --listen', () => {
  it('serves signed events until stopped, logging JSON lines to stderr', async () => {
    const { r, session } = await paidSession('HOOK5');
    let stderr = '';
    const ctx = new AppContext(loadConfig(h.env, false), {}, new Output(true, () => {}, (t) => { stderr += t; }));
    const stop = new AbortController();
    const serving = serveWebhooks(ctx, '127.0.0.1:0', stop.signal);
    try {
      // the server logs its URL once it listens (seconds at load 20): poll, bounded at 60 s against a hang
      for (const deadline = Date.now() + 60_000; !stderr.includes('"url"') && Date.now() < deadline;) await new Promise((res) => setTimeout(res, 25));
      const url = (JSON.parse(stderr.split('\n')[0]!) as { url: string }).url;
      const res = await post(url, stripeEvent('checkout.session.completed', session));
      expect(res.status).toBe(200);
      expect((await getReservation(h.db.pool, r.reservationId)).status).toBe('CONFIRMED');
    } finally {
      stop.abort();
      await serving;
      await ctx.close();
    }
    const lines = stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(['listening for Stripe webhooks', 'webhook handled', 'webhook listener stopped']);
  });

  it('refuses to start without the signing secret', async () => {
    const env = { ...h.env, STRIPE_WEBHOOK_SECRET: '' };
    const ctx = new AppContext(loadConfig(env, false), {}, new Output(true, () => {}, () => {}));
    await expect(serveWebhooks(ctx, '127.0.0.1:0', new AbortController().signal)).rejects.toMatchObject({ code: 'no_webhook_secret' });
    await ctx.close();
  });
});
