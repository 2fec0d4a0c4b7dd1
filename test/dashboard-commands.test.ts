// Issue 13: every dashboard action is also a command: booking extend, booking find, lot spot
// disable|enable, and --watch on lot show and booking list.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { runCli } from './support/cli.js';

let db: TestDatabase;
let env: Record<string, string>;
const now = '2026-12-01T07:00:00Z';
let reservationId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  expect((await runCli(['lot', 'import', join(import.meta.dirname, '../fixtures/surface-lot.yaml')], env)).code).toBe(0);
  const r = await runCli(['--json', '--now', now, 'booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', '2026-12-01 09:00', '--to', '+2h', '--plate', 'EXT 1'], env);
  expect(r.code, r.stderr).toBe(0);
  reservationId = (r.json as { reservationId: string }).reservationId;
});
afterAll(async () => { await db.drop(); });

const endOf = async (id: string) => ((await db.pool.query('select upper(period) e, extension_minor from reservations where reservation_id = $1', [id])).rows[0]) as { e: Date; extension_minor: number };

describe('booking extend', () => {
  it('--by 30m moves the end and records what is owed, by id prefix', async () => {
    const r = await runCli(['--now', now, 'booking', 'extend', reservationId.slice(0, 8), '--by', '30m'], env);
    expect(r.code, r.stderr).toBe(0);
    const row = await endOf(reservationId);
    expect(row.e.toISOString()).toBe('2026-12-01T11:30:00.000Z');
    expect(row.extension_minor).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/due at exit/);
  });

  it('--to a wall time in the lot\'s zone, and +1h from the current end', async () => {
    expect((await runCli(['--now', now, 'booking', 'extend', reservationId, '--to', '12:00'], env)).code).toBe(0);
    expect((await endOf(reservationId)).e.toISOString()).toBe('2026-12-01T12:00:00.000Z');
    expect((await runCli(['--now', now, 'booking', 'extend', reservationId, '--to', '+1h'], env)).code).toBe(0);
    expect((await endOf(reservationId)).e.toISOString()).toBe('2026-12-01T13:00:00.000Z');
  });

  it('refuses nonsense with exit 2 and changes nothing', async () => {
    const before = (await endOf(reservationId)).e.toISOString();
    for (const args of [['--by', '0m'], ['--by', 'soon'], ['--by', '25h'], ['--to', '08:00'], [], ['--by', '1h', '--to', '+1h']]) {
      const r = await runCli(['--now', now, 'booking', 'extend', reservationId, ...args], env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    }
    expect((await endOf(reservationId)).e.toISOString()).toBe(before);
  });
});

describe('booking find', () => {
  it('finds by plate as typed (any spacing or case) and by id prefix; --json for scripts', async () => {
    const byPlate = await runCli(['--json', '--now', now, 'booking', 'find', 'ext-1'], env);
    expect(byPlate.code, byPlate.stderr).toBe(0);
    expect(byPlate.json).toEqual([expect.objectContaining({ reservationId, plate: 'EXT1' })]);
    const byId = await runCli(['--now', now, 'booking', 'find', reservationId.slice(0, 6)], env);
    expect(byId.stdout).toContain(reservationId.slice(0, 8)); // tables show short ids (-o wide: whole)
    const none = await runCli(['--now', now, 'booking', 'find', 'ZZ99ZZ'], env);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/no booking in RIVERSIDE matches ZZ99ZZ/);
  });
});

describe('lot spot disable|enable', () => {
  it('takes a spot out of service with a reason, audited, and back', async () => {
    const off = await runCli(['--json', 'lot', 'spot', 'disable', 'RIVERSIDE', 'a-03', '--reason', 'pothole'], env);
    expect(off.code, off.stderr).toBe(0);
    expect(off.json).toMatchObject({ label: 'A-03', status: 'maintenance', changed: true });
    const { rows } = await db.pool.query("select reason from events where kind = 'spot.maintenance'");
    expect(rows.map((r) => r.reason)).toEqual(['pothole']);
    const show = await runCli(['--json', 'lot', 'show', 'RIVERSIDE'], env);
    expect((show.json as { totals: { outOfService: number } }).totals.outOfService).toBe(1);
    const on = await runCli(['--json', 'lot', 'spot', 'enable', 'RIVERSIDE', 'A-03'], env);
    expect(on.json).toMatchObject({ status: 'active', changed: true });
  });

  it('disable needs a reason; an unknown spot is exit 4', async () => {
    expect((await runCli(['lot', 'spot', 'disable', 'RIVERSIDE', 'A-03'], env)).code).toBe(2);
    expect((await runCli(['lot', 'spot', 'enable', 'RIVERSIDE', 'Z-99'], env)).code).toBe(4);
  });
});

describe('--watch', () => {
  /** Runs the built binary until `rounds` documents were printed, then sends SIGINT. */
  function watch(args: string[], rounds: number): Promise<{ code: number | null; stdout: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'parkctl'), ...args], { env: { ...process.env, ...env, NO_COLOR: '1' } });
      let stdout = '';
      child.stdout.on('data', (b: Buffer) => {
        stdout += b.toString();
        if ((stdout.match(/^\[|^\{/gm) ?? []).length >= rounds) child.kill('SIGINT');
      });
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout }));
    });
  }

  it('lot show --watch 1 prints again each second and stops cleanly on Ctrl-C', async () => {
    const r = await watch(['--json', 'lot', 'show', 'RIVERSIDE', '--watch', '1'], 2);
    expect(r.code).toBe(0);
    expect((r.stdout.match(/"code": "RIVERSIDE"/g) ?? []).length).toBeGreaterThanOrEqual(2);
  });

  it('booking list --watch 1 too; a bad interval is exit 2', async () => {
    const r = await watch(['--json', 'booking', 'list', '--watch', '1'], 2);
    expect(r.code).toBe(0);
    expect((await runCli(['booking', 'list', '--watch', '0'], env)).code).toBe(2);
  });
});
