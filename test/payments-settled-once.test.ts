// Issue 19, items 5, 7 and 9 (invariant 9): a payment of a booking already settled is "already handled"
// (never refunded again), a checkout whose answer was lost is found again by `booking pay-link`, and a
// Stripe failure at reserve is named: a bad key is a configuration error, not an outage.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleProviderEvent } from '../src/core/payments/webhook.js';
import { cancelReservation, completeReservation } from '../src/core/reservations/lifecycle.js';
import { payLink } from '../src/core/payments/pay-link.js';
import { providerEventFromStripe } from '../src/drivers/stripe/webhook-server.js';
import type Stripe from 'stripe';
import { book, checkoutOf, startPaymentsHarness, type PaymentsHarness } from './support/payments-fixture.js';
import { runCli } from './support/cli.js';

let h: PaymentsHarness;
let next = 0;
/** distinct windows with the notice asked for (whole hours) */
const startIn = (noticeHours: number) => noticeHours + (next += 0.01);

beforeAll(async () => {
  h = await startPaymentsHarness({
    code: 'PAYS', spots: 10,
    policy: { walk_ins: true, refunds: [{ min_hours_before_start: 24, percent: 100 }, { min_hours_before_start: 2, percent: 50 }] },
  });
});
beforeEach(() => h.fake.reset());
afterAll(() => h.close());

const money = async (reservationId: string) => {
  const { rows } = await h.db.pool.query<{ paid: number; refunded: number }>(
    `select coalesce(sum(amount_minor) filter (where purpose = 'reservation' and status = 'succeeded'), 0)::integer as paid,
            coalesce(sum(amount_minor) filter (where purpose = 'refund' and status <> 'failed'), 0)::integer as refunded
       from payments where reservation_id = $1`, [reservationId]);
  return rows[0]!;
};
/** polls a condition (no fixed sleeps) */
async function waitUntil(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((resolve) => setTimeout(resolve, 50));
}
const deliverAll = async () => {
  for (const e of [...h.fake.events]) await handleProviderEvent(h.deps(), providerEventFromStripe(e as unknown as Stripe.Event));
};

describe('a payment of a booking already settled is already handled (item 5)', () => {
  it.each([
    { notice: 1, refunded: 0 },
    { notice: 5, refunded: 0.5 },
    { notice: 30, refunded: 1 },
  ])('cancelled $notice h ahead: complete again and the late webhooks refund nothing more', async ({ notice, refunded }) => {
    const r = await book(h, { plate: `SET${notice}`, startInHours: startIn(notice) });
    const cs = await checkoutOf(h, r.reservationId);
    h.fake.markSessionPaid(cs);
    await completeReservation(h.deps(), r.reservationId, cs);
    await cancelReservation(h.deps(), r.reservationId, 'customer asked');
    expect(await money(r.reservationId)).toEqual({ paid: r.priceMinor, refunded: r.priceMinor * refunded });

    const again = await completeReservation(h.deps(), r.reservationId, cs);
    expect(again.status).toBe('CANCELLED');
    await deliverAll(); // checkout.session.completed and payment_intent.succeeded, after the cancel
    await deliverAll(); // and once more, as new deliveries of the same events
    expect(await money(r.reservationId)).toEqual({ paid: r.priceMinor, refunded: r.priceMinor * refunded });
    const refundsAtStripe = h.fake.objectsOfType('refund').reduce((sum, x) => sum + Number(x.amount), 0);
    expect(refundsAtStripe).toBe(r.priceMinor * refunded);
  });

  it('a webhook after the cancel says "already handled"', async () => {
    const r = await book(h, { plate: 'SETW', startInHours: startIn(1) });
    const cs = await checkoutOf(h, r.reservationId);
    h.fake.markSessionPaid(cs);
    await completeReservation(h.deps(), r.reservationId, cs);
    await cancelReservation(h.deps(), r.reservationId, 'customer asked');
    const completed = h.fake.events.find((e) => e.type === 'checkout.session.completed')!;
    const result = await handleProviderEvent(h.deps(), providerEventFromStripe(completed as unknown as Stripe.Event));
    expect(result.outcome).toBe(`already_handled ${r.reservationId}`);
  });
});

