// Invariant 8 over random sequences (fast-check commands): bookings, booked arrivals (early, on time, late),
// walk-ins, overstays, departures and sweeps on a three-spot lot with a test clock. After every step:
// free now = spots - cars inside - live bookings of now whose car is not inside; no booking holds a spot a car
// stands in (unless no other spot was free and the attendant was alerted); capacity never promises what reserve refuses.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCapacity } from '../src/core/capacity.js';
import { RefusedError } from '../src/core/errors.js';
import type { Lot } from '../src/core/lots/lot.js';
import { lotOccupancy } from '../src/core/occupancy.js';
import type { Clock } from '../src/core/ports.js';
import { completeReservation } from '../src/core/reservations/lifecycle.js';
import { reserve } from '../src/core/reservations/reserve.js';
import { countOverlaps } from '../src/core/sql/reservations.js';
import { runSweep } from '../src/core/sweepers/sweep.js';
import { arrive, depart } from '../src/core/visits.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

const spots = 3;
const quarter = 15 * 60_000;
let db: TestDatabase;
let lots = 0;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => { await db.drop(); });

interface Real { lot: Lot; clock: Clock & { t: number }; plates: number }
interface Model { booked: string[] }
const payments = new CashPaymentProvider();
const deps = (r: Real) => ({ db: db.pool, pool: db.pool, clock: r.clock, payments, actor: 'model', random: () => 0.5 });

async function check(r: Real): Promise<void> {
  const now = new Date(r.clock.t);
  const { rows: [c] } = await db.pool.query<{ inside: number; waiting: number; clash: number }>(
    `select (select count(*)::integer from visits v where v.lot_id = $1 and v.exited_at is null and v.vehicle_type = 'regular') as inside,
            (select count(*)::integer from reservations b
              where b.lot_id = $1 and b.walk_in_visit_id is null and b.vehicle_type = 'regular' and b.period @> $2::timestamptz
                and (b.status = 'CONFIRMED' or (b.status = 'TENTATIVE' and b.hold_expires_at > $2::timestamptz))) as waiting,
            (select count(*)::integer from visits v join reservations b on b.lot_id = v.lot_id and b.spot_id = v.spot_id
              where v.lot_id = $1 and v.exited_at is null and b.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
                and b.spot_period @> $2::timestamptz and b.reservation_id is distinct from v.reservation_id
                and b.walk_in_visit_id is distinct from v.visit_id
                and not (b.status = 'TENTATIVE' and b.hold_expires_at <= $2::timestamptz)
                -- one with nowhere to go is the attendant's, named ahead of its arrival
                -- (the booking, or the car's own booking when it came early to a spot still held and none other was free)
                and not exists (select 1 from events e where e.lot_id = b.lot_id and e.kind = 'alert.no_spot'
                                   and e.reservation_id in (b.reservation_id, v.reservation_id))) as clash`,
    [r.lot.lotId, now]);
  const occupancy = await lotOccupancy(db.pool, r.lot.lotId, now);
  expect(occupancy.byType.find((t) => t.key === 'regular')!.free).toBe(Math.max(0, spots - c!.inside - c!.waiting));
  expect(c!.clash).toBe(0);
  expect(await countOverlaps(db.pool)).toBe(0);
}

class Book implements fc.AsyncCommand<Model, Real> {
  constructor(readonly startQuarters: number, readonly quarters: number, readonly offMs: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    // -1: from now (off the quarter hour when the clock is)
    const start = new Date(this.startQuarters < 0 ? r.clock.t : Math.ceil(r.clock.t / quarter) * quarter + this.startQuarters * quarter + this.offMs);
    const end = new Date(start.getTime() + this.quarters * quarter);
    const promised = await countCapacity({ db: db.pool, clock: r.clock }, r.lot, 'regular', start, end);
    const plate = `BK${r.plates++}`;
    try {
      const res = await reserve(deps(r), r.lot, { vehicleType: 'regular', start, end, plate, customerRef: plate });
      await completeReservation(deps(r), res.reservationId, `cash:${res.reservationId}:${res.priceMinor}:${res.currency}`);
      m.booked.push(plate);
    } catch (err) {
      if (!(err instanceof RefusedError)) throw err;
      expect(promised.free, `capacity said ${promised.free} free for ${start.toISOString()} -> ${end.toISOString()}, reserve refused`).toBe(0);
    }
    await check(r);
  }
  toString = () => `book(+${this.startQuarters}q, ${this.quarters}q, +${this.offMs}ms)`;
}

