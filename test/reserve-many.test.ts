// parkctl_reserve_many (migrations/0045): the batch books single-day windows set-based and leaves the rest to
// parkctl_reserve alone; every element still gets the answer the per-booking path would give it. Checked on
// hand-picked cases and on random batches against what the table says afterwards (no overlap, no false "no
// spot", no false plate refusal, the allocation bits equal to the bookings), and against parkctl_reserve_each
// (the per-booking path) on a twin lot.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callReserveMany, type ReserveManyResult, type ReserveManyVia } from '../src/core/sql/reserve-many.js';
import { countOverlaps } from '../src/core/sql/reservations.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let lots = 0;
const day = 86_400_000;
const quarter = 900_000;
const t0 = Date.UTC(2031, 4, 5);
const now = new Date(t0 - day);

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
});
afterAll(() => db.drop());

interface TestLot { lotId: number; lo: number; hi: number }

async function newLot(spots: number): Promise<TestLot> {
  const lot = await createTestLot(db.pool, { code: `MANY${++lots}`, spots });
  const { rows: [r] } = await db.pool.query<{ lo: number; hi: number }>(
    `select min(spot_id)::int as lo, max(spot_id)::int as hi from spots where lot_id = $1 and vehicle_type = 'regular'`, [lot.lotId]);
  return { lotId: lot.lotId, lo: r!.lo, hi: r!.hi };
}

interface Req { from: number; to: number; plate: string; spot?: number; externalRef?: string | null; actor?: string; price?: number }

/** parkctl_reserve's 13 parameters, as core's callReserve passes them; `spot` counts from the lot's first regular spot */
function params(lot: TestLot, r: Req): unknown[] {
  return [lot.lotId, 'regular', new Date(r.from), new Date(r.to), r.plate, 'cust', r.price ?? 500, 'GBP', new Date(now.getTime() + 15 * 60_000), now,
    r.externalRef ?? null, lot.lo + (r.spot ?? 0), r.actor ?? 'test'];
}

const many = (lot: TestLot, reqs: Req[]) => callReserveMany(db.pool, reqs.map((r) => params(lot, r)));

/** the same batch through the per-booking path (0019's parkctl_reserve_many, kept as the fallback) */
async function each(lot: TestLot, reqs: Req[]): Promise<{ spot_id: number | null; error_code: string | null }[]> {
  const cols = Array.from({ length: 13 }, (_, n) => reqs.map((r) => params(lot, r)[n]));
  const { rows } = await db.pool.query<{ i: number; spot_id: number | null; error_code: string | null }>(
    `select * from parkctl_reserve_each($1::integer[], $2::vehicle_type[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[],
       $7::bigint[], $8::char(3)[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::integer[], $13::text[]) order by i`, cols);
  return rows;
}

const spotOf = (r: ReserveManyResult) => ('row' in r && r.row ? r.row.spot_id : null);
const at = (d: number, q: number) => t0 + d * day + q * quarter;

/** spot_days bits that differ from those the lot's live bookings call for (0: the bits are the bookings) */
async function bitsOff(lotId: number): Promise<number> {
  const { rows: [r] } = await db.pool.query<{ n: number }>(
    `with want as (
       select r.spot_id, d.day, bit_or(parkctl_day_mask(d.day, r.spot_period)) as mask
         from reservations r cross join lateral parkctl_days_of(r.spot_period) d(day)
        where r.lot_id = $1 and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
        group by 1, 2)
     select count(*)::int as n from spot_days sd full join want w on w.spot_id = sd.spot_id and w.day = sd.day
      where (sd.lot_id = $1 or sd.lot_id is null) and coalesce(sd.mask, 0::bit(96)) <> coalesce(w.mask, 0::bit(96))`, [lotId]);
  return r!.n;
}

