// `parkctl lot rates`: show a lot's pricing, replace it from a file in one transaction, refuse bad files whole.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLot } from '../src/core/lots/import-lot.js';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let env: Record<string, string>;
let dir: string;

const lotFile = {
  code: 'RATES',
  name: 'Rates lot',
  time_zone: 'Europe/London',
  currency: 'GBP',
  zones: [{ code: 'A', name: 'A', spots: [{ labels: 'A-1..A-2', type: 'regular' }] }],
  pricing: {
    rates: [
      { rate_per_hour_minor: 200 },
      { type: 'motorcycle', days: ['sat', 'sun'], from: '22:00', to: '06:00', rate_per_hour_minor: 80, priority: 5 },
      { type: 'ev', days: ['mon', 'wed'], rate_per_hour_minor: 250 },
    ],
    daily_max_minor: { default: 3000, motorcycle: 900 },
    tax_rate_bp: 2000,
    surcharges: [{ above_occupancy_percent: 80, add_percent: 20 }],
  },
};

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, PARKCTL_NOW: '2026-12-01T00:00:00Z' };
  dir = mkdtempSync(join(tmpdir(), 'parkctl-rates-'));
  await importLot(db.pool, parseLotFile(lotFile, 'test'), 'test');
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db.drop();
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function ratesEvents(): Promise<{ actor: string; detail: { rules: number } }[]> {
  const { rows } = await db.pool.query<{ actor: string; detail: { rules: number } }>(
    `select e.actor, e.detail from events e join lots l on l.lot_id = e.lot_id where l.code = 'RATES' and e.kind = 'lot.rates_changed' order by e.event_id`);
  return rows;
}

describe('lot rates', () => {
  it('shows the rules and settings as a table', async () => {
    const r = await runCli(['lot', 'rates', 'rates'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+1\s+all\s+all\s+00:00\s+24:00\s+2\.00 GBP\s+0\s+always$/m);
    expect(r.stdout).toMatch(/^\s+2\s+motorcycle\s+weekend\s+22:00\s+06:00\s+0\.80 GBP\s+5\s+always$/m);
    expect(r.stdout).toMatch(/^\s+3\s+ev\s+mon,wed\s+00:00\s+24:00\s+2\.50 GBP\s+0\s+always$/m);
    expect(r.stdout).toMatch(/daily max:\s+default 30\.00 GBP, motorcycle 9\.00 GBP/);
    expect(r.stdout).toMatch(/tax:\s+20 %/);
    expect(r.stdout).toMatch(/surcharges:\s+\+20 % above 80 % occupancy/);
  });

  it('--json prints the pricing section as a lot file holds it', async () => {
    const r = await runCli(['lot', 'rates', 'RATES', '--json'], env);
    expect(r.code).toBe(0);
    expect(r.json).toEqual({
      lot: 'RATES', timeZone: 'Europe/London', currency: 'GBP',
      pricing: {
        rates: [
          { days: 'all', from: '00:00', to: '24:00', rate_per_hour_minor: 200, priority: 0 },
          { type: 'motorcycle', days: 'weekend', from: '22:00', to: '06:00', rate_per_hour_minor: 80, priority: 5 },
          { type: 'ev', days: ['mon', 'wed'], from: '00:00', to: '24:00', rate_per_hour_minor: 250, priority: 0 },
        ],
        daily_max_minor: { default: 3000, motorcycle: 900 },
        free_minutes: 0,
        tax_rate_bp: 2000,
        surcharges: [{ above_occupancy_percent: 80, add_percent: 20 }],
      },
    });
  });

  it('--set with its own --json output changes nothing but the audit trail', async () => {
    const before = await runCli(['lot', 'rates', 'RATES', '--json'], env);
    const path = file('same.json', before.stdout);
    const set = await runCli(['lot', 'rates', 'RATES', '--set', path], env);
    expect(set.code).toBe(0);
    const after = await runCli(['lot', 'rates', 'RATES', '--json'], env);
    expect(after.json).toEqual(before.json);
    expect((await ratesEvents()).length).toBe(1);
  });

  it('--set replaces rules and settings from a lot file, and quotes use them at once', async () => {
    const path = file('new.yaml', [
      'code: RATES',
      'pricing:',
      '  rates:',
      '    - { rate_per_hour_minor: 300 }',
      '  free_minutes: 15',
      '',
    ].join('\n'));
    const set = await runCli(['lot', 'rates', 'RATES', '--set', path], env);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/RATES: rates replaced from .*new\.yaml \(1 rules\)/);
    const shown = await runCli(['lot', 'rates', 'RATES', '--json'], env);
    expect(shown.json).toMatchObject({ pricing: { rates: [{ rate_per_hour_minor: 300 }], free_minutes: 15, tax_rate_bp: 0, surcharges: [] } });
    expect((shown.json as { pricing: Record<string, unknown> }).pricing.daily_max_minor).toBeUndefined();
    const q = await runCli(['price', 'quote', '--lot', 'RATES', '--type', 'regular', '--from', '2026-12-07T08:00', '--to', '2026-12-07T10:00', '--json'], env);
    expect(q.json).toMatchObject({ totalMinor: 600 });
    const events = await ratesEvents();
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ actor: 'test', detail: { rules: 1 } });
  });

  it('a bad file is one line and exit 2, and nothing changes', async () => {
    const before = await runCli(['lot', 'rates', 'RATES', '--json'], env);
    const bad = [
      file('negative.yaml', 'pricing:\n  rates:\n    - { rate_per_hour_minor: -5 }\n'),
      file('empty-band.yaml', 'rates:\n  - { from: "08:00", to: "08:00", rate_per_hour_minor: 100 }\n'),
      file('broken.yaml', 'pricing: [unclosed\n'),
      join(dir, 'missing.yaml'),
    ];
    for (const path of bad) {
      const r = await runCli(['lot', 'rates', 'RATES', '--set', path], env);
      expect(r.code, path).toBe(2);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('parkctl:'))).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
    }
    const negative = await runCli(['lot', 'rates', 'RATES', '--set', bad[0]!], env);
    expect(negative.stderr).toMatch(/pricing\.rates\[0\]\.rate_per_hour_minor/);
    expect((await runCli(['lot', 'rates', 'RATES', '--json'], env)).json).toEqual(before.json);
    expect(await ratesEvents()).toHaveLength(2);
  });

  it('exits 2 for an unknown lot', async () => {
    const r = await runCli(['lot', 'rates', 'NOPE'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown lot "NOPE"/);
  });
});
