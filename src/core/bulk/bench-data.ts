// Scratch lots for the scale benchmarks (their bookings: ../bench/capacity-data.ts). Everything lives in
// scratch lots that dropLot removes.
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