describe('parkctl_reserve_many', () => {
  it('books a batch set-based: one spot each, first free from each start spot, price and audit row as given', async () => {
    const lot = await newLot(4);
    const results = await many(lot, [
      { from: at(0, 36), to: at(0, 40), plate: 'A1', spot: 1, price: 700 },
      { from: at(0, 38), to: at(0, 44), plate: 'A2', spot: 1, price: 900 },
      { from: at(0, 40), to: at(0, 44), plate: 'A3', spot: 1, actor: 'other key' },
    ]);
    expect(results.map((r) => r.via)).toEqual(['batch', 'batch', 'batch']);
    // A2 overlaps A1 on spot 1: the next spot; A3 starts when A1 ends (half-open): spot 1 again
    expect(results.map(spotOf)).toEqual([lot.lo + 1, lot.lo + 2, lot.lo + 1]);
    const { rows } = await db.pool.query<{ plate: string; price_minor: number; status: string; actor: string; label: string }>(
      `select r.plate, r.price_minor, r.status, e.actor, s.label from reservations r
         join events e on e.lot_id = r.lot_id and e.reservation_id = r.reservation_id and e.kind = 'reservation.tentative'
         join spots s on s.lot_id = r.lot_id and s.spot_id = r.spot_id
        where r.lot_id = $1 order by r.plate`, [lot.lotId]);
    expect(rows).toEqual([
      { plate: 'A1', price_minor: 700, status: 'TENTATIVE', actor: 'test', label: 'A-002' },
      { plate: 'A2', price_minor: 900, status: 'TENTATIVE', actor: 'test', label: 'A-003' },
      { plate: 'A3', price_minor: 500, status: 'TENTATIVE', actor: 'other key', label: 'A-002' },
    ]);
    expect(results.map((r) => ('row' in r ? r.row?.label : null))).toEqual(['A-002', 'A-003', 'A-002']);
    expect(await bitsOff(lot.lotId)).toBe(0);
  });

  it('two elements of one batch for the last spot: exactly one wins, the other is told no spot is free', async () => {
    const lot = await newLot(3);
    const pre = await many(lot, [0, 1].map((n) => ({ from: at(1, 40), to: at(1, 48), plate: `PRE${n}`, spot: n })));
    expect(pre.map(spotOf)).toEqual([lot.lo, lot.lo + 1]);
    const results = await many(lot, [{ from: at(1, 44), to: at(1, 46), plate: 'LAST1' }, { from: at(1, 45), to: at(1, 50), plate: 'LAST2', spot: 1 }]);
    expect(results[0]).toMatchObject({ row: { spot_id: lot.lo + 2 }, via: 'batch' });
    // on quarter hours the bits are exact: the batch itself answers that no spot is free
    expect(results[1]).toEqual({ row: null, via: 'batch' });
    expect(await countOverlaps(db.pool)).toBe(0);
  });

  it('a window off the quarter hours that the rounded bits call full is checked exactly by parkctl_reserve', async () => {
    const lot = await newLot(1);
    const minute = 60_000;
    const first = await many(lot, [{ from: at(8, 40), to: at(8, 40) + 10 * minute, plate: 'OFFQ1' }]);
    expect(first[0]).toMatchObject({ row: { spot_id: lot.lo }, via: 'batch' });
    // 10:10-10:30 shares the 10:00 quarter's bit with 10:00-10:10, but not a minute of it
    const results = await many(lot, [{ from: at(8, 40) + 10 * minute, to: at(8, 42), plate: 'OFFQ2' }, { from: at(8, 40), to: at(8, 41), plate: 'FULL' }]);
    expect(results[0]).toMatchObject({ row: { spot_id: lot.lo }, via: 'alone' });
    expect(results[1]).toEqual({ row: null, via: 'batch' });
    expect(await countOverlaps(db.pool)).toBe(0);
  });

  it('books a window over midnight on a spot free on both days, passing over one taken on the second day', async () => {
    const lot = await newLot(3);
    const before = await many(lot, [{ from: at(3, 2), to: at(3, 4), plate: 'EARLY', spot: 1 }]);
    expect(spotOf(before[0]!)).toBe(lot.lo + 1);
    const results = await many(lot, [
      { from: at(2, 92), to: at(3, 3), plate: 'NIGHT1', spot: 1 },
      { from: at(2, 94), to: at(3, 1), plate: 'NIGHT2', spot: 1 },
      { from: at(2, 95), to: at(3, 8), plate: 'NIGHT3', spot: 1 },
    ]);
    expect(results.map((r) => r.via)).toEqual(['batch', 'batch', 'batch']);
    // spot 1 is taken on the second day from 00:30: NIGHT1 goes to spot 2, NIGHT2 (ends 00:15) fits spot 1, NIGHT3
    // (overlapping both) wraps round to spot 0
    expect(results.map(spotOf)).toEqual([lot.lo + 2, lot.lo + 1, lot.lo]);
    expect(await bitsOff(lot.lotId)).toBe(0);
    expect(await countOverlaps(db.pool)).toBe(0);
  });

  it('leaves external refs and plates already booked to parkctl_reserve, with its answers', async () => {
    const lot = await newLot(3);
    expect((await many(lot, [{ from: at(2, 8), to: at(2, 12), plate: 'BOOKED' }]))[0]!.via).toBe('batch');
    const results = await many(lot, [
      { from: at(2, 90), to: at(3, 6), plate: 'NIGHT' },
      { from: at(2, 10), to: at(2, 20), plate: 'BOOKED', spot: 1 },
      { from: at(2, 30), to: at(2, 34), plate: 'KEYED', externalRef: 'k-1' },
      { from: at(2, 30), to: at(2, 34), plate: 'PLAIN' },
    ]);
    expect(results.map((r) => r.via)).toEqual(['batch', 'alone', 'alone', 'batch']);
    expect(results[0]).toMatchObject({ row: { created: true } });
    expect(results[1]).toMatchObject({ error: { code: '23P01', constraint: 'reservations_one_per_plate' } });
    expect(results[2]).toMatchObject({ row: { created: true } });
    expect(results[3]).toMatchObject({ row: { created: true } });
    // the same key again is the booking it made, not a second one
    const again = await many(lot, [{ from: at(2, 30), to: at(2, 34), plate: 'KEYED', externalRef: 'k-1' }]);
    expect(again[0]).toMatchObject({ row: { created: false, reservation_id: 'row' in results[2]! ? results[2].row!.reservation_id : '' } });
    expect(await bitsOff(lot.lotId)).toBe(0);
  });

  it('a plate twice in one batch: the first overlapping request is booked, the second refused by the constraint', async () => {
    const lot = await newLot(3);
    const results = await many(lot, [
      { from: at(4, 40), to: at(4, 44), plate: 'TWICE' }, { from: at(4, 42), to: at(4, 48), plate: 'TWICE' },
      { from: at(4, 44), to: at(4, 48), plate: 'TWICE' }, { from: at(4, 60), to: at(4, 64), plate: 'TWICE' },
    ]);
    expect(results[0]).toMatchObject({ row: { created: true }, via: 'batch' });
    expect(results[1]).toMatchObject({ error: { code: '23P01', constraint: 'reservations_one_per_plate' }, via: 'alone' });
    // back to back with the first, and later the same day: both legal
    expect(results[2]).toMatchObject({ row: { created: true } });
    expect(results[3]).toMatchObject({ row: { created: true }, via: 'batch' });
  });

  it('passes over a spot out of service', async () => {
    const lot = await newLot(3);
    await db.pool.query(`update spots set status = 'maintenance' where lot_id = $1 and spot_id = $2`, [lot.lotId, lot.lo + 1]);
    const results = await many(lot, [{ from: at(5, 8), to: at(5, 12), plate: 'M1', spot: 1 }, { from: at(5, 8), to: at(5, 12), plate: 'M2', spot: 1 }]);
    expect(results.map(spotOf)).toEqual([lot.lo + 2, lot.lo]);
    expect(results.map((r) => r.via)).toEqual(['batch', 'batch']);
  });

  it('does the lot\'s bookkeeping first: an overdue hold is expired and its spot booked again', async () => {
    const lot = await newLot(1);
    const first = await many(lot, [{ from: at(6, 8), to: at(6, 12), plate: 'HOLD' }]);
    expect(spotOf(first[0]!)).toBe(lot.lo);
    await db.pool.query(`update reservations set hold_expires_at = $2 where lot_id = $1`, [lot.lotId, new Date(now.getTime() - 60_000)]);
    const results = await many(lot, [{ from: at(6, 9), to: at(6, 10), plate: 'NEXT' }]);
    expect(results[0]).toMatchObject({ row: { spot_id: lot.lo }, via: 'batch' });
    const { rows } = await db.pool.query(`select plate, status from reservations where lot_id = $1 order by plate`, [lot.lotId]);
    expect(rows).toEqual([{ plate: 'HOLD', status: 'EXPIRED' }, { plate: 'NEXT', status: 'TENTATIVE' }]);
    expect(await bitsOff(lot.lotId)).toBe(0);
  });

  it('a writer racing the batch on a plate fails the batch\'s insert: the batch goes one booking at a time, neighbours booked', async () => {
    const lot = await newLot(4);
    // the day's rows exist before the racer starts (else the batch would wait on the racer's preparation of them instead)
    await db.pool.query(`select parkctl_prepare_days($1, $2::date, $2::date)`, [lot.lotId, new Date(at(7, 0)).toISOString().slice(0, 10)]);
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('begin');
      await other.query(`select * from parkctl_reserve($1::integer, 'regular', $2, $3, 'RACER', 'c', 100, 'GBP', $4, $5, null, $6, 'other')`,
        [lot.lotId, new Date(at(7, 8)), new Date(at(7, 12)), new Date(now.getTime() + 900_000), now, lot.lo]);
      // not committed yet: the batch's plate check cannot see it; its insert waits on it, then the constraint answers
      const pending = many(lot, [{ from: at(7, 10), to: at(7, 14), plate: 'RACER' }, { from: at(7, 10), to: at(7, 14), plate: 'CALM' }]);
      await waitForLockWait();
      await other.query('commit');
      const results = await pending;
      expect(results.map((r) => r.via)).toEqual(['fallback', 'fallback']);
      expect(results[0]).toMatchObject({ error: { code: '23P01', constraint: 'reservations_one_per_plate' } });
      expect(results[1]).toMatchObject({ row: { created: true } });
      expect(await bitsOff(lot.lotId)).toBe(0);
    } finally {
      await other.end();
    }
  });
});

