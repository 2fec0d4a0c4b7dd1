// At the exit: an overstay charged off-session to the card saved at checkout (once per visit), a
// decline left due and then collected in cash, and a walk-in's stay collected in parts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectPayment } from '../src/core/payments/collect.js';
import { chargeOverstay } from '../src/core/payments/overstay.js';
import { extendReservation } from '../src/core/reservations/extend.js';
import { completeReservation } from '../src/core/reservations/lifecycle.js';
import { arrive, depart } from '../src/core/visits.js';
import { book, checkoutOf, countRows, hours, startPaymentsHarness, type PaymentsHarness } from './support/payments-fixture.js';
import { runCli } from './support/cli.js';

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness({ code: 'PAYX', spots: 4 });
});
beforeEach(() => h.fake.reset());
afterAll(() => h.close());

/** Book, pay through Checkout and drive in at the start. */
async function paidAndInside(plate: string) {
  const r = await book(h, { plate, startInHours: 1 });
  const cs = await checkoutOf(h, r.reservationId);
  const card = h.fake.markSessionPaid(cs);
  await completeReservation(h.deps(), r.reservationId, cs);
  h.clock.at = r.start;
  await arrive(h.deps(), h.lot, { plate, gate: 'in-1' });
  return { r, card };
}

/** Paid and inside, then out `overstayMinutes` after the end. */
async function overstay(plate: string, overstayMinutes: number) {
  const { r, card } = await paidAndInside(plate);
  h.clock.at = new Date(r.end.getTime() + overstayMinutes * 60_000);
  const departure = await depart(h.deps(), h.lot, { plate, gate: 'out-1' });
  h.clock.advanceMinutes(60); // the next booking starts after this one's exit
  return { r, card, departure };
}