describe('booking pay-link after a lost answer (item 7)', () => {
  it('finds the checkout Stripe made when its answer was lost, and never makes a second one', async () => {
    h.fake.loseAnswers({ method: 'POST', pathPrefix: '/v1/checkout/sessions' });
    const askedAtMs = Date.now();
    const r = await book(h, { plate: 'LOST1', startInHours: startIn(30) });
    h.fake.loseAnswers(null);
    expect(r.paymentUrl).toBeNull();
    expect(r.paymentError).toMatchObject({ kind: 'answer_lost', service: 'Stripe' });
    expect(h.fake.objectsOfType('checkout.session')).toHaveLength(1); // it did happen at Stripe

    // a later second: the expiry asked for has moved on, so the same key alone would be an idempotency_error
    const firstParams = h.fake.requestsTo('POST', '/v1/checkout/sessions')[0]!.params;
    await waitUntil(() => Date.now() >= (Math.floor(askedAtMs / 1000) + 2) * 1000); // Stripe's expiry is in whole seconds
    const link = await payLink(h.deps(), r.reservationId);
    const again = await payLink(h.deps(), r.reservationId);
    const sessions = h.fake.objectsOfType('checkout.session');
    expect(sessions).toHaveLength(1);
    expect(link.checkoutRef).toBe(sessions[0]!.id);
    expect(link.paymentUrl).toBe(sessions[0]!.url);
    expect(again.paymentUrl).toBe(link.paymentUrl);
    const creates = h.fake.requestsTo('POST', '/v1/checkout/sessions');
    expect(new Set(creates.map((x) => x.idempotencyKey))).toEqual(new Set([`reservation:${r.reservationId}`]));
    expect(creates.at(-1)!.params.expires_at).not.toBe(firstParams.expires_at); // so Stripe said idempotency_error, and we looked it up
  });
});

describe('Stripe failures at reserve are named (item 9)', () => {
  const reserveArgs = (plate: string) => ['--json', 'booking', 'reserve', '--lot', 'PAYS', '--type', 'regular', '--from', '2031-03-10T10:00', '--to', '2031-03-10T12:00', '--plate', plate];

  it('a bad key: the hold stands, the answer says it is a configuration error, exit 69', async () => {
    const res = await runCli(reserveArgs('KEY1'), { ...h.env, STRIPE_SECRET_KEY: 'sk_test_revoked_key', PARKCTL_NOW: '2031-03-03T08:00:00Z' });
    expect(res.code).toBe(69);
    expect(res.json).toMatchObject({ status: 'TENTATIVE', paymentUrl: null, paymentError: { kind: 'configuration', service: 'Stripe' } });
    const err = (res.json as { paymentError: { message: string; hint: string } }).paymentError;
    expect(err.message).toContain('HTTP 401');
    expect(err.hint).toContain('STRIPE_SECRET_KEY');
    expect(res.stderr).toContain('not an outage');
    expect(res.stderr).toContain('booking pay-link');
    expect(res.stderr).not.toMatch(/unreachable/);
  });

  it('an outage: exit 0, the hold stands, the reason is given', async () => {
    h.fake.setDown('503');
    const res = await runCli(reserveArgs('DOWN1'), { ...h.env, PARKCTL_NOW: '2031-03-03T08:00:00Z' });
    expect(res.code).toBe(0);
    expect(res.json).toMatchObject({ status: 'TENTATIVE', paymentUrl: null, paymentError: { kind: 'unavailable', service: 'Stripe' } });
    expect((res.json as { paymentError: { message: string } }).paymentError.message).toContain('HTTP 503');
  });
});

describe('a second, different payment for one booking', () => {
  it('is written down as received and refunded in full, once, however often it is reported', async () => {
    const r = await book(h, { plate: 'TWICE1', startInHours: startIn(30) });
    const cs = await checkoutOf(h, r.reservationId);
    h.fake.markSessionPaid(cs);
    await completeReservation(h.deps(), r.reservationId, cs);
    // a second checkout for the same booking (made elsewhere), paid too
    const other = await h.stripe.createCheckout({
      reservationId: r.reservationId, lotId: h.lot.lotId, lotCode: h.lot.code, amountMinor: r.priceMinor, currency: 'GBP',
      expiresAt: new Date(Date.now() + 3_600_000), customerRef: 'x', idempotencyKey: `other:${r.reservationId}`,
    });
    const second = h.fake.markSessionPaid(other.providerRef!);
    await expect(completeReservation(h.deps(), r.reservationId, other.providerRef!)).rejects.toMatchObject({ code: 'duplicate_payment_refunded' });
    await deliverAll();
    await expect(completeReservation(h.deps(), r.reservationId, other.providerRef!)).rejects.toMatchObject({ code: 'duplicate_payment_refunded' });
    expect(await money(r.reservationId)).toEqual({ paid: 2 * r.priceMinor, refunded: r.priceMinor });
    expect(h.fake.objectsOfType('refund')).toEqual([expect.objectContaining({ payment_intent: second.paymentIntentId, amount: r.priceMinor })]);
    const { rows } = await h.db.pool.query(`select status, payment_status from reservations where reservation_id = $1`, [r.reservationId]);
    expect(rows[0]).toMatchObject({ status: 'CONFIRMED' });
  });
});
