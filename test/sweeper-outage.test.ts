// Issue 21: a long-running sweeper (`--every`, the real binary) outlives PostgreSQL going away in the
// middle of a sweep: it says so on stderr, sweeps again once the database is back, and stops cleanly.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { FaultProxy } from './support/fault-proxy.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let proxy: FaultProxy;
let home: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await createTestLot(db.pool, { code: 'SWEEPOUT' });
  const u = new URL(db.url);
  proxy = new FaultProxy({ host: u.hostname, port: Number(u.port || 5432) });
  await proxy.start();
  home = mkdtempSync(join(tmpdir(), 'parkctl-sweep-outage-'));
});

afterAll(async () => {
  await proxy?.stop();
  await db?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
});

it('sweeper run --every: the connection cut mid-sweep and PostgreSQL away is a note and a later retry, never a crash', async () => {
  expect(existsSync(join(import.meta.dirname, '..', 'dist', 'cli.js')), 'build first: npm run build').toBe(true);
  proxy.arm(null);
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'parkctl'), 'sweeper', 'run', '--every', '1s', '--lot', 'SWEEPOUT'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', DATABASE_URL: proxy.urlFor(db.url), PARKCTL_HOME: home, PARKCTL_ACTOR: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  const changed = () => { for (const w of waiters.splice(0)) w(); };
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); changed(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); changed(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { changed(); resolve(code); }));
  const until = async (ok: () => boolean) => { while (!ok()) { if (child.exitCode !== null) return; await new Promise<void>((r) => waiters.push(r)); } };
  const sweeps = () => stdout.split('\n').filter((l) => l.trim()).length;

  try {
    await until(() => sweeps() >= 1);
    // the next sweep's first statement inside its transaction reaches PostgreSQL, which then goes away
    const t = proxy.traffic();
    proxy.arm({ point: 'after_query', nth: 1, action: 'reset', persist: true });
    expect(t.statements).toBeGreaterThan(0);
    await until(() => /PostgreSQL: .*retrying in 1s/.test(stderr));
    expect(child.exitCode).toBeNull();
    const before = sweeps();
    proxy.arm(null); // back
    await until(() => sweeps() > before);
    expect(child.exitCode).toBeNull();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/bug in parkctl|\n\s+at /);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 60_000);
