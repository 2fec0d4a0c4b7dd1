// Checkout at reserve, `booking complete` with good and bad tokens, the saved card, pay-link after a
// Stripe outage, and late payments (re-take or refund, once) — against the Stripe fake and PostgreSQL.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RefusedError } from '../src/core/errors.js';
import { extendReservation } from '../src/core/reservations/extend.js';
import { completeReservation, getReservation } from '../src/core/reservations/lifecycle.js';
import { selectReservationMoney } from '../src/core/sql/payments.js';
import { book, checkoutOf, countRows, startPaymentsHarness, type PaymentsHarness } from './support/payments-fixture.js';
import { runCli } from './support/cli.js';

let h: PaymentsHarness;
/** each test books its own window of the lot's single regular spot */
let nextStart = 0;
const window = () => (nextStart += 6);

beforeAll(async () => {
  h = await startPaymentsHarness({ code: 'PAYC' });
});
beforeEach(() => h.fake.reset());
afterAll(() => h.close());

describe('checkout at reserve', () => {
  it('asks Stripe for the price, the lot currency, the reservation in metadata, keyed by the reservation id', async () => {
    const r = await book(h, { plate: 'CHK1', startInHours: window() });
    const sent = h.fake.requestsTo('POST', '/v1/checkout/sessions');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.idempotencyKey).toBe(`reservation:${r.reservationId}`);
    expect(sent[0]!.params).toMatchObject({
      mode: 'payment',
      metadata: { reservation_id: r.reservationId, lot_id: String(h.lot.lotId), lot_code: 'PAYC' },
      line_items: [{ quantity: '1', price_data: { currency: 'gbp', unit_amount: String(r.priceMinor) } }],
      payment_intent_data: { setup_future_usage: 'off_session', metadata: { reservation_id: r.reservationId } },
    });
    expect(r.priceMinor).toBe(400);
    expect(r.paymentUrl).toContain(h.fake.apiBase);
    expect(await checkoutOf(h, r.reservationId)).toMatch(/^cs_test_/);
  });
});

describe('booking complete', () => {
  it('a paid session confirms the booking and keeps the saved card references (never card data)', async () => {
    const r = await book(h, { plate: 'PAID1', startInHours: window() });
    const cs = await checkoutOf(h, r.reservationId);
    const paid = h.fake.markSessionPaid(cs);

    const confirmed = await completeReservation(h.deps(), r.reservationId, cs);
    expect(confirmed).toMatchObject({ status: 'CONFIRMED', payment_status: 'paid', payment_ref: paid.paymentIntentId });
    const money = await selectReservationMoney(h.db.pool, h.lot.lotId, r.reservationId);
    expect(money).toMatchObject({ payment_method_ref: paid.paymentMethodId, provider_customer_ref: paid.customerId });
    const again = await completeReservation(h.deps(), r.reservationId, paid.paymentIntentId); // a retried complete, by pi_
    expect(again.status).toBe('CONFIRMED');
    expect(await countRows(h, `select 1 from payments where reservation_id = $1 and purpose = 'reservation'`, [r.reservationId])).toBe(1);
  });

  it('an unpaid session is refused and the booking stays TENTATIVE', async () => {
    const r = await book(h, { plate: 'UNPAID1', startInHours: window() });
    const attempt = completeReservation(h.deps(), r.reservationId, await checkoutOf(h, r.reservationId));
    await expect(attempt).rejects.toBeInstanceOf(RefusedError);
    await expect(attempt).rejects.toMatchObject({ code: 'payment_not_verified', message: expect.stringContaining('payment unpaid') });
    expect((await getReservation(h.db.pool, r.reservationId)).status).toBe('TENTATIVE');
  });

  it('a payment of the wrong amount is refused', async () => {
    const r = await book(h, { plate: 'WRONGAMT', startInHours: window() });
    const short = await h.stripe.createCheckout({
      reservationId: r.reservationId, lotId: h.lot.lotId, lotCode: 'PAYC', amountMinor: r.priceMinor - 1, currency: 'GBP',
      expiresAt: r.holdExpiresAt!, customerRef: 'x', idempotencyKey: 'short-payment',
    });
    h.fake.markSessionPaid(short.providerRef!);
    await expect(completeReservation(h.deps(), r.reservationId, short.providerRef!)).rejects.toMatchObject({ message: expect.stringContaining(`amount ${r.priceMinor - 1} is not the price ${r.priceMinor}`) });
    expect((await getReservation(h.db.pool, r.reservationId)).status).toBe('TENTATIVE');
  });

  it("another reservation's payment is refused", async () => {
    const a = await book(h, { plate: 'OWNER1', startInHours: window() });
    const b = await book(h, { plate: 'OTHER1', startInHours: window() });
    const paidForA = await checkoutOf(h, a.reservationId);
    h.fake.markSessionPaid(paidForA);
    await expect(completeReservation(h.deps(), b.reservationId, paidForA)).rejects.toMatchObject({ message: expect.stringContaining(`for reservation ${a.reservationId}`) });
    expect((await getReservation(h.db.pool, b.reservationId)).status).toBe('TENTATIVE');
  });

  it('the CLI completes with a Stripe token (exit 0) and refuses a bad one (exit 3)', async () => {
    const r = await book(h, { plate: 'CLI1', startInHours: window() });
    const cs = await checkoutOf(h, r.reservationId);
    const now = ['--now', h.clock.now().toISOString()];
    const refused = await runCli([...now, '--json', 'booking', 'complete', r.reservationId, '--payment-token', cs], h.env);
    expect(refused.code).toBe(3);
    h.fake.markSessionPaid(cs);
    const ok = await runCli([...now, '--json', 'booking', 'complete', r.reservationId, '--payment-token', cs], h.env);
    expect(ok.code).toBe(0);
    expect(ok.json).toMatchObject({ reservationId: r.reservationId, status: 'CONFIRMED' });
  });
});

