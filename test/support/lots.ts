// Small lots made in tests, through the same import path as `parkctl lot import`.
import { importLot } from '../../src/core/lots/import-lot.js';
import { loadLot, type Lot } from '../../src/core/lots/lot.js';
import { parseLotFile } from '../../src/core/lots/lot-file.js';
import type { PoolLike } from '../../src/core/ports.js';

export interface TestLotOptions {
  code?: string;
  /** regular spots */
  spots?: number;
  holdMinutes?: number;
  ratePerHourMinor?: number;
  policy?: Record<string, unknown>;
}

export function testLotFile(o: TestLotOptions = {}) {
  const n = o.spots ?? 10;
  return {
    code: o.code ?? 'TEST',
    name: 'Test lot',
    time_zone: 'Europe/London',
    currency: 'GBP',
    hold_minutes: o.holdMinutes ?? 15,
    policy: o.policy ?? { walk_ins: true },
    zones: [{ code: 'A', name: 'Zone A', floor: 0, spots: [{ labels: `A-001..A-${String(n).padStart(3, '0')}`, type: 'regular' }, { label: 'EV-1', type: 'ev' }] }],
    pricing: { rates: [{ rate_per_hour_minor: o.ratePerHourMinor ?? 200 }] },
  };
}

export async function createTestLot(pool: PoolLike, o: TestLotOptions = {}): Promise<Lot> {
  const def = parseLotFile(testLotFile(o), 'test lot');
  await importLot(pool, def, 'test');
  return loadLot(pool, def.code);
}
