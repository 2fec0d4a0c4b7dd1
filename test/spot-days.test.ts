// The allocator's per-spot-day bits (spot_days) against the truth they summarise: after any mix of writes,
// each row's mask is exactly the quarter hours its spot's live bookings touch. Releases on quarter hours
// clear their own bits; others recompute (migrations/0006); both must land on the same answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lot } from '../src/core/lots/lot.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let lot: Lot;
beforeAll(async () => {
  db = await createTestDatabase();
  lot = await createTestLot(db.pool, { code: 'BITS', spots: 6 });
});
afterAll(async () => { await db.drop(); });

async function book(label: string, plate: string, from: string, to: string): Promise<string> {
  const { rows } = await db.pool.query<{ reservation_id: string }>(
    `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
     select $1, 'c', $2, 'regular', s.spot_id, tstzrange($3::timestamptz, $4::timestamptz, '[)'), 'CONFIRMED', 100, 'GBP', now(), now()
       from spots s where s.lot_id = $1 and s.label = $5
     returning reservation_id`,
    [lot.lotId, plate, from, to, label],
  );
  return rows[0]!.reservation_id;
}

const setStatus = (ids: string[], status: string) =>
  db.pool.query(`update reservations set status = $2::reservation_status where reservation_id = any ($1::uuid[])`, [ids, status]);

/** Spot-days whose mask differs from the bits of the live bookings of that spot and day. */
async function wrongMasks(): Promise<Array<{ label: string; day: string; mask: string; truth: string }>> {
  const { rows } = await db.pool.query<{ label: string; day: string; mask: string; truth: string }>(
    `select s.label, sd.day::text as day, sd.mask::text as mask, t.truth::text as truth
       from spot_days sd join spots s on s.lot_id = sd.lot_id and s.spot_id = sd.spot_id
       cross join lateral (
         select coalesce(bit_or(parkctl_day_mask(sd.day, r.period)), 0::bit(96)) as truth
           from reservations r
          where r.lot_id = sd.lot_id and r.spot_id = sd.spot_id and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
            and r.period && tstzrange(sd.day::timestamp at time zone 'UTC', (sd.day + 1)::timestamp at time zone 'UTC', '[)')) t
      where sd.lot_id = $1 and sd.mask <> t.truth`,
    [lot.lotId],
  );
  return rows;
}

async function bits(label: string, day: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `select length(replace(sd.mask::text, '0', ''))::integer as n
       from spot_days sd join spots s on s.lot_id = sd.lot_id and s.spot_id = sd.spot_id
      where sd.lot_id = $1 and s.label = $2 and sd.day = $3::date`,
    [lot.lotId, label, day],
  );
  return rows[0]?.n ?? 0;
}

/** The quarter hours of `day` (UTC) that [from, to) touches, rounded outward, as 96 characters of 0 and 1. */
function expectedMask(day: number, from: number, to: number): string {
  const quarter = 900_000;
  const lo = Math.max(0, Math.floor((from - day) / quarter));
  const hi = Math.min(96, Math.ceil((to - day) / quarter));
  return Array.from({ length: 96 }, (_, i) => (i >= lo && i < hi ? '1' : '0')).join('');
}

describe('parkctl_day_mask', () => {
  it('marks exactly the quarter hours a period touches on a day, for periods on and off the quarter hours', async () => {
    let seed = 11;
    const rnd = (n: number) => { seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648; return Math.floor(seed / 65_536) % n; };
    const day = Date.parse('2027-03-10T00:00:00Z');
    const cases = Array.from({ length: 3000 }, () => {
      // starts from the day before to the day after; odd seconds and milliseconds in a third of them
      const from = day - 86_400_000 + rnd(3 * 96) * 900_000 + (rnd(3) === 0 ? rnd(900) * 1000 + rnd(1000) : 0);
      const to = from + 1 + rnd(2 * 96) * 900_000 + (rnd(3) === 0 ? rnd(900_000) : 0);
      return { from, to };
    });
    const { rows } = await db.pool.query<{ i: number; mask: string }>(
      `select c.i::integer as i, parkctl_day_mask($1::date, tstzrange(c.f, c.t, '[)'))::text as mask
         from unnest($2::timestamptz[], $3::timestamptz[]) with ordinality as c(f, t, i)`,
      ['2027-03-10', cases.map((c) => new Date(c.from).toISOString()), cases.map((c) => new Date(c.to).toISOString())],
    );
    const wrong = rows.filter((r) => r.mask !== expectedMask(day, cases[r.i - 1]!.from, cases[r.i - 1]!.to));
    expect(rows).toHaveLength(cases.length);
    expect(wrong).toEqual([]);
    expect(rows.filter((r) => r.mask.includes('1')).length).toBeGreaterThan(1000); // most of them touch the day
  });
});

