// Third-party gates over HTTP (arrive, depart, the fee, paying it), the Server-Sent Events stream, the
// Stripe webhook through the API, and 64 concurrent clients racing for the last spots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOverlaps } from '../src/core/sql/reservations.js';
import { signStripeWebhookForTest, StripePaymentProvider } from '../src/drivers/stripe/index.js';
import { call, startApiHarness, type ApiHarness } from './support/api.js';
import { startStripeFake, type StripeFake } from './support/stripe-fake.js';

let h: ApiHarness;
let operator: string;
let partner: string;
const at = (hoursFromT0: number) => new Date(Date.UTC(2031, 2, 3, 8) + hoursFromT0 * 3_600_000).toISOString();

beforeAll(async () => {
  h = await startApiHarness({ lot: { code: 'GATES', spots: 10 }, poolSize: 12 });
  operator = await h.key('operator');
  partner = await h.key('partner', ['GATES']);
});
afterAll(() => h.close());

describe('visits for third-party gates', () => {
  it('arrive -> depart late -> the fee -> pay it; a customer key may not open gates', async () => {
    const r = (await call(h, 'POST', '/v1/reservations', { key: operator, body: { lot: 'GATES', type: 'regular', from: at(0), to: at(1), plate: 'GATE1' } })).body;
    expect((await call(h, 'POST', `/v1/reservations/${r.reservationId}/complete`, { key: operator, body: { paymentToken: `cash:${r.reservationId}:${r.priceMinor}:GBP` } })).status).toBe(200);

    const customer = await h.key('customer');
    expect((await call(h, 'POST', '/v1/lots/GATES/arrivals', { key: customer, headers: { 'parkctl-customer': 'c' }, body: { plate: 'GATE1' } })).status).toBe(403);
    const arrived = await call(h, 'POST', '/v1/lots/GATES/arrivals', { key: partner, body: { plate: 'gate 1', gate: 'north-in' } });
    expect(arrived).toMatchObject({ status: 201, body: { visit: { plate: 'GATE1', entryGate: 'north-in', reservationId: r.reservationId }, spotLabel: r.spotLabel } });
    expect(await call(h, 'POST', '/v1/lots/GATES/arrivals', { key: partner, body: { plate: 'GATE1' } })).toMatchObject({ status: 409, body: { error: { code: 'already_inside' } } });
    expect(await call(h, 'POST', '/v1/lots/GATES/arrivals', { key: partner, body: {} })).toMatchObject({ status: 422, body: { error: { code: 'no_credential' } } });

    h.clock.advanceMinutes(90); // 30 min past the end
    const left = await call(h, 'POST', '/v1/lots/GATES/departures', { key: partner, body: { plate: 'GATE1', gate: 'north-out' } });
    expect(left).toMatchObject({ status: 200, body: { overstayMinutes: 30, amountDueMinor: 100, amountOutstandingMinor: 100 } });
    expect(await call(h, 'POST', '/v1/lots/GATES/departures', { key: partner, body: { plate: 'GATE1' } })).toMatchObject({ status: 409, body: { error: { code: 'not_inside' } } });

    const visitId = arrived.body.visit.visitId;
    expect(await call(h, 'GET', `/v1/visits/${visitId}`, { key: partner })).toMatchObject({ status: 200, body: { amountDueMinor: 100, amountPaidMinor: 0, outstandingMinor: 100, currency: 'GBP' } });
    const paid = await call(h, 'POST', `/v1/visits/${visitId}/payments`, { key: partner, body: { method: 'card' } });
    expect(paid).toMatchObject({ status: 201, body: { outstandingMinor: 0, payment: { amountMinor: 100 } } });
    expect(await call(h, 'POST', `/v1/visits/${visitId}/payments`, { key: partner, body: { method: 'card' } })).toMatchObject({ status: 409, body: { error: { code: 'nothing_due' } } });
    expect(await call(h, 'GET', '/v1/visits/00000000-0000-4000-8000-000000000000', { key: partner })).toMatchObject({ status: 404 });
    h.clock.advanceMinutes(-90);
  });
});

describe('Server-Sent Events', () => {
  it('streams the lot\'s status at once, then again after a change', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.url}/v1/lots/GATES/events`, { headers: { authorization: `Bearer ${partner}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let buffer = '';
    const nextStatus = async (): Promise<{ totals: { free: number; held: number } }> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').find((l) => l.startsWith('data: '));
          if (message.includes('event: status') && data) return JSON.parse(data.slice(6));
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += new TextDecoder().decode(value);
      }
    };
    const first = await nextStatus();
    const booked = await call(h, 'POST', '/v1/reservations', { key: operator, body: { lot: 'GATES', type: 'regular', from: at(0), to: at(3), plate: 'SSE1' } });
    expect(booked.status).toBe(201);
    let later = await nextStatus();
    while (later.totals.held === first.totals.held) later = await nextStatus();
    expect(later.totals.held).toBe(first.totals.held + 1);
    expect(later.totals.free).toBe(first.totals.free - 1);
    controller.abort();
  });
});

