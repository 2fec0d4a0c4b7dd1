// Escape-sequence injection (issue 19, item 17): text with control characters (ESC [ 2J clears an
// attendant's screen) is refused where people type or import it (exit 2 with a hint) and shown
// escaped wherever it is printed: tables, fields, error lines, JSON (C1 too) and the dashboard.
import { join } from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dashboard } from '../src/tui/Dashboard.js';
import type { DashboardActions } from '../src/tui/dashboard-model.js';
import { sampleSnapshot } from '../src/tui/sample-snapshot.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { settle } from './support/ink.js';

const clearScreen = '\u001b[2J';
const csi8bit = '\u009b';
/** any raw C0 (but line feed), DEL or C1 character */
// eslint-disable-next-line no-control-regex -- the test looks for raw control characters
const rawControl = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

let db: TestDatabase;
let env: Record<string, string>;
let dir: string;
const now = '2030-01-07T07:00:00Z';

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  dir = await mkdtemp(join(tmpdir(), 'parkctl-ctl-'));
  const imported = await runCli(['lot', 'import', join(import.meta.dirname, '../fixtures/surface-lot.yaml')], env);
  expect(imported.code).toBe(0);
});
afterAll(async () => {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('control characters typed or imported are refused', () => {
  it('booking cancel --reason with an escape sequence exits 2 and cancels nothing', async () => {
    const reserved = await runCli(['--json', '--now', now, 'booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular',
      '--from', '2030-01-07T09:00', '--to', '2030-01-07T11:00', '--plate', 'CC11AAA'], env);
    expect(reserved.code, reserved.stderr).toBe(0);
    const id = (reserved.json as { reservationId: string }).reservationId;

    const r = await runCli(['--now', now, 'booking', 'cancel', id, '--reason', `oops${clearScreen}`], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('\\x1b[2J');
    expect(r.stderr).toMatch(/hint: /);
    expect(r.stderr).not.toMatch(rawControl);
    const { rows } = await db.pool.query(`select status from reservations where reservation_id = $1`, [id]);
    expect(rows[0]?.status).toBe('TENTATIVE');
  });

  it('a lot file whose name holds an escape sequence is refused with exit 2', async () => {
    const file = join(dir, 'evil-lot.json');
    await writeFile(file, JSON.stringify({
      code: 'EVIL', name: `Evil${clearScreen}`, time_zone: 'Europe/London', currency: 'GBP',
      zones: [{ code: 'A', name: 'A', spots: [{ label: 'A-1', type: 'regular' }] }], pricing: { rates: [{ rate_per_hour_minor: 100 }] },
    }));
    const r = await runCli(['lot', 'import', file], env);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(rawControl);
    const { rowCount } = await db.pool.query(`select 1 from lots where code = 'EVIL'`);
    expect(rowCount).toBe(0);
  });
});

describe('control characters are shown escaped', () => {
  it('an error quoting what was typed shows it escaped', async () => {
    const r = await runCli(['lot', 'show', `NOPE${clearScreen}`], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('NOPE\\x1b[2J');
    expect(r.stderr).not.toMatch(rawControl);
  });

  it('text stored by another tool is escaped in tables and fields, and C1 characters in JSON', async () => {
    await db.pool.query(`update lots set name = $1::text where code = 'RIVERSIDE'`, [`River${clearScreen}side${csi8bit}31m`]);
    try {
      const table = await runCli(['lot', 'list'], env);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toContain('River\\x1b[2Jside\\u009b31m');
      expect(table.stdout).not.toMatch(rawControl);

      const json = await runCli(['--json', 'lot', 'list'], env);
      expect(json.stdout).not.toMatch(rawControl);
      // still the same value for a script
      expect(JSON.stringify(json.json)).toContain(JSON.stringify(`River${clearScreen}side${csi8bit}31m`).slice(1, -1));
    } finally {
      await db.pool.query(`update lots set name = 'Riverside' where code = 'RIVERSIDE'`);
    }
  });

  it('the dashboard shows plates, alerts and action answers escaped', async () => {
    const snapshot = sampleSnapshot();
    const evil = { ...snapshot, feed: [{ ...snapshot.feed[0]!, text: `KL55MN${clearScreen}paid` }, ...snapshot.feed.slice(1)] };
    const actions: DashboardActions = {
      find: async () => [], zoneSpots: async () => [], checkIn: async () => 'ok', checkOut: async () => 'ok', openBarrier: async () => 'ok',
      cancel: async () => 'ok', extend: async () => 'ok', setSpotOutOfService: async () => 'ok', handBack: async () => 'ok',
    };
    const view = render(<Dashboard snapshot={evil} connection="live" actions={actions} onQuit={() => undefined} color={false} size={{ columns: 120, rows: 40 }} tickMs={3_600_000} />);
    await settle(view.frames);
    const frame = view.lastFrame() ?? '';
    view.unmount();
    expect(frame).toContain('KL55MN\\x1b[2Jpaid');
    expect(frame).not.toContain(clearScreen);
  });
});
