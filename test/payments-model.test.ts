// Invariant 9 (money balances), model-based: random sequences of reserve, pay, pay-link, complete, cancel
// (also crashing between its commit and the refund),
// extend, arrive, depart, cash collect, webhooks delivered late / twice / out of order, cron retries, clock
// moves, Stripe down and Stripe answers lost (the request takes effect at Stripe, the client hears nothing:
// what a crash between sending and recording looks like from parkctl's side), against real PostgreSQL and
// the Stripe fake. After every step: refunded <= paid (in parkctl and at Stripe), nothing refunded at Stripe
// that parkctl did not decide, nothing recorded as received that Stripe does not have, no visit charged twice
// or paid beyond what it owes. At the end, with Stripe back and every event delivered and the cron run:
// every payment at Stripe is collected in parkctl, every refund decided is done, and what a visit still owes
// is visible on it.
import fc from 'fast-check';
import type Stripe from 'stripe';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ExternalError, UserError } from '../src/core/errors.js';
import { collectPayment } from '../src/core/payments/collect.js';
import { payLink } from '../src/core/payments/pay-link.js';
import { settleRefunds } from '../src/core/payments/settle-refunds.js';
import { handleProviderEvent } from '../src/core/payments/webhook.js';
import { extendReservation } from '../src/core/reservations/extend.js';
import { cancelReservation, completeReservation } from '../src/core/reservations/lifecycle.js';
import type { ReserveResult } from '../src/core/reservations/reserve.js';
import { arrive, depart } from '../src/core/visits.js';
import { providerEventFromStripe } from '../src/drivers/stripe/webhook-server.js';
import { book, hours, startPaymentsHarness, type PaymentsHarness } from './support/payments-fixture.js';

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness({
    code: 'PAYM', spots: 60, holdMinutes: 15,
    policy: { walk_ins: true, refunds: [{ min_hours_before_start: 24, percent: 100 }, { min_hours_before_start: 2, percent: 50 }] },
  });
});
afterAll(() => h.close());

/** What the model knows: how Stripe is behaving right now. */
interface Model {
  lose: boolean;
  down: boolean;
}
/** The system under test, for one booking of one run. */
interface Real {
  r: ReserveResult;
  plate: string;
  visitId: string | null;
  /** set when a paid booking was cancelled: what its policy band gives back, and never more */
  cancelRefundMinor: number | null;
}
type Cmd = fc.AsyncCommand<Model, Real>;

/** Expected failures (refusals, Stripe down) are answers; anything else is a bug and fails the run. */
async function tolerate(step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (err) {
    if (err instanceof UserError || err instanceof ExternalError) return;
    throw err;
  }
}

const ids = async (real: Real): Promise<string[]> => {
  const { rows } = await h.db.pool.query<{ id: string }>(
    `select reservation_id::text as id from reservations where reservation_id = $1 or external_ref = $2`, [real.r.reservationId, `late:${real.r.reservationId}`]);
  return rows.map((x) => x.id);
};

interface Books {
  dbPaid: number; dbRefunded: number; stripePaid: number; stripeRefunded: number;
  visitDue: number; visitPaid: number; cash: number; cardCharged: number; cardRefunded: number; cardIntents: number; pendingCharges: number; dbCardRefunds: number;
}

