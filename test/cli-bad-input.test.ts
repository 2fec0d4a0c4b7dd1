// DESIGN.md / issue: every bad input gets one line with a hint, a meaningful exit code, a JSON error
// under --json, and leaves the database as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { runCli } from './support/cli.js';

let db: TestDatabase;
let env: Record<string, string>;
const now = '2026-12-01T07:00:00Z';
const reserveArgs = (over: Record<string, string>) => {
  const o = { '--lot': 'RIVERSIDE', '--type': 'regular', '--from': '2026-12-01T09:00', '--to': '2026-12-01T11:00', '--plate': 'AB12CDE', ...over };
  return ['--now', now, 'booking', 'reserve', ...Object.entries(o).flat()];
};

async function snapshot(): Promise<string> {
  const { rows } = await db.pool.query(`select (select count(*) from reservations) as r, (select count(*) from events) as e,
    (select count(*) from lots) as l, (select count(*) from spots) as s, (select count(*) from visits) as v`);
  return JSON.stringify(rows[0]);
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  const imported = await runCli(['lot', 'import', join(import.meta.dirname, '../fixtures/surface-lot.yaml')], env);
  expect(imported.code).toBe(0);
});
afterAll(async () => { await db.drop(); });

const usageCases: [string, string[], RegExp, string][] = [
  ['end before start', reserveArgs({ '--to': '2026-12-01T08:00' }), /ends before it starts/, 'bad_window'],
  ['window over 7 days', reserveArgs({ '--to': '2026-12-09T09:00' }), /longer than this lot's maximum of 7 days/, 'window_too_long'],
  ['a window shorter than 15 minutes', reserveArgs({ '--to': '2026-12-01T09:10' }), /shorter than the 15 minutes/, 'window_too_short'],
  ['an empty window', reserveArgs({ '--to': '2026-12-01T09:00' }), /window is empty/, 'bad_window'],
  ['a local time the clocks skip', reserveArgs({ '--from': '2027-03-28T01:30', '--to': '2027-03-28T03:00' }), /does not exist in Europe\/London/, 'bad_time'],
  ['start in the past', reserveArgs({ '--from': '2026-11-30T09:00' }), /starts in the past/, 'start_in_past'],
  ['unknown lot', reserveArgs({ '--lot': 'NOPE' }), /unknown lot "NOPE"/, 'unknown_lot'],
  ['unknown vehicle type', reserveArgs({ '--type': 'tank' }), /unknown vehicle type "tank"/, 'bad_vehicle_type'],
  ['malformed plate', reserveArgs({ '--plate': 'AB$12' }), /plate "AB\$12" is malformed/, 'bad_plate'],
  ['malformed time', reserveArgs({ '--from': 'tomorrow 9am' }), /"tomorrow 9am" is not a date and time/, 'bad_time'],
  ['--now without a zone', ['--now', '2026-12-01T07:00', 'lot', 'list'], /has no time zone/, 'bad_time'],
  ['lot file with duplicate spot labels', ['lot', 'import', join(import.meta.dirname, 'fixtures/duplicate-labels.yaml')], /spot label "A-03" appears twice/, 'duplicate_spot_label'],
  ['missing lot file', ['lot', 'import', '/nonexistent/lot.yaml'], /cannot read/, 'bad_lot_file'],
  ['not a reservation id', ['booking', 'show', 'banana'], /is not a reservation id/, 'bad_reservation_id'],
  ['unknown option', ['lot', 'list', '--bogus'], /unknown option '--bogus'/, 'bad_usage'],
];

describe('bad input', () => {
  for (const [name, args, message, code] of usageCases) {
    it(`${name}: one line, exit 2, JSON error, nothing written`, async () => {
      const before = await snapshot();
      const human = await runCli(args, env);
      expect(human.code).toBe(2);
      expect(human.stderr).toMatch(message);
      expect(human.stderr.split('\n')[0]).toMatch(/^parkctl: /);
      expect(human.stderr).toMatch(/hint: /);
      const json = await runCli(['--json', ...args], env);
      expect(json.code).toBe(2);
      expect(json.json).toMatchObject({ error: { code, exitCode: 2 } });
      expect(await snapshot()).toBe(before);
    });
  }
});

describe('configuration', () => {
  it('a DATABASE_URL that is not one is bad input, not a connection failure', async () => {
    const r = await runCli(['--json', 'lot', 'list'], { DATABASE_URL: 'not-a-url' });
    expect(r.code).toBe(2);
    expect(r.json).toMatchObject({ error: { code: 'bad_database_url' } });
  });
});

describe('refusals exit 3', () => {
  it('no spot free', async () => {
    // the surface lot has 4 motorcycle bays
    for (let i = 0; i < 4; i++) {
      const r = await runCli(reserveArgs({ '--type': 'motorcycle', '--plate': `MOTO${i}` }), env);
      expect(r.code).toBe(0);
    }
    const before = await snapshot();
    const r = await runCli(['--json', ...reserveArgs({ '--type': 'motorcycle', '--plate': 'MOTO9' })], env);
    expect(r.code).toBe(3);
    expect(r.json).toMatchObject({ error: { code: 'no_spot_free', exitCode: 3 } });
    expect(await snapshot()).toBe(before);
  });

  it('an unknown reservation is not found (exit 4)', async () => {
    const r = await runCli(['booking', 'show', '00000000-0000-4000-8000-000000000000'], env);
    expect(r.code).toBe(4);
  });
});
