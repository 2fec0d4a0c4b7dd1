// Issue 17: `bench reports` works end to end at a tiny scale (figures are measured, never asserted):
// the year is generated, every report and the screen are timed, the reserve phases run with the
// refresher on and off, and the scratch lot leaves nothing behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { runCli } from './support/cli.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  const imported = await runCli(['lot', 'import', 'fixtures/city-garage.yaml'], { DATABASE_URL: db.url });
  expect(imported.code, imported.stderr).toBe(0);
});
afterAll(() => db.drop());

describe('bench reports', () => {
  it('generates a year, times each report and the screen, runs reserve with the refresher off and on, then cleans up', async () => {
    const r = await runCli(['--json', 'bench', 'reports', '--scale', '0.001', '--samples', '1', '--seconds', '1', '--clients', '2', '--refresh-every', '0'], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    const d = r.json as { rows: Record<string, number>; reports: { name: string; samples: number }[]; screen: { samples: number }; reserve: { phase: string; reservations: number }[]; refresherRuns: number };
    expect(d.rows.visits).toBeGreaterThan(600);
    expect(d.rows.gateEvents).toBeGreaterThan(d.rows.visits!);
    expect(d.reports.map((q) => q.name)).toEqual([
      'revenue, a year by day', 'revenue, a year by month', 'occupancy, a year by day', 'occupancy, a week by hour',
      'turnover, a year by week', 'no-shows, a year by month', 'exceptions, a year by day', 'takings, a year by day',
    ]);
    expect(d.screen.samples).toBe(1);
    expect(d.reserve.map((p) => p.phase)).toEqual(['off', 'on', 'off', 'on', 'off', 'on']);
    expect(d.reserve.every((p) => p.reservations > 0)).toBe(true);
    expect(d.refresherRuns).toBeGreaterThan(0);
    const { rows } = await db.pool.query<{ code: string }>(`select code from lots order by code`);
    expect(rows.map((x) => x.code)).toEqual(['CITY-GARAGE']);
    const left = await db.pool.query(`select 1 from report_visit_hours union all select 1 from visits limit 1`);
    expect(left.rowCount).toBe(0);
  });
});
