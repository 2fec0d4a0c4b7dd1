// The README's first command on a fresh machine: no DATABASE_URL, parkctl starts its own PostgreSQL,
// imports the sample garage and plays a morning. Runs the built binary as a newcomer would.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeEmbeddedPostgres } from '../src/drivers/embedded-postgres/index.js';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', 'bin', 'parkctl');
const home = mkdtempSync(join(tmpdir(), 'parkctl-readme-'));
chmodSync(home, 0o755);
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', PARKCTL_HOME: home };

afterAll(async () => {
  await removeEmbeddedPostgres(home);
  rmSync(home, { recursive: true, force: true });
});

describe('README quick start', () => {
  it('parkctl demo runs in its own database on the embedded server and leaves the server running for other processes', async () => {
    const demo = await run(process.execPath, [bin, '--json', 'demo', '--bookings', '12'], { env, timeout: 120_000 });
    const result = JSON.parse(demo.stdout) as {
      booked: number; paid: number; arrived: number; occupancy: { totals: { total: number; occupied: number } }; database: string; databaseUrl: string;
    };
    expect(result.booked).toBe(12);
    expect(result.paid).toBeGreaterThan(0);
    expect(result.occupancy.totals.total).toBe(2000);
    expect(result.occupancy.totals.occupied).toBeGreaterThan(0);
    expect(result.database).toBe('parkctl_demo');

    // a second process finds the same server; the demo's data is in the demo's database, not the default one
    const show = await run(process.execPath, [bin, '--json', 'booking', 'list', '--lot', 'CITY-GARAGE'], { env: { ...env, DATABASE_URL: result.databaseUrl }, timeout: 60_000 });
    expect((JSON.parse(show.stdout) as unknown[]).length).toBe(12);
    const own = await run(process.execPath, [bin, '--json', 'lot', 'list'], { env, timeout: 60_000 });
    expect(JSON.parse(own.stdout)).toEqual([]);

    const stop = await run(process.execPath, [bin, '--json', 'db', 'stop'], { env, timeout: 60_000 });
    expect(JSON.parse(stop.stdout)).toEqual({ wasRunning: true });
  }, 300_000); // the sum of its processes' own bounds: the demo alone passed the old 30 s at load 20
});
