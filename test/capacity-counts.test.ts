// Capacity counts on generated lots (the `bench capacity` generator, through the real tables and triggers):
// the generator's rows keep spot_days exact, and the count from spot_days bits, the count from the bookings
// and a spot-by-spot count agree on every kind of window, with spots out of service and holds past expiry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCapacityBenchBookings } from '../src/core/bench/capacity-data.js';
import { createBenchLot } from '../src/core/bulk/bench-data.js';
import { countBusySpots, countBusySpotsFromBookings, countBusySpotsFromDays, type BusyQuery } from '../src/core/sql/capacity.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

const now = new Date('2031-06-01T09:00:00Z');
const hourMs = 3_600_000;
let db: TestDatabase;
let lotId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  lotId = await createBenchLot(db.pool, 'CAPCOUNT', 40);
  await insertCapacityBenchBookings(db.pool, lotId, 4_000, now);
});
afterAll(async () => db?.drop());

/** Spot by spot: an active spot of the type with a live booking in the window (holds past expiry are free). */
async function bruteForceBusy(q: BusyQuery): Promise<number> {
  const { rows } = await db.pool.query<{ busy: number }>(
    `select count(*)::integer as busy from spots s
      where s.lot_id = $1::integer and s.vehicle_type = $2::vehicle_type and s.status = 'active'
        and exists (select 1 from reservations r
                     where r.lot_id = s.lot_id and r.spot_id = s.spot_id
                       and r.period && tstzrange($3::timestamptz, $4::timestamptz, '[)')
                       and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
                       and not (r.status = 'TENTATIVE' and r.hold_expires_at <= $5::timestamptz))`,
    [q.lotId, q.vehicleType, q.start, q.end, q.now],
  );
  return rows[0]!.busy;
}

function windowAt(startMs: number, lengthMs: number, at = now): BusyQuery {
  return { lotId, vehicleType: 'regular', start: new Date(startMs), end: new Date(startMs + lengthMs), now: at };
}

/** Windows of every shape around `now`: past and future, 15 minutes to 3 days, across midnight. */
function sampleWindows(): BusyQuery[] {
  const windows: BusyQuery[] = [];
  for (let h = -30; h <= 90; h += 7) {
    for (const lengthMs of [hourMs / 4, 2 * hourMs, 7.75 * hourMs, 26 * hourMs, 72 * hourMs]) windows.push(windowAt(now.getTime() + h * hourMs, lengthMs));
  }
  return windows;
}

describe('the bench generator', () => {
  it('writes the lot as it runs: history, bookings under way, the future, a few holds', async () => {
    const { rows } = await db.pool.query<{ status: string; n: number }>(
      `select status::text, count(*)::integer as n from reservations where lot_id = $1::integer group by status`, [lotId]);
    const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    expect(rows.reduce((sum, r) => sum + r.n, 0)).toBe(4_000);
    expect(by.COMPLETED).toBeGreaterThan(by.CONFIRMED!);
    expect(by.CONFIRMED).toBeGreaterThan(0);
    expect(by.CHECKED_IN).toBeGreaterThan(0);
    expect(by.CANCELLED).toBeGreaterThan(0);
    expect(by.NO_SHOW).toBeGreaterThan(0);
    const { rows: [wrong] } = await db.pool.query<{ n: number }>(
      `select count(*)::integer as n from reservations where lot_id = $1::integer
          and ((status in ('COMPLETED', 'NO_SHOW') and upper(period) > $2::timestamptz)
            or (status = 'CHECKED_IN' and not period @> $2::timestamptz)
            or (status = 'TENTATIVE' and lower(period) <= $2::timestamptz))`, [lotId, now]);
    expect(wrong!.n).toBe(0);
  });

  it('leaves spot_days equal to the bits of the live bookings, row for row', async () => {
    const { rows: [diff] } = await db.pool.query<{ wrong: number; missing: number }>(
      `with want as (
         select r.spot_id, d.day, bit_or(parkctl_day_mask(d.day, r.period)) as mask
           from reservations r cross join lateral parkctl_days_of(r.period) d(day)
          where r.lot_id = $1::integer and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
          group by r.spot_id, d.day
       )
       select (select count(*)::integer from spot_days sd left join want w on w.spot_id = sd.spot_id and w.day = sd.day
                where sd.lot_id = $1::integer and sd.mask <> coalesce(w.mask, 0::bit(96))) as wrong,
              (select count(*)::integer from want w
                where not exists (select 1 from spot_days sd where sd.lot_id = $1::integer and sd.spot_id = w.spot_id and sd.day = w.day)) as missing`,
      [lotId]);
    expect(diff).toEqual({ wrong: 0, missing: 0 });
  });
});