/** until some backend of this database waits for a lock (the batch's insert waiting on the racing writer) */
async function waitForLockWait(): Promise<void> {
  for (;;) {
    const { rows } = await db.pool.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Random batches: windows over two days (some across midnight), a few plates, some keys, a spot out of service.
const reqArb = fc.record({
  d: fc.integer({ min: 0, max: 1 }), q: fc.integer({ min: 0, max: 95 }), len: fc.integer({ min: 1, max: 16 }),
  plate: fc.constantFrom('P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8'), spot: fc.integer({ min: 0, max: 3 }),
  key: fc.option(fc.constantFrom('k1', 'k2'), { freq: 8 }),
});
type ReqValue = typeof reqArb extends fc.Arbitrary<infer T> ? T : never;
const batchArb = fc.array(reqArb, { minLength: 1, maxLength: 24 });
const toReq = (r: ReqValue): Req => ({ from: at(10 + r.d, r.q), to: at(10 + r.d, r.q + r.len), plate: r.plate, spot: r.spot, externalRef: r.key });

describe('parkctl_reserve_many over random batches', () => {
  it('answers every element as the table bears out: no overlap, no false refusal, bits equal to the bookings', async () => {
    const seen: Record<ReserveManyVia, number> = { batch: 0, alone: 0, fallback: 0 };
    await fc.assert(fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 3 }), fc.boolean(), async (batches, maintenance) => {
      const lot = await newLot(4);
      if (maintenance) await db.pool.query(`update spots set status = 'maintenance' where lot_id = $1 and spot_id = $2`, [lot.lotId, lot.lo + 2]);
      let created = 0;
      for (const batch of batches) {
        const reqs = batch.map(toReq);
        const results = await many(lot, reqs);
        for (const [n, r] of results.entries()) {
          const q = reqs[n]!;
          seen[r.via]++;
          const args = [lot.lotId, q.plate, new Date(q.from), new Date(q.to)];
          if ('error' in r) {
            // the only refusal by error: the plate has a live booking over the window
            expect(r.error).toMatchObject({ code: '23P01', constraint: 'reservations_one_per_plate' });
            const { rows } = await db.pool.query(`select 1 from reservations where lot_id = $1 and plate = $2 and period && tstzrange($3, $4, '[)') and status = 'TENTATIVE'`, args);
            expect(rows.length).toBeGreaterThan(0);
          } else if (r.row === null) {
            // no spot free: every active regular spot holds a live booking over the window
            const { rows } = await db.pool.query(
              `select s.spot_id from spots s where s.lot_id = $1 and s.vehicle_type = 'regular' and s.status = 'active'
                  and not exists (select 1 from reservations r where r.lot_id = s.lot_id and r.spot_id = s.spot_id and r.status = 'TENTATIVE'
                                   and r.spot_period && tstzrange($3, $4, '[)'))
                  and $2::text is not null`, args);
            expect(rows).toEqual([]);
          } else {
            const { rows } = await db.pool.query(
              `select r.plate, lower(r.period) as f, upper(r.period) as t, r.price_minor::int as price, s.status as spot_status, s.label, r.external_ref
                 from reservations r join spots s using (lot_id, spot_id) where r.lot_id = $1 and r.reservation_id = $2`, [lot.lotId, r.row.reservation_id]);
            expect(rows).toHaveLength(1);
            if (r.row.created) {
              created++;
              expect(rows[0]).toEqual({ plate: q.plate, f: new Date(q.from), t: new Date(q.to), price: 500, spot_status: 'active', label: r.row.label, external_ref: q.externalRef ?? null });
            } else {
              // a key used before: the booking it made (core compares the requests and refuses another under it)
              expect(rows[0].external_ref).toBe(q.externalRef);
            }
          }
        }
        expect(await countOverlaps(db.pool)).toBe(0);
        expect(await bitsOff(lot.lotId)).toBe(0);
      }
      const { rows: [live] } = await db.pool.query<{ n: number; plates: number }>(
        `select count(*)::int as n, (select count(*)::int from reservations a join reservations b on a.lot_id = b.lot_id and a.plate = b.plate
                and a.reservation_id < b.reservation_id and a.period && b.period where a.lot_id = $1) as plates
           from reservations r where r.lot_id = $1`, [lot.lotId]);
      expect(live).toEqual({ n: created, plates: 0 });
    }), { numRuns: 40 });
    // the property saw both paths, not one of them only
    expect(seen.batch).toBeGreaterThan(0);
    expect(seen.alone).toBeGreaterThan(0);
  }, 240_000);

  it('picks the spots the per-booking path picks for batches of distinct plates', async () => {
    const single = fc.array(reqArb, { minLength: 1, maxLength: 24 })
      .map((rs) => rs.map((r, n) => ({ ...toReq(r), plate: `D${n}`, externalRef: null })));
    await fc.assert(fc.asyncProperty(fc.array(single, { minLength: 1, maxLength: 2 }), async (batches) => {
      const a = await newLot(4);
      const b = await newLot(4);
      for (const reqs of batches) {
        const viaBatch = (await many(a, reqs)).map((r) => { const s = spotOf(r); return s === null ? null : s - a.lo; });
        const viaEach = (await each(b, reqs)).map((r) => (r.spot_id === null ? null : r.spot_id - b.lo));
        expect(viaBatch).toEqual(viaEach);
      }
    }), { numRuns: 25 });
  }, 240_000);
});
