// Issue 15: a ticket paid from a Stripe Checkout link (`ticket pay N --card-link`), against the local
// Stripe fake and the webhook listener over real HTTP: the link asks for what the ticket owes now and
// names the ticket (not a booking); the signed checkout.session.completed pays it once (re-verified with
// Stripe), and the car then has the lot's grace to leave; replays and the matching payment_intent event
// record nothing twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleProviderEvent } from '../src/core/payments/webhook.js';
import { silentLogger } from '../src/core/ports.js';
import { selectTicketByNumber } from '../src/core/sql/tickets.js';
import { arrive } from '../src/core/visits.js';
import { signStripeWebhookForTest } from '../src/drivers/stripe/index.js';
import { startStripeWebhookServer, type WebhookServer } from '../src/drivers/stripe/webhook-server.js';
import { jsonShapes } from '../src/core/json/schemas.js';
import { runCli } from './support/cli.js';
import { countRows, startPaymentsHarness, type PaymentsHarness } from './support/payments-fixture.js';

const secret = 'whsec_test_parkctl';
let h: PaymentsHarness;
let server: WebhookServer;
const env = () => ({ ...h.env, PARKCTL_NOW: h.clock.now().toISOString() });

beforeAll(async () => {
  h = await startPaymentsHarness({ code: 'TLINK', spots: 5, policy: { walk_ins: true } });
  server = await startStripeWebhookServer({ host: '127.0.0.1', port: 0, secret, logger: silentLogger, onEvent: (e) => handleProviderEvent(h.deps(), e) });
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});

let eventNo = 0;
function stripeEvent(type: string, object: unknown) {
  return JSON.stringify({ id: `evt_tlink_${++eventNo}`, object: 'event', api_version: '2025-01-27', created: Math.floor(Date.now() / 1000), type, data: { object }, livemode: false, pending_webhooks: 1 });
}
async function post(payload: string) {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signStripeWebhookForTest(payload, secret) }, body: payload });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('ticket pay --card-link', () => {
  it('links what the ticket owes; the webhook pays it once and starts the grace to leave', async () => {
    const a = await arrive({ pool: h.db.pool, clock: h.clock, actor: 'test' }, h.lot, { plate: 'LINK1', gate: 'in', walkIn: true });
    const { number } = (await h.db.pool.query<{ number: string }>(`select number from tickets where visit_id = $1`, [a.visit.visit_id])).rows[0]!;
    h.clock.advanceMinutes(120);

    const link = await runCli(['--json', 'ticket', 'pay', number, '--lot', 'TLINK', '--card-link'], env());
    expect(link.stderr).toBe('');
    expect(link.json).toMatchObject({ number, amountMinor: 400, currency: 'GBP', paymentUrl: expect.stringMatching(/^https?:\/\//) });
    expect(jsonShapes.TicketPayLink.safeParse(link.json).error).toBeUndefined();
    const cs = (link.json as { providerRef: string }).providerRef;
    const created = h.fake.object(cs)!;
    expect(created).toMatchObject({ client_reference_id: expect.any(String), metadata: { purpose: 'ticket', ticket_number: number, visit_id: a.visit.visit_id } });
    expect((created.metadata as Record<string, unknown>).reservation_id).toBeUndefined();
    // asked again for the same amount: the same session
    const again = await runCli(['--json', 'ticket', 'pay', number, '--lot', 'TLINK', '--card-link'], env());
    expect((again.json as { providerRef: string }).providerRef).toBe(cs);
    expect((await selectTicketByNumber(h.db.pool, h.lot.lotId, number))!.status).toBe('open'); // a link is not a payment

    h.clock.advanceMinutes(5);
    const paid = h.fake.markSessionPaid(cs);
    const first = await post(stripeEvent('checkout.session.completed', h.fake.object(cs)));
    expect(first).toMatchObject({ status: 200, body: { duplicate: false, outcome: `ticket ${number} paid 400` } });
    const t = (await selectTicketByNumber(h.db.pool, h.lot.lotId, number))!;
    expect(t).toMatchObject({ status: 'paid', amount_paid_minor: 400, exit_by: new Date(h.clock.now().getTime() + 15 * 60_000) });
    expect((await post(stripeEvent('checkout.session.completed', h.fake.object(cs)))).body).toMatchObject({ duplicate: false, outcome: `ticket ${number}: payment ${paid.paymentIntentId} recorded before` });
    expect((await post(stripeEvent('payment_intent.succeeded', h.fake.object(paid.paymentIntentId)))).body).toMatchObject({ outcome: `ticket ${number}: payment ${paid.paymentIntentId} recorded before` });
    expect(await countRows(h, `select 1 from payments where visit_id = $1 and provider = 'stripe'`, [a.visit.visit_id])).toBe(1);
    const show = await runCli(['--json', 'ticket', 'show', number, '--lot', 'TLINK'], env());
    expect(show.json).toMatchObject({ status: 'paid', dueMinor: 0, paidMinor: 400 });

    const nothing = await runCli(['ticket', 'pay', number, '--lot', 'TLINK', '--card-link'], env());
    expect(nothing.code).toBe(3);
    expect(nothing.stderr).toContain('nothing is owed');
  });

  it('needs Stripe: with the cash provider it says so', async () => {
    const a = await arrive({ pool: h.db.pool, clock: h.clock, actor: 'test' }, h.lot, { plate: 'LINK2', gate: 'in', walkIn: true });
    const { number } = (await h.db.pool.query<{ number: string }>(`select number from tickets where visit_id = $1`, [a.visit.visit_id])).rows[0]!;
    h.clock.advanceMinutes(60);
    const cli = await runCli(['ticket', 'pay', number, '--lot', 'TLINK', '--card-link'], { DATABASE_URL: h.db.url, PARKCTL_NOW: h.clock.now().toISOString() });
    expect(cli.code).toBe(3);
    expect(cli.stderr).toContain('a card link needs Stripe');
    const mixed = await runCli(['ticket', 'pay', number, '--lot', 'TLINK', '--card-link', '--cash'], env());
    expect(mixed.code).toBe(2);
  });
});