async function books(real: Real): Promise<Books> {
  const reservationIds = await ids(real);
  const { rows: [m] } = await h.db.pool.query<{ paid: number; refunded: number }>(
    `select coalesce(sum(amount_minor) filter (where purpose = 'reservation' and status = 'succeeded'), 0)::integer as paid,
            coalesce(sum(amount_minor) filter (where purpose = 'refund' and status <> 'failed' and visit_id is null), 0)::integer as refunded
       from payments where reservation_id = any($1::uuid[])`, [reservationIds]);
  const intents = h.fake.objectsOfType('payment_intent').filter((pi) => pi.status === 'succeeded');
  const meta = (pi: Record<string, unknown>) => (pi.metadata ?? {}) as Record<string, string>;
  const bookingIntents = intents.filter((pi) => meta(pi).purpose !== 'overstay' && reservationIds.includes(meta(pi).reservation_id ?? ''));
  const visitIntents = h.fake.objectsOfType('payment_intent').filter((pi) => meta(pi).purpose === 'overstay' && real.visitId && meta(pi).visit_id === real.visitId);
  const refunds = h.fake.objectsOfType('refund');
  const refundedOf = (pis: Record<string, unknown>[]) => refunds.filter((x) => pis.some((pi) => pi.id === x.payment_intent)).reduce((s, x) => s + Number(x.amount), 0);
  const sum = (pis: Record<string, unknown>[]) => pis.reduce((s, pi) => s + Number(pi.amount_received), 0);
  let visit = { due: 0, paid: 0, cash: 0, pending: 0, cardRefunds: 0 };
  if (real.visitId) {
    const { rows: [v] } = await h.db.pool.query<typeof visit>(
      `select v.amount_due_minor::integer as due, v.amount_paid_minor::integer as paid,
              (select coalesce(sum(amount_minor), 0)::integer from payments p where p.visit_id = v.visit_id and p.provider = 'cash' and p.status = 'succeeded') as cash,
              (select count(*)::integer from payments p where p.visit_id = v.visit_id and p.purpose = 'overstay' and p.status = 'pending') as pending,
              (select coalesce(sum(amount_minor), 0)::integer from payments p where p.visit_id = v.visit_id and p.purpose = 'refund' and p.status <> 'failed') as "cardRefunds"
         from visits v where v.visit_id = $1`, [real.visitId]);
    visit = v!;
  }
  return {
    dbPaid: m!.paid, dbRefunded: m!.refunded, stripePaid: sum(bookingIntents), stripeRefunded: refundedOf(bookingIntents),
    visitDue: visit.due, visitPaid: visit.paid, cash: visit.cash, cardCharged: sum(visitIntents.filter((pi) => pi.status === 'succeeded')),
    cardRefunded: refundedOf(visitIntents), cardIntents: visitIntents.length, pendingCharges: visit.pending, dbCardRefunds: visit.cardRefunds,
  };
}

/** Safety, after every step. */
async function checkSafety(real: Real): Promise<void> {
  const b = await books(real);
  expect(b.dbRefunded, 'refunded <= paid in parkctl').toBeLessThanOrEqual(b.dbPaid);
  expect(b.stripeRefunded, 'refunded <= paid at Stripe').toBeLessThanOrEqual(b.stripePaid);
  expect(b.stripeRefunded, 'nothing refunded at Stripe that parkctl did not decide').toBeLessThanOrEqual(b.dbRefunded);
  expect(b.dbPaid, 'nothing recorded as received that Stripe does not have').toBeLessThanOrEqual(b.stripePaid);
  expect(b.cardIntents, 'one card charge per visit, ever').toBeLessThanOrEqual(1);
  expect(b.visitPaid, 'a visit is never paid beyond what it owes').toBeLessThanOrEqual(b.visitDue);
  expect(b.cash + b.cardCharged - b.dbCardRefunds, 'no charge collected twice').toBeLessThanOrEqual(b.visitDue);
  if (real.cancelRefundMinor !== null) expect(b.dbRefunded, 'a cancelled paid booking gets its band back, once').toBe(real.cancelRefundMinor);
}

/** The lot's policy: 24 h or more ahead 100 %, 2 h or more 50 %, later nothing. */
function bandPercent(noticeMs: number): number {
  return noticeMs >= hours(24) ? 100 : noticeMs >= hours(2) ? 50 : 0;
}

const deps = () => h.deps();

