// Two sweepers at once over the same backlog: every row is released exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lot } from '../src/core/lots/lot.js';
import { fixedClock } from '../src/core/ports.js';
import { runSweep } from '../src/core/sweepers/sweep.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase({ poolSize: 16 }); });
afterAll(async () => { await db.drop(); });

const base = '2027-01-01T00:00:00Z';

/**
 * `count` reservations in one statement: row i sits on spot (i mod spots) + 1, on day floor(i / spots)
 * after `base`, 08:00-09:00, with its own plate, so neither exclusion constraint is touched.
 */
async function insertBacklog(lot: Lot, o: { count: number; spots: number; status: 'TENTATIVE' | 'CONFIRMED'; holdExpiresAt: string | null; paid: boolean }) {
  await db.pool.query(
    `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, hold_expires_at,
                               price_minor, currency, payment_status, created_at, updated_at)
     select $1, 'bulk', 'BL' || i, 'regular', s.spot_id,
            tstzrange($2::timestamptz + (i / $3) * interval '1 day' + interval '8 hours',
                      $2::timestamptz + (i / $3) * interval '1 day' + interval '9 hours', '[)'),
            $4::reservation_status, $5::timestamptz, 1000 + i, 'GBP', $6::payment_status, $2::timestamptz - interval '1 day', $2::timestamptz - interval '1 day'
       from generate_series(0, $7::integer - 1) as i
       join spots s on s.lot_id = $1 and s.label = 'A-' || lpad(((i % $3) + 1)::text, 3, '0')`,
    [lot.lotId, base, o.spots, o.status, o.holdExpiresAt, o.paid ? 'paid' : 'unpaid', o.count],
  );
  // What autovacuum does after a bulk load. Without statistics the spot_days trigger (migrations/0002)
  // plans its refresh on the wrong index and every released row costs milliseconds.
  await db.pool.query('analyze reservations, spot_days');
}

async function eventCounts(lot: Lot, kind: string): Promise<{ reservations: number; min: number; max: number }> {
  const { rows } = await db.pool.query<{ reservations: number; min: number; max: number }>(
    `select count(*)::integer as reservations, coalesce(min(n), 0)::integer as min, coalesce(max(n), 0)::integer as max
       from (select r.reservation_id, count(e.event_id) as n
               from reservations r left join events e on e.lot_id = r.lot_id and e.reservation_id = r.reservation_id and e.kind = $2
              where r.lot_id = $1 group by r.reservation_id) per_reservation`,
    [lot.lotId, kind],
  );
  return rows[0]!;
}

async function countStatus(lot: Lot, status: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`select count(*)::integer as n from reservations where lot_id = $1 and status = $2`, [lot.lotId, status]);
  return rows[0]!.n;
}

async function bitsLeft(lot: Lot): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `select count(*)::integer as n from spot_days where lot_id = $1 and mask <> repeat('0', 96)::bit(96)`, [lot.lotId]);
  return rows[0]!.n;
}

describe('two sweepers at once', () => {
  it('expire 10,000 due holds exactly once each', { timeout: 180_000 }, async () => {
    const lot = await createTestLot(db.pool, { code: 'BACKLOG', spots: 100 });
    await insertBacklog(lot, { count: 10_000, spots: 100, status: 'TENTATIVE', holdExpiresAt: '2026-12-31T23:00:00Z', paid: false });
    expect(await bitsLeft(lot)).toBe(10_000);

    const env = { DATABASE_URL: db.url };
    // two sweeper processes, one of them with two workers of its own
    const args = ['sweeper', 'run', '--holds', '--lot', 'BACKLOG', '--batch', '250', '--json', '--now', '2026-12-31T23:00:00Z'];
    const [a, b] = await Promise.all([runCli(args, env), runCli([...args, '--workers', '2'], env)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const expired = [a, b].map((r) => (r.json as { holdsExpired: number }).holdsExpired);
    expect(expired[0]! + expired[1]!).toBe(10_000);

    expect(await countStatus(lot, 'EXPIRED')).toBe(10_000);
    expect(await eventCounts(lot, 'reservation.expired')).toEqual({ reservations: 10_000, min: 1, max: 1 });
    expect(await bitsLeft(lot)).toBe(0);
  });

  it('mark 2,000 paid no-shows and their refunds exactly once each', { timeout: 120_000 }, async () => {
    const lot = await createTestLot(db.pool, { code: 'NOSHOWS', spots: 100, policy: { no_show_refund_percent: 100 } });
    await insertBacklog(lot, { count: 2_000, spots: 100, status: 'CONFIRMED', holdExpiresAt: null, paid: true });
    const deps = { pool: db.pool, clock: fixedClock(new Date('2027-02-01T00:00:00Z')) };
    const options = { jobs: ['noShows'] as const, lotCode: 'NOSHOWS', batchSize: 100, concurrency: 3 };
    const [a, b] = await Promise.all([runSweep(deps, options), runSweep(deps, options)]);
    expect(a.noShows + b.noShows).toBe(2_000);
    expect(a.refundsDue + b.refundsDue).toBe(2_000);
    expect(await countStatus(lot, 'NO_SHOW')).toBe(2_000);
    expect(await eventCounts(lot, 'reservation.no_show')).toEqual({ reservations: 2_000, min: 1, max: 1 });
    expect(await eventCounts(lot, 'payment.refund_due')).toEqual({ reservations: 2_000, min: 1, max: 1 });
    const { rows } = await db.pool.query<{ ok: boolean }>(
      `select bool_and((e.detail ->> 'amount_minor')::bigint = r.price_minor) as ok
         from events e join reservations r on r.lot_id = e.lot_id and r.reservation_id = e.reservation_id
        where e.lot_id = $1 and e.kind = 'payment.refund_due'`, [lot.lotId]);
    expect(rows[0]!.ok).toBe(true);
    expect(await bitsLeft(lot)).toBe(0);
  });
});