class Arrive implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.booked.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const plate = m.booked[this.pick % m.booked.length]!;
    await arrive({ pool: db.pool, clock: r.clock, actor: 'model' }, r.lot, { plate, gate: 'G' }).catch((err) => {
      if (!(err instanceof RefusedError)) throw err; // not in its window, already inside, left already
    });
    await check(r);
  }
  toString = () => `arrive(${this.pick})`;
}

class WalkIn implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const plate = `WI${r.plates++}`;
    try {
      await arrive({ pool: db.pool, clock: r.clock, actor: 'model' }, r.lot, { plate, gate: 'G', walkIn: true });
      m.booked.push(plate);
    } catch (err) {
      if (!(err instanceof RefusedError)) throw err;
      // refused only when no spot is free for the hold a walk-in takes: from now to an hour ahead, to the quarter
      const holdEnd = new Date(Math.ceil((r.clock.t + 3_600_000) / quarter) * quarter);
      expect((await countCapacity({ db: db.pool, clock: r.clock }, r.lot, 'regular', new Date(r.clock.t), holdEnd)).free).toBe(0);
    }
    await check(r);
  }
  toString = () => 'walkIn';
}

class Depart implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.booked.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const plate = m.booked[this.pick % m.booked.length]!;
    await depart({ pool: db.pool, clock: r.clock, actor: 'model' }, r.lot, { plate, gate: 'G' }).catch((err) => {
      if (!(err instanceof RefusedError)) throw err; // not inside
    });
    await check(r);
  }
  toString = () => `depart(${this.pick})`;
}

class Pass implements fc.AsyncCommand<Model, Real> {
  constructor(readonly minutes: number) {}
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    r.clock.t += this.minutes * 60_000;
    // cron runs the overstay sweep at least every 15 minutes: a car past its end keeps its spot, the next booking moves
    await runSweep({ pool: db.pool, clock: r.clock, actor: 'sweeper' }, { lotCode: r.lot.code, jobs: ['overstays'] });
    await check(r);
  }
  toString = () => `pass(${this.minutes}m)`;
}

class Sweep implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    await runSweep({ pool: db.pool, clock: r.clock, actor: 'sweeper' }, { lotCode: r.lot.code });
    await check(r);
  }
  toString = () => 'sweep';
}

const commands = [
  fc.tuple(fc.integer({ min: -1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.constantFrom(0, 0, 0, 1, 60_000))
    .map(([s, q, off]) => new Book(s, q, off)),
  fc.nat(20).map((i) => new Arrive(i)),
  fc.constant(new WalkIn()),
  fc.nat(20).map((i) => new Depart(i)),
  fc.integer({ min: 1, max: 15 }).map((m) => new Pass(m)),
  fc.constant(new Sweep()),
];

describe('cars inside, over random sequences', () => {
  it('keep free counts, spots and capacity promises right at every step', async () => {
    await fc.assert(fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'large' }), async (cmds) => {
      const lot = await createTestLot(db.pool, { code: `SIM${++lots}`, spots });
      const t = Date.parse('2027-01-04T08:00:00Z') + lots * 86_400_000;
      const clock = { t, now() { return new Date(this.t); } };
      await fc.asyncModelRun(() => ({ model: { booked: [] }, real: { lot, clock, plates: 0 } }), cmds);
    }), { numRuns: 60 });
  }, 240_000);
});
