// Data for the scale benchmarks: scratch lots and reservations made set-based (insert ... select from
// generate_series), never row by row. Everything lives in scratch lots that dropLot removes.
import { withTransaction } from '../db.js';
import { importLot } from '../lots/import-lot.js';
import { parseLotFile } from '../lots/lot-file.js';
import type { PoolLike, Queryable } from '../ports.js';
import { cloneLot } from '../sql/scratch-lots.js';

/** A lot of `spots` regular spots (ids 1..spots, the import assigns them in file order). */
export async function createBenchLot(pool: PoolLike, code: string, spots: number): Promise<number> {
  const def = parseLotFile({
    code, name: `bench ${code}`, time_zone: 'UTC', currency: 'EUR', max_window_days: 7,
    zones: [{ code: 'A', name: 'bench', floor: 0, spots: [{ labels: `S-00001..S-${String(spots).padStart(5, '0')}`, type: 'regular' }] }],
    pricing: { rates: [{ rate_per_hour_minor: 200 }] },
  }, 'bench');
  return (await importLot(pool, def, 'bench')).lotId;
}

/** `count` lots like `sourceLotId` (same spots and prices); returns their ids. */
export async function cloneBenchLots(db: Queryable, sourceLotId: number, codePrefix: string, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(await cloneLot(db, sourceLotId, `${codePrefix}-${i}`));
  return ids;
}

/** Length of every generated booking (ms): windows are back to back per spot. */
export const benchWindowMs = 2 * 3_600_000;

/**
 * `count` CONFIRMED reservations in one lot: reservation g sits on spot 1 + g % spots, in the
 * (g / spots)-th consecutive 2-hour window from `from`, so no two overlap on a spot (the exclusion
 * constraints still check every row) and every plate is unique.
 * Row triggers (spot_days bits, the audit trail) are skipped when the session may do so
 * (session_replication_role needs a superuser): capacity counts read reservations, not spot_days, and
 * the rows go when the scratch lot is dropped. Returns whether triggers were skipped.
 */
export async function insertBenchReservations(pool: PoolLike, lotId: number, spots: number, count: number, from: Date): Promise<boolean> {
  let skipped = true;
  try {
    await insertBatch(pool, lotId, spots, count, from, true);
  } catch (err) {
    if ((err as { code?: string }).code !== '42501') throw err; // not a superuser: keep the triggers
    skipped = false;
    await insertBatch(pool, lotId, spots, count, from, false);
  }
  return skipped;
}

async function insertBatch(pool: PoolLike, lotId: number, spots: number, count: number, from: Date, skipTriggers: boolean): Promise<void> {
  await withTransaction(pool, async (tx) => {
    if (skipTriggers) await tx.query(`set local session_replication_role = replica`);
    await tx.query(
      `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency,
                                 payment_status, created_at, updated_at)
       select $1::integer, 'bench', 'B' || g, 'regular', 1 + g % $2::integer,
              tstzrange($4::timestamptz + (g / $2::integer) * interval '2 hours', $4::timestamptz + (g / $2::integer + 1) * interval '2 hours', '[)'),
              'CONFIRMED', 400, 'EUR', 'paid', now(), now()
         from generate_series(0, $3::integer - 1) g`,
      [lotId, spots, count, from],
    );
  });
}
