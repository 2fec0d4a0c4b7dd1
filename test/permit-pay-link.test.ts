// Issue 15: a permit renewed from a Stripe Checkout link (`permit renew <id> --method link`), against the
// local Stripe fake and the webhook listener over real HTTP: renewed once per Stripe payment, by the same
// path as the desk; and an unpaid permit past its grace is refused at the gate with an alert for the desk.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAllowList } from '../src/core/gate/allow-list.js';
import { decide } from '../src/core/gate/decide.js';
import { PgGateStore } from '../src/core/gate-daemon/store.js';
import { handleProviderEvent } from '../src/core/payments/webhook.js';
import { silentLogger } from '../src/core/ports.js';
import { signStripeWebhookForTest } from '../src/drivers/stripe/index.js';
import { startStripeWebhookServer, type WebhookServer } from '../src/drivers/stripe/webhook-server.js';
import { runCli } from './support/cli.js';
import { gateRoleTestUrl } from './support/db.js';
import { countRows, startPaymentsHarness, type PaymentsHarness } from './support/payments-fixture.js';

const secret = 'whsec_test_parkctl';
let h: PaymentsHarness;
let server: WebhookServer;
const env = () => ({ ...h.env, PARKCTL_NOW: h.clock.now().toISOString() });

beforeAll(async () => {
  h = await startPaymentsHarness({ code: 'PLINK', spots: 5, policy: { walk_ins: true, permits: { payment_grace_days: 3 } } });
  server = await startStripeWebhookServer({ host: '127.0.0.1', port: 0, secret, logger: silentLogger, onEvent: (e) => handleProviderEvent(h.deps(), e) });
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});

let eventNo = 0;
function stripeEvent(type: string, object: unknown) {
  return JSON.stringify({ id: `evt_plink_${++eventNo}`, object: 'event', api_version: '2025-01-27', created: Math.floor(Date.now() / 1000), type, data: { object }, livemode: false, pending_webhooks: 1 });
}
async function post(payload: string) {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signStripeWebhookForTest(payload, secret) }, body: payload });
  return (await res.json()) as Record<string, unknown>;
}
async function permit(plate: string, from: string): Promise<string> {
  const r = await runCli(['--json', 'permit', 'create', '--lot', 'PLINK', '--holder', `Holder ${plate}`, '--plate', plate, '--from', from, '--until', '2032-01-01', '--price-minor', '12000', '--every', 'month'], env());
  expect(r.stderr).toBe('');
  return (r.json as { permitId: string }).permitId;
}

describe('permit renew --method link', () => {
  it('links the price of the periods; the webhook renews once, as the desk would', async () => {
    const id = await permit('LNK1', '2031-03-01');
    const link = await runCli(['--json', 'permit', 'renew', id, '--lot', 'PLINK', '--method', 'link', '--periods', '2'], env());
    expect(link.stderr).toBe('');
    expect(link.json).toMatchObject({ permitId: id, periods: 2, amountMinor: 24000, currency: 'GBP', paymentUrl: expect.stringMatching(/^https?:\/\//) });
    const cs = (link.json as { providerRef: string }).providerRef;
    expect(h.fake.object(cs)).toMatchObject({ metadata: { purpose: 'permit', permit_id: id, periods: '2' } });

    const paid = h.fake.markSessionPaid(cs);
    expect(await post(stripeEvent('checkout.session.completed', h.fake.object(cs)))).toMatchObject({ duplicate: false, outcome: `permit ${id} renewed to 2031-04-30T23:00:00.000Z` }); // 1 May, midnight in London (BST)
    expect(await post(stripeEvent('payment_intent.succeeded', h.fake.object(paid.paymentIntentId)))).toMatchObject({ outcome: `permit ${id}: payment ${paid.paymentIntentId} recorded before` });
    expect(await countRows(h, `select 1 from payments where permit_id = $1 and provider = 'stripe' and purpose = 'permit' and amount_minor = 24000`, [id])).toBe(1);
    const shown = await runCli(['--json', 'permit', 'show', id, '--lot', 'PLINK'], env());
    expect(shown.json).toMatchObject({ paidUntil: '2031-04-30T23:00:00.000Z' });

    const noKey = await runCli(['permit', 'renew', id, '--lot', 'PLINK', '--method', 'link', '--key', 'k1'], env());
    expect(noKey.code).toBe(2);
    const cashOnly = await runCli(['permit', 'renew', id, '--lot', 'PLINK', '--method', 'link'], { DATABASE_URL: h.db.url, PARKCTL_NOW: h.clock.now().toISOString() });
    expect(cashOnly.code).toBe(3);
    expect(cashOnly.stderr).toContain('a payment link needs Stripe');
  });
});

describe('an unpaid permit past its grace', () => {
  it('is refused at the gate, and the desk gets one alert an hour for it', async () => {
    const id = await permit('LATE1', '2031-02-01'); // never paid: past 1 February + 3 days
    const pool = new pg.Pool({ connectionString: gateRoleTestUrl(h.db.url), max: 2 });
    try {
      const store = new PgGateStore(pool, { lotCode: 'PLINK', gateId: 'north-in', direction: 'entry', clock: h.clock });
      const now = h.clock.now();
      const d = decide(buildAllowList(await store.loadSnapshot(now, 24)), { kind: 'plate', plate: 'LATE1', confidence: 0.95, source: 'cam', readId: 'r1', at: now }, { direction: 'entry', now, armed: true });
      expect(d).toMatchObject({ allow: false, reason: 'PERMIT_UNPAID', sign: 'SEE ATTENDANT', permitId: id });
      const refusal = (seq: number, at: Date) => ({
        seq, record: { kind: 'entry', occurredAt: at.toISOString(), plate: 'LATE1', credential: null, decision: d.reason, allow: false, reservationId: null, visitId: null, amountDueMinor: 0, detail: { permitId: id } },
      });
      await store.pushEvents([refusal(1, now), refusal(2, new Date(now.getTime() + 60_000))]);
      await store.pushEvents([refusal(3, new Date(now.getTime() + 10 * 60_000))]); // the car tries again: still one alert
      const alerts = await h.db.pool.query(`select actor, reason, detail->>'permit_id' as permit from events where kind = 'alert.permit_unpaid'`);
      expect(alerts.rows).toEqual([{ actor: 'gate:north-in', reason: 'LATE1 refused at north-in: the permit of Holder LATE1 is unpaid past its grace', permit: id }]);
      await store.pushEvents([refusal(4, new Date(now.getTime() + 2 * 3_600_000))]); // two hours later: told again
      expect(await countRows(h, `select 1 from events where kind = 'alert.permit_unpaid'`)).toBe(2);
    } finally {
      await pool.end();
    }
  });
});