describe('Stripe down at reserve', () => {
  it('keeps the reservation; pay-link later creates the checkout under the same key, and gives the same link again', async () => {
    h.fake.setDown(true);
    const r = await book(h, { plate: 'DOWN1', startInHours: window() });
    expect(r.status).toBe('TENTATIVE');
    expect(r.paymentUrl).toBeNull();
    h.fake.setDown(false);

    const now = ['--now', h.clock.now().toISOString()];
    const first = await runCli([...now, '--json', 'booking', 'pay-link', r.reservationId], h.env);
    expect(first.code).toBe(0);
    const link = first.json as { paymentUrl: string; checkoutRef: string };
    expect(link.paymentUrl).toContain(`/pay/${link.checkoutRef}`);
    const again = await runCli([...now, '--json', 'booking', 'pay-link', r.reservationId], h.env);
    expect(again.json).toMatchObject({ paymentUrl: link.paymentUrl });

    const creates = h.fake.requestsTo('POST', '/v1/checkout/sessions');
    expect(creates.every((c) => c.idempotencyKey === `reservation:${r.reservationId}`)).toBe(true);
    expect(h.fake.objectsOfType('checkout.session')).toHaveLength(1);
    h.fake.markSessionPaid(link.checkoutRef);
    expect((await completeReservation(h.deps(), r.reservationId, link.checkoutRef)).status).toBe('CONFIRMED');
  });
});

describe('payment after the hold expired', () => {
  it('re-takes the free spot once, however often complete is retried or raced', async () => {
    const r = await book(h, { plate: 'LATE1', startInHours: window() });
    const cs = await checkoutOf(h, r.reservationId);
    h.clock.advanceMinutes(20);
    h.fake.markSessionPaid(cs);

    const [a, b] = await Promise.all([completeReservation(h.deps(), r.reservationId, cs), completeReservation(h.deps(), r.reservationId, cs)]);
    const retried = await completeReservation(h.deps(), r.reservationId, cs);
    expect(a.reservation_id).not.toBe(r.reservationId);
    expect([b.reservation_id, retried.reservation_id]).toEqual([a.reservation_id, a.reservation_id]);
    expect(a).toMatchObject({ status: 'CONFIRMED', payment_status: 'paid', spot_label: r.spotLabel, external_ref: `late:${r.reservationId}` });
    expect((await getReservation(h.db.pool, r.reservationId)).status).toBe('EXPIRED');
    expect(await countRows(h, `select 1 from reservations where external_ref = $1`, [`late:${r.reservationId}`])).toBe(1);
    expect(await countRows(h, `select 1 from payments where purpose = 'refund'`)).toBe(0);
    expect(h.fake.requestsTo('POST', '/v1/refunds')).toHaveLength(0);
  });

  it('a re-take keeps what an extension of the hold costs, owed at the exit', async () => {
    const r = await book(h, { plate: 'LATE3', startInHours: window() });
    const cs = await checkoutOf(h, r.reservationId);
    // 60 more minutes at the lot's 200 an hour, added while the hold ran
    expect((await extendReservation(h.deps(), h.lot, r.reservationId, 60)).extension_minor).toBe(200);
    h.clock.advanceMinutes(20);
    h.fake.markSessionPaid(cs);
    const retaken = await completeReservation(h.deps(), r.reservationId, cs);
    expect(retaken.reservation_id).not.toBe(r.reservationId);
    expect(retaken).toMatchObject({ status: 'CONFIRMED', extension_minor: 200 });
    expect(retaken.ends_at.getTime()).toBe(r.end.getTime() + 3_600_000);
  });

  it('refunds once when no spot is free, and never keeps both', async () => {
    const start = window();
    const late = await book(h, { plate: 'LATE2', startInHours: start });
    const cs = await checkoutOf(h, late.reservationId);
    h.clock.advanceMinutes(20);
    const taker = await book(h, { plate: 'TAKER2', startInHours: start - 20 / 60 }); // same window, after the hold lapsed
    expect(taker.spotLabel).toBe(late.spotLabel);
    const paid = h.fake.markSessionPaid(cs);

    const results = await Promise.allSettled([completeReservation(h.deps(), late.reservationId, cs), completeReservation(h.deps(), late.reservationId, cs)]);
    const retried = completeReservation(h.deps(), late.reservationId, cs);
    await expect(retried).rejects.toMatchObject({ code: 'late_payment_refunded' });
    expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected']);

    const refunds = h.fake.objectsOfType('refund');
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ payment_intent: paid.paymentIntentId, amount: late.priceMinor });
    expect(new Set(h.fake.requestsTo('POST', '/v1/refunds').map((x) => x.idempotencyKey))).toEqual(new Set([`refund:late:${late.reservationId}`]));
    const { rows } = await h.db.pool.query(`select status, amount_minor from payments where reservation_id = $1 and purpose = 'refund'`, [late.reservationId]);
    expect(rows).toEqual([{ status: 'succeeded', amount_minor: late.priceMinor }]);
    expect(await getReservation(h.db.pool, late.reservationId)).toMatchObject({ status: 'EXPIRED', payment_status: 'refunded' });
    expect(await countRows(h, `select 1 from reservations where external_ref = $1`, [`late:${late.reservationId}`])).toBe(0);
  });
});
