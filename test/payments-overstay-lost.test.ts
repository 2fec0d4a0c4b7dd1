// Issue 19, item 6 (invariant 9): an overstay charge whose answer was lost. Stripe charged the card but
// parkctl never heard: the row stays pending (never "failed"), cash is not taken for it, a retry under
// the same key replays Stripe's answer, and the payment_intent webhook settles it. One charge, once.
import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectPayment } from '../src/core/payments/collect.js';
import { handleProviderEvent } from '../src/core/payments/webhook.js';
import { completeReservation } from '../src/core/reservations/lifecycle.js';
import { arrive, depart } from '../src/core/visits.js';
import { providerEventFromStripe } from '../src/drivers/stripe/webhook-server.js';
import { book, checkoutOf, startPaymentsHarness, type PaymentsHarness } from './support/payments-fixture.js';
import { runCli } from './support/cli.js';

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness({ code: 'PAYL', spots: 4 });
});
beforeEach(() => h.fake.reset());
afterAll(() => h.close());

/** Paid, inside, and out 40 minutes late while Stripe's answers to charges are lost. */
async function departWithLostAnswer(plate: string, opts: { decline?: boolean } = {}) {
  const r = await book(h, { plate, startInHours: 1 });
  const cs = await checkoutOf(h, r.reservationId);
  h.fake.markSessionPaid(cs);
  await completeReservation(h.deps(), r.reservationId, cs);
  h.clock.at = r.start;
  await arrive(h.deps(), h.lot, { plate, gate: 'in-1' });
  h.clock.at = new Date(r.end.getTime() + 40 * 60_000);
  if (opts.decline) h.fake.declineNextCharge();
  h.fake.loseAnswers({ method: 'POST', pathPrefix: '/v1/payment_intents' });
  const departure = await depart(h.deps(), h.lot, { plate, gate: 'out-1' });
  h.clock.advanceMinutes(60);
  return { r, departure, visitId: departure.visit.visit_id };
}

const chargeRow = async (visitId: string) =>
  (await h.db.pool.query(`select status, amount_minor from payments where visit_id = $1 and purpose = 'overstay'`, [visitId])).rows;
const visitMoney = async (visitId: string) =>
  (await h.db.pool.query(`select amount_due_minor as due, amount_paid_minor as paid from visits where visit_id = $1`, [visitId])).rows[0];
const deliver = async (type: string) => {
  const events = h.fake.events.filter((e) => e.type === type);
  for (const e of events) await handleProviderEvent(h.deps(), providerEventFromStripe(e as unknown as Stripe.Event));
  return events.length;
};

describe('an overstay charge whose answer was lost', () => {
  it('stays pending, cash is refused for it, and the succeeded webhook settles it once', async () => {
    const { departure, visitId } = await departWithLostAnswer('LOSTX1');
    const due = departure.amountDueMinor;
    expect(due).toBeGreaterThan(0);
    expect(departure.charge).toMatchObject({ paid: false, inDoubt: true });
    expect(await chargeRow(visitId)).toEqual([{ status: 'pending', amount_minor: due }]);
    expect(h.fake.objectsOfType('payment_intent').filter((x) => x.status === 'succeeded' && x.amount === due)).toHaveLength(1); // Stripe took it

    // the attendant tries cash while Stripe is still not answering: refused, nothing taken twice
    await expect(collectPayment({ ...h.deps() }, { visitId, method: 'cash' })).rejects.toMatchObject({ code: 'charge_in_doubt' });
    h.fake.loseAnswers(null);
    expect(await deliver('payment_intent.succeeded')).toBeGreaterThanOrEqual(1);
    await deliver('payment_intent.succeeded'); // delivered twice
    expect(await chargeRow(visitId)).toEqual([{ status: 'succeeded', amount_minor: due }]);
    expect(await visitMoney(visitId)).toEqual({ due, paid: due });
    await expect(collectPayment(h.deps(), { visitId, method: 'cash' })).rejects.toMatchObject({ code: 'nothing_due' });
  });

  it('payments collect retries under the same key first: Stripe replays its answer and no cash is taken', async () => {
    const { departure, visitId } = await departWithLostAnswer('LOSTX2');
    h.fake.loseAnswers(null);
    const res = await runCli(['--json', 'payments', 'collect', visitId, '--method', 'cash'], h.env);
    expect(res.code).toBe(3);
    expect(res.json).toMatchObject({ error: { code: 'nothing_due' } });
    const keys = h.fake.requestsTo('POST', '/v1/payment_intents').map((x) => x.idempotencyKey);
    expect(new Set(keys)).toEqual(new Set([`overstay:${visitId}`]));
    expect(h.fake.objectsOfType('payment_intent').filter((x) => x.metadata && (x.metadata as Record<string, string>).visit_id === visitId)).toHaveLength(1);
    expect(await visitMoney(visitId)).toEqual({ due: departure.amountDueMinor, paid: departure.amountDueMinor });
    expect(await chargeRow(visitId)).toEqual([{ status: 'succeeded', amount_minor: departure.amountDueMinor }]);
  });

  it('a decline whose answer was lost: the payment_failed webhook makes it due, and cash is then taken once', async () => {
    const { departure, visitId } = await departWithLostAnswer('LOSTX3', { decline: true });
    h.fake.loseAnswers(null);
    expect(await deliver('payment_intent.payment_failed')).toBe(1);
    expect(await chargeRow(visitId)).toEqual([{ status: 'failed', amount_minor: departure.amountDueMinor }]);
    const cash = await collectPayment(h.deps(), { visitId, method: 'cash' });
    expect(cash).toMatchObject({ outstandingMinor: 0, payment: { amount_minor: departure.amountDueMinor, provider: 'cash' } });
  });

  it('settle-refunds (cron) retries a pending charge and settles it from the replayed answer', async () => {
    const { departure, visitId } = await departWithLostAnswer('LOSTX4');
    h.fake.loseAnswers(null);
    const res = await runCli(['--json', 'payments', 'settle-refunds', '--lot', 'PAYL'], h.env);
    expect(res.code).toBe(0);
    expect(res.json).toMatchObject({ chargesRetried: 1, chargesInDoubt: 0 });
    expect(await visitMoney(visitId)).toEqual({ due: departure.amountDueMinor, paid: departure.amountDueMinor });
  });
});