describe('the Stripe webhook', () => {
  let fake: StripeFake;
  let stripeApi: ApiHarness;
  beforeAll(async () => {
    fake = await startStripeFake();
    const payments = new StripePaymentProvider({ apiKey: 'sk_test_parkctl', apiBase: fake.apiBase, successUrl: 'https://lot.example/ok', cancelUrl: 'https://lot.example/no', timeoutMs: 5_000, maxNetworkRetries: 0 });
    stripeApi = await startApiHarness({ lot: { code: 'HOOKS' }, payments, stripeWebhookSecret: 'whsec_api' });
  });
  afterAll(async () => {
    await stripeApi.close();
    await fake.close();
  });

  it('a signed checkout.session.completed confirms the booking (as payments webhook does); a bad signature is 400 and changes nothing', async () => {
    const key = await stripeApi.key('customer');
    const r = (await call(stripeApi, 'POST', '/v1/reservations', { key, headers: { 'parkctl-customer': 'c-hook' }, body: { lot: 'HOOKS', type: 'regular', from: at(2), to: at(4), plate: 'HOOK1' } })).body;
    expect(r.paymentUrl).toMatch(/^http/);
    const { rows } = await stripeApi.db.pool.query<{ ref: string }>(`select coalesce(checkout_ref, payment_ref) as ref from reservations where reservation_id = $1`, [r.reservationId]);
    const cs = rows[0]!.ref;
    fake.markSessionPaid(cs);
    const payload = JSON.stringify({ id: 'evt_api_1', object: 'event', api_version: '2025-01-27', created: Math.floor(Date.now() / 1000), type: 'checkout.session.completed', data: { object: fake.object(cs) }, livemode: false, pending_webhooks: 1 });

    const forged = await call(stripeApi, 'POST', '/v1/webhooks/stripe', { body: payload, headers: { 'stripe-signature': signStripeWebhookForTest(payload, 'whsec_other') } });
    expect(forged).toMatchObject({ status: 400, body: { error: { code: 'bad_signature' } } });
    expect((await call(stripeApi, 'GET', `/v1/reservations/${r.reservationId}`, { key, headers: { 'parkctl-customer': 'c-hook' } })).body.status).toBe('TENTATIVE');

    const ok = await call(stripeApi, 'POST', '/v1/webhooks/stripe', { body: payload, headers: { 'stripe-signature': signStripeWebhookForTest(payload, 'whsec_api') } });
    expect(ok).toMatchObject({ status: 200, body: { received: true, duplicate: false, outcome: `confirmed ${r.reservationId}` } });
    const replay = await call(stripeApi, 'POST', '/v1/webhooks/stripe', { body: payload, headers: { 'stripe-signature': signStripeWebhookForTest(payload, 'whsec_api') } });
    expect(replay).toMatchObject({ status: 200, body: { duplicate: true } });
    expect((await call(stripeApi, 'GET', `/v1/reservations/${r.reservationId}`, { key, headers: { 'parkctl-customer': 'c-hook' } })).body.status).toBe('CONFIRMED');
  });
});

describe('64 concurrent clients for the last spots', () => {
  it('exactly as many succeed as were free; the rest are refused with 409; no overlaps', async () => {
    const window = { lot: 'GATES', type: 'regular', from: at(40), to: at(42) };
    // take 7 of the 10 regular spots first: 3 are left
    for (let i = 0; i < 7; i++) expect((await call(h, 'POST', '/v1/reservations', { key: operator, body: { ...window, plate: `PRE${i}` } })).status).toBe(201);
    const free = (await call(h, 'GET', `/v1/lots/GATES/availability?type=regular&from=${window.from}&to=${window.to}`, { key: operator })).body.free;
    expect(free).toBe(3);
    const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => call(h, 'POST', '/v1/reservations', { key: operator, body: { ...window, plate: `RUSH${i}` } })));
    const byStatus = answers.reduce<Record<number, number>>((acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }), {});
    expect(byStatus).toEqual({ 201: 3, 409: 61 });
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error.code).toBe('no_spot_free');
    expect(await countOverlaps(h.db.pool)).toBe(0);
  });
});