describe('spot_days bits', () => {
  it('releasing a booking on quarter hours clears its bits and leaves its neighbours', async () => {
    const first = await book('A-001', 'BITS01', '2027-01-10T08:00Z', '2027-01-10T09:00Z');
    await book('A-001', 'BITS02', '2027-01-10T09:00Z', '2027-01-10T10:00Z');
    expect(await bits('A-001', '2027-01-10')).toBe(8);
    await setStatus([first], 'CANCELLED');
    expect(await bits('A-001', '2027-01-10')).toBe(4);
    expect(await wrongMasks()).toEqual([]);
  });

  it('releasing a booking off the quarter hours keeps the quarter it shares with the next one', async () => {
    // 10:00-10:20 and 10:20-11:00 both touch 10:15-10:30: cancelling the first must keep that bit.
    const early = await book('A-002', 'BITS03', '2027-01-10T10:00Z', '2027-01-10T10:20Z');
    await book('A-002', 'BITS04', '2027-01-10T10:20Z', '2027-01-10T11:00Z');
    expect(await bits('A-002', '2027-01-10')).toBe(4);
    await setStatus([early], 'CANCELLED');
    expect(await bits('A-002', '2027-01-10')).toBe(3);
    expect(await wrongMasks()).toEqual([]);
  });

  it('a booking across midnight is cleared on both days', async () => {
    const night = await book('A-003', 'BITS05', '2027-01-10T23:00Z', '2027-01-11T01:00Z');
    expect(await bits('A-003', '2027-01-10') + await bits('A-003', '2027-01-11')).toBe(8);
    await setStatus([night], 'EXPIRED');
    expect(await bits('A-003', '2027-01-10') + await bits('A-003', '2027-01-11')).toBe(0);
    expect(await wrongMasks()).toEqual([]);
  });

  it('one statement that clears one booking and shortens another on the same spot-day lands right', async () => {
    const cleared = await book('A-004', 'BITS06', '2027-01-10T12:00Z', '2027-01-10T13:00Z');
    const shortened = await book('A-004', 'BITS07', '2027-01-10T13:00Z', '2027-01-10T15:00Z');
    await db.pool.query(
      `update reservations
          set status = case when reservation_id = $1::uuid then 'CANCELLED'::reservation_status else status end,
              period = case when reservation_id = $2::uuid then tstzrange(lower(period), '2027-01-10T14:10Z', '[)') else period end
        where reservation_id in ($1::uuid, $2::uuid)`,
      [cleared, shortened],
    );
    expect(await bits('A-004', '2027-01-10')).toBe(5); // 13:00-14:15
    expect(await wrongMasks()).toEqual([]);
  });

  it('a random mix of bookings, cancellations, expiries and early departures leaves every mask exact', async () => {
    let seed = 7;
    const rnd = (n: number) => { seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648; return Math.floor(seed / 65_536) % n; };
    const live: string[] = [];
    let booked = 0;
    for (let i = 0; i < 300; i++) {
      const label = `A-00${5 + rnd(2)}`;
      const start = Date.parse('2027-02-01T00:00Z') + rnd(3 * 96) * 900_000 + (rnd(4) === 0 ? rnd(15) * 60_000 : 0);
      const end = start + (1 + rnd(12)) * 900_000 + (rnd(4) === 0 ? rnd(15) * 60_000 : 0);
      try {
        live.push(await book(label, `MIX${i}`, new Date(start).toISOString(), new Date(end).toISOString()));
        booked++;
      } catch (err) {
        expect(err).toMatchObject({ code: '23P01' }); // the spot was taken: the constraint, as it should
      }
      if (live.length > 3 && rnd(4) === 0) {
        const picked = live.splice(rnd(live.length), 1 + rnd(2));
        if (rnd(2) === 0) await setStatus(picked, rnd(2) === 0 ? 'CANCELLED' : 'EXPIRED');
        else await db.pool.query(
          `update reservations set period = tstzrange(lower(period), lower(period) + (upper(period) - lower(period)) / 3, '[)')
            where reservation_id = any ($1::uuid[])`, [picked]);
      }
    }
    expect(booked).toBeGreaterThan(100); // the mix did book, and released about a third of it
    const { rows } = await db.pool.query<{ n: number }>(
      `select count(*)::integer as n from reservations where lot_id = $1 and plate like 'MIX%' and status = 'CONFIRMED'`, [lot.lotId]);
    expect(rows[0]!.n).toBeGreaterThan(20);
    expect(await wrongMasks()).toEqual([]);
  }, 600_000); // a bound against a hang: 300 sequential bookings, over 120 s at load 28
});