class Pay implements Cmd {
  check = () => true;
  async run(_m: Model, real: Real) {
    const { rows } = await h.db.pool.query<{ ref: string | null }>(`select checkout_ref as ref from reservations where reservation_id = $1`, [real.r.reservationId]);
    const session = rows[0]?.ref ? h.fake.object(rows[0].ref) : undefined;
    if (session && session.payment_status !== 'paid') h.fake.markSessionPaid(session.id as string); // the customer pays the link shown
    await checkSafety(real);
  }
  toString = () => 'customer pays';
}
class PayLink implements Cmd {
  check = () => true;
  async run(_m: Model, real: Real) {
    await tolerate(() => payLink(deps(), real.r.reservationId));
    await checkSafety(real);
  }
  toString = () => 'booking pay-link';
}
class Complete implements Cmd {
  check = () => true;
  async run(_m: Model, real: Real) {
    const { rows } = await h.db.pool.query<{ ref: string | null }>(`select checkout_ref as ref from reservations where reservation_id = $1`, [real.r.reservationId]);
    if (rows[0]?.ref) await tolerate(() => completeReservation(deps(), real.r.reservationId, rows[0]!.ref!));
    await checkSafety(real);
  }
  toString = () => 'booking complete';
}
class Cancel implements Cmd {
  /** crash: the process dies after the cancel commits, before the refund is sent (it stays pending for the cron) */
  constructor(readonly crash = false) {}
  check = () => true;
  async run(_m: Model, real: Real) {
    const { rows } = await h.db.pool.query<{ status: string }>(`select status from reservations where reservation_id = $1`, [real.r.reservationId]);
    const notice = real.r.start.getTime() - h.clock.now().getTime();
    await tolerate(async () => {
      await cancelReservation(this.crash ? { ...deps(), payments: undefined } : deps(), real.r.reservationId, 'model');
      if (rows[0]?.status === 'CONFIRMED') real.cancelRefundMinor = Math.round((real.r.priceMinor * bandPercent(notice)) / 100);
    });
    await checkSafety(real);
  }
  toString = () => `booking cancel${this.crash ? ', crashing before the refund is sent' : ''}`;
}
class Extend implements Cmd {
  check = () => true;
  async run(_m: Model, real: Real) {
    await tolerate(() => extendReservation(deps(), h.lot, real.r.reservationId, 30));
    await checkSafety(real);
  }
  toString = () => 'extend 30 min';
}
class Arrive implements Cmd {
  check = () => true;
  async run(_m: Model, real: Real) {
    if (h.clock.at < real.r.start) h.clock.at = real.r.start;
    await tolerate(() => arrive(deps(), h.lot, { plate: real.plate, gate: 'in-1' }));
    await checkSafety(real);
  }
  toString = () => 'arrive';
}
class Depart implements Cmd {
  /** lost: Stripe's answers are lost while the car leaves (the exit's card charge among them) */
  constructor(readonly lateMinutes: number, readonly lost: boolean) {}
  check = () => true;
  async run(m: Model, real: Real) {
    const out = new Date(real.r.end.getTime() + this.lateMinutes * 60_000);
    if (h.clock.at < out) h.clock.at = out;
    if (this.lost) h.fake.loseAnswers({ method: 'POST' });
    await tolerate(async () => {
      const d = await depart(deps(), h.lot, { plate: real.plate, gate: 'out-1' });
      real.visitId = d.visit.visit_id;
    });
    if (this.lost && !m.lose) h.fake.loseAnswers(null);
    await checkSafety(real);
  }
  toString = () => `depart ${this.lateMinutes} min after the end${this.lost ? ', its answers lost' : ''}`;
}
class PayAndComplete implements Cmd {
  check = () => true;
  async run(m: Model, real: Real) {
    await new Pay().run(m, real);
    await new Complete().run(m, real);
  }
  toString = () => 'customer pays, booking complete';
}
class CollectCash implements Cmd {
  check = () => true;
  async run(_m: Model, real: Real) {
    if (real.visitId) await tolerate(() => collectPayment(deps(), { visitId: real.visitId!, method: 'cash' }));
    await checkSafety(real);
  }
  toString = () => 'payments collect --method cash';
}
class Deliver implements Cmd {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(_m: Model, real: Real) {
    const events = h.fake.events;
    if (events.length > 0) {
      const e = events[this.pick % events.length]!; // any of them, in any order, again and again
      await tolerate(() => handleProviderEvent(deps(), providerEventFromStripe(e as unknown as Stripe.Event)));
    }
    await checkSafety(real);
  }
  toString = () => `deliver webhook #${this.pick}`;
}
class Cron implements Cmd {
  check = () => true;
  async run(_m: Model, real: Real) {
    await tolerate(() => settleRefunds(deps()));
    await checkSafety(real);
  }
  toString = () => 'payments settle-refunds';
}
class Wait implements Cmd {
  constructor(readonly minutes: number) {}
  check = () => true;
  async run(_m: Model, real: Real) {
    h.clock.advanceMinutes(this.minutes);
    await checkSafety(real);
  }
  toString = () => `wait ${this.minutes} min`;
}
class LoseAnswers implements Cmd {
  constructor(readonly on: boolean) {}
  check = (m: Readonly<Model>) => m.lose !== this.on;
  async run(m: Model, real: Real) {
    m.lose = this.on;
    h.fake.loseAnswers(this.on ? { method: 'POST' } : null);
    await checkSafety(real);
  }
  toString = () => (this.on ? 'Stripe answers start getting lost' : 'Stripe answers arrive again');
}
class Down implements Cmd {
  constructor(readonly on: boolean) {}
  check = (m: Readonly<Model>) => m.down !== this.on;
  async run(m: Model, real: Real) {
    m.down = this.on;
    h.fake.setDown(this.on ? '503' : false);
    await checkSafety(real);
  }
  toString = () => (this.on ? 'Stripe down' : 'Stripe up');
}