describe('busy spots', () => {
  it('agree three ways on windows of every shape', async () => {
    let busyWindows = 0;
    for (const q of sampleWindows()) {
      const expected = await bruteForceBusy(q);
      expect(await countBusySpotsFromDays(db.pool, q), `${q.start.toISOString()} ${q.end.toISOString()}`).toBe(expected);
      expect(await countBusySpotsFromBookings(db.pool, q)).toBe(expected);
      if (expected > 0) busyWindows++;
    }
    expect(busyWindows).toBeGreaterThan(20);
  });

  it('windows off the quarter hours are counted from the bookings, exactly', async () => {
    for (const q of [windowAt(now.getTime() + 5 * hourMs + 7 * 60_000, 2 * hourMs), windowAt(now.getTime() + 30 * hourMs, 1.5 * hourMs + 1_000)]) {
      expect(await countBusySpots(db.pool, q)).toBe(await bruteForceBusy(q));
    }
  });

  it('a spot out of service is not counted, and a hold past its expiry frees its spot unless another booking holds it', async () => {
    const q = windowAt(now.getTime() + 48 * hourMs, 4 * hourMs);
    const later = { ...q, now: new Date(now.getTime() + 2 * 60_000) };
    const [beforeNow, before] = [await bruteForceBusy(q), await bruteForceBusy(later)];
    // the same cases through the several-days statement: a window from the evening before
    const wide = windowAt(q.start.getTime() - 12 * hourMs, 16 * hourMs, later.now);
    const wideAgrees = async () => expect(await countBusySpotsFromDays(db.pool, wide)).toBe(await bruteForceBusy(wide));
    // a free spot of the window gets a hold that runs out before `now + 1 min`
    const { rows: [free] } = await db.pool.query<{ spot_id: number }>(
      `select s.spot_id from spots s where s.lot_id = $1::integer and not exists (
         select 1 from reservations r where r.lot_id = s.lot_id and r.spot_id = s.spot_id and r.period && tstzrange($2::timestamptz, $3::timestamptz, '[)')
            and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')) order by s.spot_id limit 1`, [lotId, q.start, q.end]);
    expect(free).toBeDefined();
    await db.pool.query(
      `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, hold_expires_at, price_minor, currency, created_at, updated_at)
       values ($1::integer, 't', 'HOLD1', 'regular', $2::integer, tstzrange($3::timestamptz, $3::timestamptz + interval '1 hour', '[)'), 'TENTATIVE',
               $4::timestamptz + interval '1 minute', 200, 'EUR', $4::timestamptz, $4::timestamptz)`, [lotId, free!.spot_id, q.start, now]);
    expect(await countBusySpotsFromDays(db.pool, q)).toBe(beforeNow + 1); // the hold still runs
    expect(await countBusySpotsFromDays(db.pool, later)).toBe(before); // expired, not yet swept
    expect(await bruteForceBusy(later)).toBe(before);
    await wideAgrees();
    // the same spot booked later in the window: busy again, expired hold or not
    await db.pool.query(
      `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
       values ($1::integer, 't', 'LATER1', 'regular', $2::integer, tstzrange($3::timestamptz + interval '2 hours', $3::timestamptz + interval '3 hours', '[)'),
               'CONFIRMED', 200, 'EUR', $4::timestamptz, $4::timestamptz)`, [lotId, free!.spot_id, q.start, now]);
    expect(await countBusySpotsFromDays(db.pool, later)).toBe(before + 1);
    await wideAgrees();
    // a busy spot goes out of service: no longer counted (the lot's total leaves it out too)
    const { rows: [busy] } = await db.pool.query<{ spot_id: number }>(
      `select r.spot_id from reservations r where r.lot_id = $1::integer and r.status = 'CONFIRMED' and r.period && tstzrange($2::timestamptz, $3::timestamptz, '[)')
        and r.spot_id <> $4::integer order by r.spot_id limit 1`, [lotId, q.start, q.end, free!.spot_id]);
    await db.pool.query(`update spots set status = 'maintenance' where lot_id = $1::integer and spot_id = $2::integer`, [lotId, busy!.spot_id]);
    expect(await countBusySpotsFromDays(db.pool, later)).toBe(before);
    expect(await countBusySpotsFromBookings(db.pool, later)).toBe(before);
    expect(await bruteForceBusy(later)).toBe(before);
    await wideAgrees();
    await db.pool.query(`update spots set status = 'active' where lot_id = $1::integer and spot_id = $2::integer`, [lotId, busy!.spot_id]);
  });

  it('follows cancellations and check-outs (the update triggers keep the bits)', async () => {
    const q = windowAt(now.getTime() + 20 * hourMs, 6 * hourMs);
    await db.pool.query(
      `update reservations set status = 'CANCELLED', updated_at = $4::timestamptz
        where lot_id = $1::integer and status = 'CONFIRMED' and period && tstzrange($2::timestamptz, $3::timestamptz, '[)')
          and reservation_id in (select reservation_id from reservations where lot_id = $1::integer and status = 'CONFIRMED'
                                   and period && tstzrange($2::timestamptz, $3::timestamptz, '[)') order by spot_id limit 5)`,
      [lotId, q.start, q.end, now]);
    const expected = await bruteForceBusy(q);
    expect(await countBusySpotsFromDays(db.pool, q)).toBe(expected);
    expect(await countBusySpotsFromBookings(db.pool, q)).toBe(expected);
  });
});
