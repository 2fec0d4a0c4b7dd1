import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, UsageError } from '../src/core/errors.js';
import { quoteWindow } from '../src/core/pricing/index.js';
import { parsePricing } from '../src/core/pricing/schema.js';
import { loadPricing, replacePricing } from '../src/core/sql/pricing.js';
import { loadLot } from '../src/core/lots/lot.js';
import { importLot } from '../src/core/lots/import-lot.js';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { testLotFile } from './support/lots.js';
import { migrationStatus } from '../src/core/migrate.js';
import type { Queryable } from '../src/core/ports.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let lotId: number;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
  const { rows } = await db.pool.query<{ lot_id: number }>(
    `insert into lots (code, name, time_zone, currency) values ('PRICE1', 'Pricing test', 'Europe/London', 'GBP') returning lot_id`,
  );
  lotId = rows[0]!.lot_id;
});

afterAll(async () => {
  await db?.drop();
});

const section = {
  rates: [
    { type: 'regular', rate_per_hour_minor: 250 },
    { type: 'regular', days: 'weekdays', from: '07:00', to: '10:00', rate_per_hour_minor: 400, priority: 10 },
    { days: ['fri', 'sat'], from: '22:00', to: '06:00', rate_per_hour_minor: 150, valid_from: '2025-01-01T00:00:00Z', valid_until: '2026-01-01T00:00:00+01:00' },
    { rate_per_hour_minor: 300 },
  ],
  daily_max_minor: { default: 3000, motorcycle: 1000 },
  free_minutes: 10,
  tax_rate_bp: 2000,
  surcharges: [{ above_occupancy_percent: 90, add_percent: 50 }, { above_occupancy_percent: 80, add_percent: 20 }],
};

describe('pricing storage', () => {
  it('round-trips a policy through pricing_rules and lots.pricing', async () => {
    const policy = parsePricing(section);
    await replacePricing(db.pool, lotId, policy);
    const loaded = await loadPricing(db.pool, lotId);
    expect(loaded).toEqual(policy);
    const window = { timeZone: 'Europe/London', vehicleType: 'regular' as const, start: new Date('2025-06-06T20:00:00Z'), end: new Date('2025-06-08T09:00:00Z'), occupancyRatio: 0.85 };
    expect(quoteWindow(loaded, window)).toEqual(quoteWindow(policy, window));
  });

  it('stores rules as columns the schema documents', async () => {
    const { rows } = await db.pool.query(
      `select rule_id, vehicle_type, days, from_minute, to_minute, rate_per_hour_minor::integer as rate, priority
         from pricing_rules where lot_id = $1::integer order by rule_id`,
      [lotId],
    );
    expect(rows[1]).toEqual({ rule_id: 2, vehicle_type: 'regular', days: [1, 2, 3, 4, 5], from_minute: 420, to_minute: 600, rate: 400, priority: 10 });
    expect(rows[3]).toMatchObject({ vehicle_type: null, days: [1, 2, 3, 4, 5, 6, 7], from_minute: 0, to_minute: 1440 });
  });

  it('replaces rather than appends', async () => {
    await replacePricing(db.pool, lotId, parsePricing({ rates: [{ rate_per_hour_minor: 100 }] }));
    const loaded = await loadPricing(db.pool, lotId);
    expect(loaded.rules).toHaveLength(1);
    expect(loaded).toMatchObject({ freeMinutes: 0, taxRateBp: 0, surcharges: [], dailyMaxMinor: { defaultMinor: null, byType: {} } });
  });

  it('loads a whole lot in two statements on one connection, with the pricing loadPricing reads (issue 13)', async () => {
    const file = testLotFile({ code: 'WHOLE1', spots: 7 });
    await importLot(db.pool, parseLotFile({ ...file, pricing: section }, 't'), 't');
    await db.pool.query(`update spots set status = 'maintenance' where lot_id = (select lot_id from lots where code = 'WHOLE1') and label = 'A-007'`);
    const statements: string[] = [];
    const counting: Queryable = { query: (text, values) => { statements.push(String(text)); return db.pool.query(text as string, values as unknown[]) as never; } };
    const lot = await loadLot(counting, 'whole1');
    expect(statements).toHaveLength(2);
    expect(lot.pricing).toEqual(await loadPricing(db.pool, lot.lotId));
    expect(lot.pricing).toEqual(parsePricing(section));
    expect(lot.pricing.rules[2]).toMatchObject({ vehicleType: null, days: [5, 6], validFrom: new Date('2025-01-01T00:00:00Z'), validUntil: new Date('2025-12-31T23:00:00Z') });
    const { rows } = await db.pool.query<{ vehicle_type: string; count: number; min: number; max: number }>(
      `select vehicle_type::text as vehicle_type, count(*)::integer as count, min(spot_id) as min, max(spot_id) as max from spots
        where lot_id = $1::integer and status = 'active' group by spots.vehicle_type order by spots.vehicle_type`, [lot.lotId]);
    expect(rows.map((r) => r.count)).toEqual([6, 1]);
    expect([...lot.spotRanges]).toEqual(rows.map((r) => [r.vehicle_type, { count: r.count, minSpotId: r.min, maxSpotId: r.max }]));
  });

  it('reads what is migrated in one statement, and a database never migrated as all pending', async () => {
    const names = [{ id: 1, name: '0001_core_schema' }, { id: 99_999, name: '99999_not_yet' }];
    const statements: string[] = [];
    const counting: Queryable = { query: (text, values) => { statements.push(String(text)); return db.pool.query(text as string, values as unknown[]) as never; } };
    const status = await migrationStatus(counting, names);
    expect(statements).toHaveLength(1);
    expect(status[0]!.appliedAt).toBeInstanceOf(Date);
    expect(status[1]!.appliedAt).toBeNull();
    // where no parkctl_migrations table can be seen, as on a database never migrated
    const client = await db.pool.connect();
    try {
      await client.query(`create schema if not exists never_migrated; set search_path to never_migrated`);
      expect((await migrationStatus(client, names)).map((m) => m.appliedAt)).toEqual([null, null]);
    } finally {
      await client.query('reset search_path');
      client.release();
    }
  });

  it('refuses an unknown lot and a malformed lots.pricing', async () => {
    await expect(loadPricing(db.pool, 999_999)).rejects.toThrow(NotFoundError);
    await expect(replacePricing(db.pool, 999_999, parsePricing(section))).rejects.toThrow(NotFoundError);
    await db.pool.query(`update lots set pricing = '{"free_minutes": -1}'::jsonb where lot_id = $1::integer`, [lotId]);
    await expect(loadPricing(db.pool, lotId)).rejects.toThrow(UsageError);
    await expect(loadPricing(db.pool, lotId)).rejects.toThrow('lots.pricing.free_minutes');
  });
});