// Weighted by repetition: a customer's journey (pay and complete, arrive, depart, pay at the desk) and the
// webhooks come up more often than the clock, the outages and the other steps, so that long journeys happen.
const departs = fc.tuple(fc.constantFrom(5, 40, 200), fc.boolean()).map(([late, lost]) => new Depart(late, lost));
const journey = [fc.constant(new PayAndComplete()), fc.constant(new Arrive()), departs, fc.constant(new CollectCash())];
const commands = [
  ...journey, ...journey, ...journey, fc.nat(50).map((n) => new Deliver(n)), fc.nat(50).map((n) => new Deliver(n)),
  fc.constant(new Pay()), fc.constant(new PayLink()), fc.constant(new Complete()), fc.boolean().map((crash) => new Cancel(crash)), fc.constant(new Extend()),
  fc.constant(new Cron()), fc.constantFrom(10, 20, 90, 600).map((m) => new Wait(m)),
  fc.boolean().map((on) => new LoseAnswers(on)), fc.boolean().map((on) => new Down(on)),
];

/** Stripe back, every event delivered (newest first, then again), the cron and a collect retry run. */
async function quiesce(): Promise<void> {
  h.fake.loseAnswers(null);
  h.fake.setDown(false);
  const events = [...h.fake.events].reverse();
  for (const e of [...events, ...events]) await handleProviderEvent(deps(), providerEventFromStripe(e as unknown as Stripe.Event));
  await settleRefunds(deps());
}

let run = 0;
it('money balances over random sequences with lost answers, outages and late, repeated, reordered webhooks', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(1, 5, 30), fc.commands(commands, { maxCommands: 24, size: 'large' }), async (noticeHours, cmds) => {
      h.fake.reset();
      h.clock.advanceMinutes(24 * 60); // each run in its own days
      const plate = `MDL${++run}`;
      const r = await book(h, { plate, startInHours: noticeHours, durationHours: 2 });
      const real: Real = { r, plate, visitId: null, cancelRefundMinor: null };
      await fc.asyncModelRun(() => ({ model: { lose: false, down: false }, real }), cmds);
      await quiesce();
      await checkSafety(real);
      const b = await books(real);
      expect(b.dbPaid, 'every payment at Stripe is collected in parkctl').toBe(b.stripePaid);
      expect(b.stripeRefunded, 'every refund decided is done at Stripe').toBe(b.dbRefunded);
      expect(b.pendingCharges, 'no card charge left in doubt').toBe(0);
      expect(b.visitPaid, 'what a visit paid is what was taken from it').toBe(b.cash + b.cardCharged - b.cardRefunded);
      expect(b.dbCardRefunds).toBe(b.cardRefunded);
    }),
    { numRuns: 150 },
  );
}, 600_000); // ~45 s alone; a loaded machine running the suite beside other work has taken 300 s

