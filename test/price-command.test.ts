// `parkctl price quote`: the breakdown a customer is charged by, through the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLot } from '../src/core/lots/import-lot.js';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let env: Record<string, string>;

/** Two regular spots; a weekday morning band over a flat rate, a daily maximum, free minutes, tax, a surcharge. */
const pricedLot = {
  code: 'PRICED',
  name: 'Priced lot',
  time_zone: 'Europe/London',
  currency: 'GBP',
  zones: [{ code: 'A', name: 'A', spots: [{ labels: 'A-1..A-2', type: 'regular' }] }],
  pricing: {
    rates: [
      { rate_per_hour_minor: 200 },
      { days: 'weekdays', from: '07:00', to: '09:00', rate_per_hour_minor: 400, priority: 10 },
    ],
    daily_max_minor: 3000,
    free_minutes: 10,
    tax_rate_bp: 2000,
    surcharges: [{ above_occupancy_percent: 40, add_percent: 50 }],
  },
};

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, PARKCTL_NOW: '2026-12-01T00:00:00Z' };
  await importLot(db.pool, parseLotFile(pricedLot, 'test'), 'test');
});
afterAll(async () => { await db.drop(); });

const quote = (...args: string[]) => runCli(['price', 'quote', '--lot', 'PRICED', '--type', 'regular', ...args], env);

interface QuoteJson {
  segments: { localFrom: string; localTo: string; ratePerHourMinor: number; amountMinor: number; ruleId: number }[];
  days: { localDate: string; amountMinor: number; chargedMinor: number; capApplied: boolean }[];
  occupancy: { free: number; total: number; percent: number };
  subtotalMinor: number;
  surchargePercent: number;
  surchargeMinor: number;
  taxMinor: number;
  totalMinor: number;
  capApplied: boolean;
  freeMinutesApplied: boolean;
}

describe('price quote', () => {
  it('prints each segment at its rate, then subtotal, tax and total (Monday morning band)', async () => {
    const r = await quote('--from', '2026-12-07T08:00', '--to', '2026-12-07T10:00');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2026-12-07 08:00\s+2026-12-07 09:00\s+60\s+4\.00 GBP\s+2\s+4\.00 GBP/);
    expect(r.stdout).toMatch(/2026-12-07 09:00\s+2026-12-07 10:00\s+60\s+2\.00 GBP\s+1\s+2\.00 GBP/);
    expect(r.stdout).toMatch(/subtotal:\s+6\.00 GBP/);
    expect(r.stdout).toMatch(/surcharge:\s+0\.00 GBP \(none at 0 % occupancy\)/);
    expect(r.stdout).toMatch(/tax:\s+1\.20 GBP \(20 %\)/);
    expect(r.stdout).toMatch(/total:\s+7\.20 GBP/);
  });

  it('--json carries the same numbers', async () => {
    const r = await quote('--from', '2026-12-07T08:00', '--to', '2026-12-07T10:00', '--json');
    expect(r.code).toBe(0);
    const q = r.json as QuoteJson;
    expect(q).toMatchObject({ subtotalMinor: 600, surchargeMinor: 0, taxMinor: 120, totalMinor: 720, capApplied: false, freeMinutesApplied: false, occupancy: { free: 2, total: 2, percent: 0 } });
    expect(q.segments.map((s) => [s.localFrom, s.localTo, s.ratePerHourMinor, s.amountMinor, s.ruleId])).toEqual([
      ['2026-12-07 08:00', '2026-12-07 09:00', 400, 400, 2],
      ['2026-12-07 09:00', '2026-12-07 10:00', 200, 200, 1],
    ]);
  });

  it('applies the occupancy surcharge from the live bookings', async () => {
    await db.pool.query(
      `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, payment_status, created_at, updated_at)
       select l.lot_id, 'c', 'BUSY1', 'regular', s.spot_id, tstzrange('2026-12-09T07:00Z', '2026-12-09T12:00Z', '[)'), 'CONFIRMED', 0, 'GBP', 'paid', now(), now()
         from lots l join spots s on s.lot_id = l.lot_id and s.label = 'A-1' where l.code = 'PRICED'`);
    const r = await quote('--from', '2026-12-09T09:00', '--to', '2026-12-09T11:00', '--json');
    expect(r.json).toMatchObject({ occupancy: { free: 1, total: 2, percent: 50 }, subtotalMinor: 400, surchargePercent: 50, surchargeMinor: 200, taxMinor: 120, totalMinor: 720 });
    const human = await quote('--from', '2026-12-09T09:00', '--to', '2026-12-09T11:00');
    expect(human.stdout).toMatch(/surcharge:\s+2\.00 GBP \(\+50 % at 50 % occupancy\)/);
  });

  it('caps each local day at the daily maximum', async () => {
    const r = await quote('--from', '2026-12-08T00:00', '--to', '2026-12-09T00:00', '--json');
    const q = r.json as QuoteJson;
    expect(q.days).toEqual([{ localDate: '2026-12-08', amountMinor: 5200, chargedMinor: 3000, capApplied: true }]);
    expect(q).toMatchObject({ subtotalMinor: 3000, capApplied: true, totalMinor: 3600 });
    const human = await quote('--from', '2026-12-08T00:00', '--to', '2026-12-09T00:00');
    expect(human.stdout).toMatch(/2026-12-08\s+52\.00 GBP\s+30\.00 GBP\s+applied/);
    expect(human.stdout).toMatch(/daily max:\s+30\.00 GBP \(applied\)/);
  });

  it('charges nothing for a window within the free minutes', async () => {
    const r = await quote('--from', '2026-12-07T12:00', '--to', '2026-12-07T12:10', '--json');
    expect(r.json).toMatchObject({ freeMinutesApplied: true, subtotalMinor: 0, totalMinor: 0 });
    const human = await quote('--from', '2026-12-07T12:00', '--to', '2026-12-07T12:10');
    expect(human.stdout).toMatch(/free minutes:\s+10 \(applied: this window is free\)/);
  });

  it('exits 2 on bad input, like capacity check', async () => {
    const cases = [
      ['--from', '2026-12-07T08:00', '--to', '2026-12-07T07:00'],
      ['--from', 'tomorrow', '--to', '2026-12-07T07:00'],
      ['--from', '2026-11-01T08:00', '--to', '2026-11-01T09:00'],
      ['--from', '2026-12-07T08:00', '--to', '2026-12-20T08:00'],
    ];
    for (const args of cases) {
      const r = await quote(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
    }
    const badType = await runCli(['price', 'quote', '--lot', 'PRICED', '--type', 'bus', '--from', '2026-12-07T08:00', '--to', '2026-12-07T09:00'], env);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/unknown vehicle type "bus"/);
    const missing = await runCli(['price', 'quote', '--lot', 'PRICED', '--from', '2026-12-07T08:00', '--to', '2026-12-07T09:00'], env);
    expect(missing.code).toBe(2);
  });

  it('exits 2 for an unknown lot, naming the known ones', async () => {
    const r = await runCli(['price', 'quote', '--lot', 'NOPE', '--type', 'regular', '--from', '2026-12-07T08:00', '--to', '2026-12-07T09:00', '--json'], env);
    expect(r.code).toBe(2);
    expect(r.json).toMatchObject({ error: { code: 'unknown_lot', message: 'unknown lot "NOPE"', hint: 'known lots: PRICED' } });
  });
});
