// `parkctl bench ev`'s scratch lot: N ev spots, one single-connector charge point on each, all with one
// password (hashed once: the bench measures the central system's answers, not N scrypt hashings).
import { randomBytes } from 'node:crypto';
import { importLot } from '../lots/import-lot.js';
import { parseLotFile } from '../lots/lot-file.js';
import type { PoolLike } from '../ports.js';
import { dropLot } from '../sql/scratch-lots.js';
import { hashChargerPassword, newChargerPassword } from './credentials.js';

export interface BenchLot {
  lotId: number;
  code: string;
  chargePointIds: string[];
  password: string;
  drop: () => Promise<void>;
}

export async function createEvBenchLot(pool: PoolLike, chargePoints: number): Promise<BenchLot> {
  const code = `EVBENCH-${randomBytes(3).toString('hex').toUpperCase()}`;
  const width = String(chargePoints).length;
  const label = (i: number) => `EV-${String(i).padStart(width, '0')}`;
  const ids = Array.from({ length: chargePoints }, (_, i) => `${code}-CP${String(i + 1).padStart(width, '0')}`);
  const def = parseLotFile({
    code, name: 'EV bench (scratch)', time_zone: 'UTC', currency: 'GBP',
    zones: [{ code: 'EV', name: 'EV bays', floor: 0, spots: [{ labels: `${label(1)}..${label(chargePoints)}`, type: 'ev' }] }],
    ev_chargers: ids.map((id, i) => ({ id, spots: [label(i + 1)] })),
    pricing: { rates: [{ rate_per_hour_minor: 200 }], ev: { energy_per_kwh_minor: 35, idle_per_hour_minor: 600, idle_grace_minutes: 10 } },
  }, 'bench');
  const { lotId } = await importLot(pool, def, 'bench');
  const password = newChargerPassword();
  await pool.query(`update ev_chargers set password_hash = $2::text where lot_id = $1::integer`, [lotId, await hashChargerPassword(password)]);
  return { lotId, code, chargePointIds: ids, password, drop: () => dropLot(pool, lotId) };
}
