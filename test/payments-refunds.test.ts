// Cancellation refunds by the lot's policy (full / partial / none), cash refunds recorded as due, the
// no-show refunds the sweeper decides, and refunds retried while and after Stripe is down: each once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { settleRefunds } from '../src/core/payments/settle-refunds.js';
import { cancelReservation, completeReservation, getReservation } from '../src/core/reservations/lifecycle.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { book, checkoutOf, countRows, startPaymentsHarness, type PaymentsHarness } from './support/payments-fixture.js';
import { runCli } from './support/cli.js';

let h: PaymentsHarness;
let nextStart = 0;
/** windows far enough apart that notice is what the test says */
const windowAt = (noticeHours: number) => noticeHours + (nextStart += 0.001); // distinct starts, same whole hours of notice

beforeAll(async () => {
  h = await startPaymentsHarness({
    code: 'PAYR', spots: 12,
    policy: { walk_ins: true, refunds: [{ min_hours_before_start: 24, percent: 100 }, { min_hours_before_start: 2, percent: 50 }] },
  });
});
beforeEach(() => h.fake.reset());
afterAll(() => h.close());

let plateNo = 0;
async function paidBooking(startInHours: number) {
  const r = await book(h, { plate: `RF${++plateNo}`, startInHours });
  const cs = await checkoutOf(h, r.reservationId);
  const paid = h.fake.markSessionPaid(cs);
  await completeReservation(h.deps(), r.reservationId, cs);
  return { ...r, paymentIntentId: paid.paymentIntentId };
}

const refundRows = (reservationId: string) =>
  h.db.pool.query(`select amount_minor, provider, status, idempotency_key from payments where reservation_id = $1 and purpose = 'refund'`, [reservationId]).then((x) => x.rows);

describe('cancellation refunds by policy', () => {
  it.each([
    { notice: 48, percent: 100, paymentStatus: 'refunded' },
    { notice: 5, percent: 50, paymentStatus: 'partially_refunded' },
  ])('$notice h ahead gives $percent% back, once', async ({ notice, percent, paymentStatus }) => {
    const r = await paidBooking(windowAt(notice));
    const cancelled = await cancelReservation({ ...h.deps() }, r.reservationId, 'customer asked');
    const expected = (r.priceMinor * percent) / 100;

    expect(cancelled).toMatchObject({ status: 'CANCELLED', payment_status: paymentStatus });
    expect(await refundRows(r.reservationId)).toEqual([{ amount_minor: expected, provider: 'stripe', status: 'succeeded', idempotency_key: `refund:cancel:${r.reservationId}` }]);
    expect(h.fake.objectsOfType('refund')).toEqual([expect.objectContaining({ payment_intent: r.paymentIntentId, amount: expected })]);
    expect(h.fake.requestsTo('POST', '/v1/refunds').map((x) => x.idempotencyKey)).toEqual([`refund:cancel:${r.reservationId}`]);
    await expect(cancelReservation(h.deps(), r.reservationId, 'again')).rejects.toMatchObject({ code: 'not_cancellable' });
    expect(await settleRefunds(h.deps())).toMatchObject({ sent: 0, stillPending: 0 });
    expect(h.fake.objectsOfType('refund')).toHaveLength(1);
  });

  it('1 h ahead gives nothing back', async () => {
    const r = await paidBooking(windowAt(1));
    const cancelled = await cancelReservation(h.deps(), r.reservationId, 'late cancel');
    expect(cancelled).toMatchObject({ status: 'CANCELLED', payment_status: 'paid' });
    expect(await refundRows(r.reservationId)).toEqual([]);
    expect(h.fake.requestsTo('POST', '/v1/refunds')).toHaveLength(0);
  });

  it('an unpaid hold is cancelled without any refund', async () => {
    const r = await book(h, { plate: 'HOLD1', startInHours: windowAt(30) });
    await cancelReservation(h.deps(), r.reservationId, 'changed mind');
    expect(await refundRows(r.reservationId)).toEqual([]);
  });

  it('a cash-paid booking records the refund as due for the attendant, sending nothing', async () => {
    const cash = new CashPaymentProvider({ currency: 'GBP' });
    const r = await book(h, { plate: 'CASH1', startInHours: windowAt(48), payments: cash });
    await completeReservation(h.deps(cash), r.reservationId, `cash:${r.reservationId}:${r.priceMinor}:GBP`);
    await cancelReservation(h.deps(cash), r.reservationId, 'customer asked');
    expect(await refundRows(r.reservationId)).toEqual([{ amount_minor: r.priceMinor, provider: 'cash', status: 'due', idempotency_key: `refund:cancel:${r.reservationId}` }]);
    expect(h.fake.requests).toHaveLength(0);
    expect((await settleRefunds(h.deps())).dueAtDesk).toBeGreaterThanOrEqual(1);
  });
});

describe('refunds retried', () => {
  it('Stripe down at cancel: the cancel stands, the refund waits, and settle-refunds sends it exactly once', async () => {
    const r = await paidBooking(windowAt(48));
    h.fake.setDown(true);
    const cancelled = await cancelReservation(h.deps(), r.reservationId, 'customer asked');
    expect(cancelled.status).toBe('CANCELLED');
    expect(await refundRows(r.reservationId)).toEqual([expect.objectContaining({ status: 'pending' })]);

    const down = await runCli(['--json', 'payments', 'settle-refunds', '--lot', 'PAYR'], h.env);
    expect(down.code).toBe(69);
    h.fake.setDown(false);
    const [a, b] = await Promise.all([settleRefunds(h.deps()), settleRefunds(h.deps())]); // two crons at once
    expect(a.sent + b.sent).toBeGreaterThanOrEqual(1);
    const again = await runCli(['--json', 'payments', 'settle-refunds'], h.env);
    expect(again.code).toBe(0);
    expect(again.json).toMatchObject({ sent: 0, stillPending: 0 });

    expect(h.fake.objectsOfType('refund')).toEqual([expect.objectContaining({ payment_intent: r.paymentIntentId, amount: r.priceMinor })]);
    expect(new Set(h.fake.requestsTo('POST', '/v1/refunds').map((x) => x.idempotencyKey))).toEqual(new Set([`refund:cancel:${r.reservationId}`]));
    expect(await refundRows(r.reservationId)).toEqual([expect.objectContaining({ status: 'succeeded', amount_minor: r.priceMinor })]);
  });

  it("settles the no-show sweeper's refund_due events once", async () => {
    const r = await paidBooking(windowAt(3));
    await h.db.pool.query(`update reservations set status = 'NO_SHOW' where reservation_id = $1`, [r.reservationId]);
    await h.db.pool.query(
      `insert into events (lot_id, kind, reservation_id, actor, detail, occurred_at) values ($1, 'payment.refund_due', $2, 'sweeper', $3, now())`,
      [h.lot.lotId, r.reservationId, JSON.stringify({ amount_minor: 100, percent: 25 })],
    );
    const first = await settleRefunds(h.deps());
    const second = await settleRefunds(h.deps());
    expect(first).toMatchObject({ noShowsRecorded: 1, sent: 1 });
    expect(second).toMatchObject({ noShowsRecorded: 0, sent: 0 });
    expect(h.fake.objectsOfType('refund')).toEqual([expect.objectContaining({ amount: 100, payment_intent: r.paymentIntentId })]);
    expect(await getReservation(h.db.pool, r.reservationId)).toMatchObject({ payment_status: 'partially_refunded' });
    expect(await countRows(h, `select 1 from payments where idempotency_key = $1`, [`refund:no_show:${r.reservationId}`])).toBe(1);
  });
});
