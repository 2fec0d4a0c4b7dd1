// The database itself refuses what must never happen; the checker catches what a naive allocator does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lot } from '../src/core/lots/lot.js';
import { countOverlaps } from '../src/core/sql/reservations.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let lot: Lot;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 20 });
  lot = await createTestLot(db.pool, { code: 'INV', spots: 4 });
});
afterAll(async () => { await db.drop(); });

const insert = (spotId: number, plate: string, from: string, to: string, status = 'CONFIRMED', table = 'reservations') =>
  db.pool.query(
    `insert into ${table} (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
     values ($1, 'c', $2, 'regular', $3, tstzrange($4::timestamptz, $5::timestamptz, '[)'), $6::reservation_status, 100, 'GBP', now(), now())`,
    [lot.lotId, plate, spotId, from, to, status],
  );

describe('constraints', () => {
  it('an overlapping live reservation of the same spot fails with 23P01', async () => {
    await insert(1, 'AAA111', '2026-12-01T08:00Z', '2026-12-01T10:00Z');
    await expect(insert(1, 'BBB222', '2026-12-01T09:59Z', '2026-12-01T11:00Z')).rejects.toMatchObject({ code: '23P01', constraint: 'reservations_no_double_booking' });
  });

  it('back-to-back windows on one spot are legal (half-open periods)', async () => {
    await expect(insert(1, 'CCC333', '2026-12-01T10:00Z', '2026-12-01T12:00Z')).resolves.toBeTruthy();
  });

  it('a second live reservation of the same plate in an overlapping window fails with 23P01', async () => {
    await expect(insert(2, 'AAA111', '2026-12-01T09:00Z', '2026-12-01T09:30Z')).rejects.toMatchObject({ code: '23P01', constraint: 'reservations_one_per_plate' });
  });

  it('the plate constraint compares whole plates: plates that differ only by zeros or length stay apart', async () => {
    // The constraint is on parkctl_plate_key(plate): a bigint that must be one-to-one over valid plates.
    for (const [i, plate] of ['AB0', 'AB00', 'AB', '0AB', 'A0B', 'ZZZZZZZZZZZZ', '000000000000'].entries()) {
      await expect(insert(1 + (i % 4), plate, `2026-12-04T0${i}:00Z`, '2026-12-04T09:00Z', i < 4 ? 'CONFIRMED' : 'CANCELLED')).resolves.toBeTruthy();
    }
    const { rows } = await db.pool.query<{ plates: number; keys: number; widest: string }>(
      `select count(distinct p)::int as plates, count(distinct parkctl_plate_key(p))::int as keys, max(parkctl_plate_key(p))::text as widest
         from (select upper(substr(md5(i::text), 1, 2 + i % 11)) as p from generate_series(1, 20000) i
               union all select unnest(array['AB0', 'AB00', 'AB', '0AB', 'A0B', '000000000000', 'ZZZZZZZZZZZZ'])) s`);
    expect(rows[0]!.keys).toBe(rows[0]!.plates);
    expect(rows[0]!.widest).toBe('6582952005840035280'); // ZZZZZZZZZZZZ: the largest key, inside bigint
  });

  it('cancelled, expired and completed reservations do not block', async () => {
    await insert(3, 'DDD444', '2026-12-02T08:00Z', '2026-12-02T10:00Z', 'CANCELLED');
    await insert(3, 'EEE555', '2026-12-02T08:00Z', '2026-12-02T10:00Z', 'EXPIRED');
    await expect(insert(3, 'FFF666', '2026-12-02T08:00Z', '2026-12-02T10:00Z')).resolves.toBeTruthy();
    expect(await countOverlaps(db.pool)).toBe(0);
  });

  it('money and plates are checked: negative prices and unnormalised plates are refused', async () => {
    await expect(insert(4, 'ab-12', '2026-12-03T08:00Z', '2026-12-03T09:00Z')).rejects.toMatchObject({ code: '23514' });
    await expect(db.pool.query(`update reservations set price_minor = -1 where lot_id = $1`, [lot.lotId])).rejects.toMatchObject({ code: '23514' });
  });
});

describe('negative control', () => {
  it('a naive check-then-insert allocator on a table without the constraint double-books, and the checker sees it', async () => {
    await db.pool.query(`create table naive_reservations (like reservations including defaults including generated)`);
    const window = ['2026-12-05T08:00Z', '2026-12-05T10:00Z'] as const;
    // 16 clients each check "is spot 1 free?" before any of them inserts: the race a lock-free check allows.
    const checks = await Promise.all(Array.from({ length: 16 }, () =>
      db.pool.query(`select 1 from naive_reservations where lot_id = $1 and spot_id = 1 and period && tstzrange($2::timestamptz, $3::timestamptz, '[)')
                       and status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')`, [lot.lotId, ...window])));
    const believedFree = checks.filter((c) => c.rowCount === 0).length;
    await Promise.all(Array.from({ length: believedFree }, (_, i) => insert(1, `NAIVE${i}`, window[0], window[1], 'CONFIRMED', 'naive_reservations')));
    expect(believedFree).toBe(16);
    expect(await countOverlaps(db.pool, 'naive_reservations')).toBe((16 * 15) / 2);
    expect(await countOverlaps(db.pool)).toBe(0);
  });
});
