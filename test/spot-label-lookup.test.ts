// A spot named as people type it: the exact label, else the one spot matching it ignoring case; of two
// spots differing only in case, each by its exact label and neither by another spelling (the charger
// binding, `lot spot disable|enable` and booking restore all look spots up this way).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { selectSpotByLabel } from '../src/core/sql/lots.js';
import { updateSpotStatus } from '../src/core/sql/dashboard.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let lotId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  lotId = (await createTestLot(db.pool, { spots: 3 })).lotId;
  const zone = (await db.pool.query<{ zone_id: number }>('select zone_id from zones where lot_id = $1', [lotId])).rows[0]!.zone_id;
  // two spots whose labels differ only in case (labels are unique as written)
  await db.pool.query(`insert into spots (lot_id, spot_id, zone_id, label, vehicle_type)
    select $1, m + n, $2, l, 'regular' from (select max(spot_id) m from spots where lot_id = $1) s, (values (1, 'b-1'), (2, 'B-1')) v(n, l)`, [lotId, zone]);
});
afterAll(async () => { await db.drop(); });

const labelOf = async (typed: string) => (await selectSpotByLabel(db.pool, lotId, typed))?.label ?? null;

it('finds the exact label, and a unique one in any case', async () => {
  expect(await labelOf('A-002')).toBe('A-002');
  expect(await labelOf('a-002')).toBe('A-002');
  expect(await labelOf('ev-1')).toBe('EV-1');
  expect(await labelOf('A-009')).toBeNull();
});

it('of two labels differing only in case, takes each exactly and neither by another spelling', async () => {
  expect(await labelOf('b-1')).toBe('b-1');
  expect(await labelOf('B-1')).toBe('B-1');
  const mixed = await db.pool.query<{ n: number }>(`select count(*)::int n from spots where lot_id = $1 and upper(label) = 'B-1'`, [lotId]);
  expect(mixed.rows[0]!.n).toBe(2);
});

it('a status change by label changes that one spot only', async () => {
  const at = new Date('2026-12-01T08:00:00Z');
  const changed = await updateSpotStatus(db.pool, { lotId, label: 'b-1', status: 'maintenance', now: at });
  expect(changed?.label).toBe('b-1');
  const rows = await db.pool.query<{ label: string; status: string }>(`select label, status::text from spots where lot_id = $1 and upper(label) = 'B-1' order by label`, [lotId]);
  expect(rows.rows).toEqual([{ label: 'B-1', status: 'active' }, { label: 'b-1', status: 'maintenance' }]);
  expect(await updateSpotStatus(db.pool, { lotId, label: 'a-001', status: 'maintenance', now: at })).toMatchObject({ label: 'A-001', previous: 'active' });
});
