// The occupancy memo that prices bookings: concurrent reservers whose entry has lapsed share one count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCapacity } from '../src/core/capacity.js';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { OccupancyMemo } from '../src/core/occupancy-memo.js';
import { fixedClock, type Queryable } from '../src/core/ports.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let lot: Lot;
beforeAll(async () => {
  db = await createTestDatabase();
  expect((await runCli(['lot', 'import', 'fixtures/surface-lot.yaml'], { DATABASE_URL: db.url })).code).toBe(0);
  lot = await loadLot(db.pool, 'RIVERSIDE');
});
afterAll(async () => { await db.drop(); });

/** The pool, counting the statements sent through it. */
function countingDb(): { db: Queryable; statements: () => number } {
  let n = 0;
  const pool: Queryable = db.pool;
  const counted: Queryable = { query: (text, values) => { n++; return pool.query(text, values); } };
  return { db: counted, statements: () => n };
}

describe('OccupancyMemo', () => {
  it('answers 16 concurrent reservers of one day with one count, then from memory', async () => {
    expect(lot.pricing.surcharges.length).toBeGreaterThan(0); // else the memo never counts
    const memo = new OccupancyMemo(60_000);
    const { db: counted, statements } = countingDb();
    const deps = { db: counted, clock: fixedClock(new Date('2027-03-01T06:00:00Z')) };
    const start = new Date('2027-03-01T09:00:00Z');
    const end = new Date('2027-03-01T11:00:00Z');
    const ratios = await Promise.all(Array.from({ length: 16 }, () => memo.ratio(deps, lot, 'regular', start, end)));
    expect(new Set(ratios)).toEqual(new Set([0]));
    const perCount = statements();
    expect(perCount).toBeGreaterThan(0);
    await memo.ratio(deps, lot, 'regular', new Date('2027-03-01T09:30:00Z'), end); // same hour: remembered
    await memo.ratio(deps, lot, 'regular', new Date('2027-03-01T17:00:00Z'), new Date('2027-03-01T19:00:00Z')); // same day too
    expect(statements()).toBe(perCount);
    await memo.ratio(deps, lot, 'regular', new Date('2027-03-02T10:00:00Z'), new Date('2027-03-02T11:00:00Z')); // another day: counted
    expect(statements()).toBe(2 * perCount);
    await memo.ratio(deps, lot, 'regular', new Date('2027-03-02T22:00:00Z'), new Date('2027-03-03T02:00:00Z')); // over midnight: the new day
    expect(statements()).toBe(3 * perCount);
  });

  it("prices a window by its fullest hour, from real bookings' bits", async () => {
    // RIVERSIDE has 2 EV spots: one booked 10:00-11:00, the other 10:45-12:00 (UTC; London is on GMT in March)
    const env = { DATABASE_URL: db.url, PARKCTL_NOW: '2027-03-03T06:00:00Z' };
    for (const [from, to, plate] of [['2027-03-04T10:00:00Z', '2027-03-04T11:00:00Z', 'MEMO1'], ['2027-03-04T10:45:00Z', '2027-03-04T12:00:00Z', 'MEMO2']]) {
      const r = await runCli(['booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'ev', '--from', from!, '--to', to!, '--plate', plate!, '--json'], env);
      expect(r.code, r.stderr).toBe(0);
    }
    const memo = new OccupancyMemo(60_000);
    const { db: counted, statements } = countingDb();
    const deps = { db: counted, clock: fixedClock(new Date('2027-03-03T06:00:00Z')) };
    const at = (from: string, to: string) => memo.ratio(deps, lot, 'ev', new Date(`2027-03-04T${from}:00Z`), new Date(`2027-03-04T${to}:00Z`));
    expect(await at('08:00', '10:00')).toBe(0); // before both
    expect(await at('09:00', '11:00')).toBe(1); // hour 10 holds both
    expect(await at('11:00', '12:00')).toBe(0.5); // hour 11: the second only
    expect(await at('11:30', '13:00')).toBe(0.5); // its fullest hour, 11
    expect(await at('12:00', '14:00')).toBe(0);
    expect(statements()).toBe(1); // one count of the day answered every hour (no permit places: no second statement)
    // the same bits as the exact count of an hour (what `capacity check` counts)
    const exact = await countCapacity({ db: db.pool, clock: deps.clock }, lot, 'ev', new Date('2027-03-04T11:00:00Z'), new Date('2027-03-04T12:00:00Z'));
    expect(exact).toMatchObject({ free: 1, total: 2 });
  });
});

describe('OccupancyMemo past its ttl', () => {
  const start = new Date('2027-03-01T09:00:00Z');
  const end = new Date('2027-03-01T11:00:00Z');
  const clock = fixedClock(new Date('2027-03-01T06:00:00Z'));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('answers from the old count at once while one recount runs, and the recount replaces it', async () => {
    const memo = new OccupancyMemo(1_000, 60_000);
    const { db: counted, statements } = countingDb();
    await memo.ratio({ db: counted, clock }, lot, 'regular', start, end);
    const perCount = statements();
    await sleep(1_050);
    // the recount is held until released: the answers below cannot have waited for it
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    let recounts = 0;
    const slow: Queryable = { query: async (text, values) => { recounts++; await held; return counted.query(text, values); } };
    const answers = await Promise.all(Array.from({ length: 8 }, () => memo.ratio({ db: slow, clock }, lot, 'regular', start, end)));
    expect(answers).toEqual(Array(8).fill(0));
    expect(recounts).toBeGreaterThan(0); // a recount started ...
    release();
    for (let waited = 0; statements() < 2 * perCount && waited < 5_000; waited += 10) await sleep(10);
    await sleep(20);
    expect(statements()).toBe(2 * perCount); // ... and only one ran
    await memo.ratio({ db: counted, clock }, lot, 'regular', start, end); // fresh again: no count
    expect(statements()).toBe(2 * perCount);
  });

  it('keeps the old count when a recount fails, and waits for a count once maxStaleMs has passed', async () => {
    const memo = new OccupancyMemo(100, 2_000);
    await memo.ratio({ db: db.pool, clock }, lot, 'regular', start, end);
    await sleep(150);
    const failing: Queryable = { query: () => Promise.reject(Object.assign(new Error('connection terminated'), { code: '57P01' })) };
    expect(await memo.ratio({ db: failing, clock }, lot, 'regular', start, end)).toBe(0);
    await sleep(2_100);
    await expect(memo.ratio({ db: failing, clock }, lot, 'regular', start, end)).rejects.toThrow(/connection terminated/);
    expect(await memo.ratio({ db: db.pool, clock }, lot, 'regular', start, end)).toBe(0);
  });
});