describe('overstay charged off-session', () => {
  it('charges the saved card once, keyed by the visit, and marks the visit paid', async () => {
    const { r, card, departure } = await overstay('OVER1', 20);
    const visitId = departure.visit.visit_id;
    expect(departure.amountDueMinor).toBeGreaterThan(0);
    expect(departure.charge).toMatchObject({ paid: true, amountMinor: departure.amountDueMinor });
    expect(departure.amountOutstandingMinor).toBe(0);

    const intents = h.fake.requestsTo('POST', '/v1/payment_intents');
    expect(intents).toHaveLength(1);
    expect(intents[0]!.idempotencyKey).toBe(`overstay:${visitId}`);
    expect(intents[0]!.params).toMatchObject({
      amount: String(departure.amountDueMinor), currency: 'gbp', customer: card.customerId, payment_method: card.paymentMethodId, off_session: 'true',
      metadata: { purpose: 'overstay', visit_id: visitId, reservation_id: r.reservationId },
    });
    const again = await chargeOverstay(h.deps(), { lotId: h.lot.lotId, visitId, reservationId: r.reservationId, amountMinor: departure.amountDueMinor, currency: 'GBP' });
    expect(again.paid).toBe(true);
    expect(h.fake.requestsTo('POST', '/v1/payment_intents')).toHaveLength(1);
    expect(await countRows(h, `select 1 from payments where visit_id = $1 and purpose = 'overstay' and status = 'succeeded'`, [visitId])).toBe(1);
    const { rows } = await h.db.pool.query(`select amount_due_minor, amount_paid_minor from visits where visit_id = $1`, [visitId]);
    expect(rows[0]).toEqual({ amount_due_minor: departure.amountDueMinor, amount_paid_minor: departure.amountDueMinor });
  });

  it('an extension is owed at the exit, charged with the overstay past the new end in one charge', async () => {
    const { r } = await paidAndInside('EXT1');
    // 30 more minutes at the lot's 200 an hour: 100; then 10 minutes past the new end, one 15-minute slot: 50
    const extended = await extendReservation(h.deps(), h.lot, r.reservationId, 30);
    expect(extended.extension_minor).toBe(100);
    expect(extended.ends_at.getTime()).toBe(r.end.getTime() + 30 * 60_000);
    h.clock.at = new Date(r.end.getTime() + 40 * 60_000);
    const departure = await depart(h.deps(), h.lot, { plate: 'EXT1', gate: 'out-1' });
    h.clock.advanceMinutes(60);
    expect(departure).toMatchObject({ extensionMinor: 100, overstayMinutes: 10, amountDueMinor: 150, amountOutstandingMinor: 0 });
    expect(departure.charge).toMatchObject({ paid: true, amountMinor: 150 });
  });

  it('a decline leaves the amount due, recorded as a failed payment; the attendant then takes cash once', async () => {
    h.fake.declineNextCharge({ declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' });
    const { r, departure } = await overstay('OVER2', 35);
    const due = departure.amountDueMinor;
    expect(departure.charge).toMatchObject({ paid: false, reason: expect.stringContaining('insufficient_funds') });
    expect(departure.amountOutstandingMinor).toBe(due);
    expect(await countRows(h, `select 1 from events where kind = 'payment.failed' and reservation_id = $1`, [r.reservationId])).toBe(1);

    const collected = await runCli(['--json', 'payments', 'collect', '--lot', 'PAYX', '--plate', 'OVER2', '--method', 'cash'], h.env);
    expect(collected.code).toBe(0);
    expect(collected.json).toMatchObject({ payment: { amountMinor: due, provider: 'cash', purpose: 'overstay' }, outstandingMinor: 0 });
    const twice = await runCli(['--json', 'payments', 'collect', departure.visit.visit_id, '--method', 'cash'], h.env);
    expect(twice.code).toBe(3);
    const { rows } = await h.db.pool.query(`select amount_paid_minor from visits where visit_id = $1`, [departure.visit.visit_id]);
    expect(rows[0]!.amount_paid_minor).toBe(due);
    expect(h.fake.requestsTo('POST', '/v1/payment_intents')).toHaveLength(1); // the decline, never retried on its own
  });

  it('without a provider that can charge, the overstay simply stays due', async () => {
    const { r } = await paidAndInside('NOCARD');
    h.clock.at = new Date(r.end.getTime() + 30 * 60_000);
    const { pool, clock, actor } = h.deps();
    const d = await depart({ pool, clock, actor }, h.lot, { plate: 'NOCARD', gate: 'out-1' });
    h.clock.advanceMinutes(60);
    expect(d.charge).toBeNull();
    expect(d.amountOutstandingMinor).toBe(d.amountDueMinor);
    expect(d.amountDueMinor).toBeGreaterThan(0);
  });
});

describe('walk-ins pay at the exit', () => {
  it('collects a walk-in stay in parts, refusing more than is due', async () => {
    await arrive(h.deps(), h.lot, { plate: 'WALK1', gate: 'in-1', walkIn: true });
    h.clock.at = new Date(h.clock.now().getTime() + hours(3));
    const d = await depart(h.deps(), h.lot, { plate: 'WALK1', gate: 'out-1' });
    expect(d.amountDueMinor).toBe(600);
    expect(d.charge).toBeNull();

    const deps = h.deps();
    await expect(collectPayment(deps, { visitId: d.visit.visit_id, method: 'card', amountMinor: 601 })).rejects.toMatchObject({ code: 'amount_over_due' });
    const part = await collectPayment(deps, { visitId: d.visit.visit_id, method: 'card', amountMinor: 200 });
    expect(part).toMatchObject({ outstandingMinor: 400, payment: { purpose: 'walk_in', provider: 'card' } });
    const rest = await collectPayment(deps, { lotId: h.lot.lotId, plate: 'WALK1', method: 'cash' });
    expect(rest.outstandingMinor).toBe(0);
    expect(rest.payment.amount_minor).toBe(400);
    await expect(collectPayment(deps, { lotId: h.lot.lotId, plate: 'WALK1', method: 'cash' })).rejects.toMatchObject({ code: 'nothing_due' });
    expect(await countRows(h, `select 1 from payments where visit_id = $1`, [d.visit.visit_id])).toBe(2);
  });
});
