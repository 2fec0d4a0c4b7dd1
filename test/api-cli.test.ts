// `parkctl api key create|list|revoke`, `api install` and `api serve` as a user runs them: the secret is
// printed once and only its hash kept, a revoked key is refused once its NOTIFY arrives, the unit is a notify template
// with its secrets in a mode-600 file, and `api serve` answers /readyz until it is told to stop.
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApi } from '../src/commands/api.js';
import { AppContext } from '../src/commands/context.js';
import { Output } from '../src/commands/output.js';
import { loadConfig } from '../src/config.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  await createTestLot(db.pool, { code: 'KEYS' });
  env = { DATABASE_URL: db.url, PARKCTL_NOW: '2031-03-03T08:00:00Z' };
});
afterAll(() => db.drop());

describe('parkctl api', () => {
  it('key create prints the secret once and stores only its hash; list never shows it; revoke stops it as its notification arrives', async () => {
    const created = await runCli(['api', 'key', 'create', '--name', 'gate-partner', '--scope', 'partner', '--lot', 'keys', '--json'], env);
    expect(created.code).toBe(0);
    const k = created.json as { keyId: string; secret: string; scope: string; lots: string[] };
    expect(k).toMatchObject({ scope: 'partner', lots: ['KEYS'] });
    expect(k.secret).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
    const { rows } = await db.pool.query(`select secret_hash from api_keys where key_id = $1::uuid`, [k.keyId]);
    expect(rows[0]!.secret_hash).not.toContain(k.secret);
    const listed = await runCli(['api', 'key', 'list'], env);
    expect(listed.stdout).toContain('gate-partner');
    expect(listed.stdout).not.toContain(k.secret);

    let logged = '';
    const ctx = new AppContext(loadConfig(env, false), {}, new Output(true, () => {}, (t) => { logged += t; }));
    const stop = new AbortController();
    let url = '';
    const serving = serveApi(ctx, { listen: '127.0.0.1:0', rateLimit: '600', bodyLimit: '65536', watchdogSeconds: '30' }, stop.signal, (u) => { url = u; });
    try {
      // the API comes up in its own time (seconds at load 20): poll for its URL, bounded at 60 s against a hang
      for (const deadline = Date.now() + 60_000; !url && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 25));
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready' });
      const auth = { authorization: `Bearer ${k.secret}` };
      expect((await fetch(`${url}/v1/lots/KEYS/status`, { headers: auth })).status).toBe(200);
      expect((await runCli(['api', 'key', 'revoke', 'gate-partner'], env)).code).toBe(0);
      // the revocation reaches the process's key cache with the commit's NOTIFY: a request racing it may
      // still pass; once it arrived (milliseconds; bounded at 10 s against a hang) every request is refused
      let status = 0;
      for (const deadline = Date.now() + 10_000; status !== 401 && Date.now() < deadline;) {
        status = (await fetch(`${url}/v1/lots/KEYS/status`, { headers: auth })).status;
        if (status !== 401) await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(401);
      expect((await fetch(`${url}/v1/lots/KEYS/status`, { headers: auth })).status).toBe(401);
    } finally {
      stop.abort();
      await serving;
      await ctx.close();
    }
    // one JSON line per request naming the key, never its secret
    expect(logged).toMatch(/"route":"\/v1\/lots\/:code\/status","status":200,"ms":\d+,"key":"gate-partner"/);
    expect(logged).not.toContain(k.secret);
    expect((await runCli(['api', 'key', 'revoke', 'gate-partner'], env)).code).toBe(4);
  });

  it('bad scopes and unknown lots are refused before a key is made', async () => {
    expect((await runCli(['api', 'key', 'create', '--name', 'x', '--scope', 'admin'], env)).code).toBe(2);
    expect((await runCli(['api', 'key', 'create', '--name', 'x', '--scope', 'customer', '--lot', 'NOPE'], env)).code).toBe(2);
    const { rows } = await db.pool.query(`select count(*)::int as n from api_keys where name = 'x'`);
    expect(rows[0]!.n).toBe(0);
  });

  it('bench api drives the real server (its own processes) over HTTP and reports reservations/s, latency, answers by status, CPU and the overlap checker', async () => {
    // 5 s, not 1: at load 20 no request had come back within one second (autocannon stops mid-request; 0 made)
    const r = await runCli(['--json', 'bench', 'api', '--lot', 'KEYS', '--clients', '4', '--seconds', '5', '--profile', 'rush', '--workers', '2', '--no-baseline'], env);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const d = r.json as {
      reservations: number; perSecond: number; workers: number; byStatus: Record<string, number>; overlaps: number; latencyMs: { p50: number; p90: number; p99: number; max: number };
      cpuMsPer: { server: number | null; postgres: number | null }; machine: { cpus: number; busyShare: number; cpuMsPer: number; postgresCpus: number } | null; baseline: unknown; ratio: unknown;
    };
    expect(d.reservations).toBeGreaterThan(0);
    expect(d.workers).toBe(2);
    expect(d.byStatus['201']).toBe(d.reservations);
    expect(Object.keys(d.byStatus).every((s) => s === '201' || s === '409')).toBe(true);
    expect(d.overlaps).toBe(0);
    expect(d.latencyMs.p50).toBeLessThanOrEqual(d.latencyMs.p90);
    expect(d.latencyMs.p90).toBeLessThanOrEqual(d.latencyMs.p99);
    expect(d.latencyMs.p99).toBeLessThanOrEqual(d.latencyMs.max);
    expect(d.latencyMs.max).toBeGreaterThan(0);
    expect(d.cpuMsPer.server).toBeGreaterThan(0);
    // the whole machine (PostgreSQL is on this host here): busy between 0 and all of its CPUs, and a
    // reservation's CPU on it at least what the API processes and their backends spent on it
    expect(d.machine!.cpus).toBe(cpus().length);
    expect(d.machine!.busyShare).toBeGreaterThan(0);
    expect(d.machine!.busyShare).toBeLessThanOrEqual(1);
    expect(d.machine!.cpuMsPer).toBeGreaterThanOrEqual((d.cpuMsPer.server! + d.cpuMsPer.postgres!) * 0.8);
    // PostgreSQL's backends in CPUs over the run: some, and no more than the box has
    expect(d.machine!.postgresCpus).toBeGreaterThan(0);
    expect(d.machine!.postgresCpus).toBeLessThanOrEqual(d.machine!.cpus);
    expect(d.baseline).toBeNull();
    expect(d.ratio).toBeNull();
    // the scratch lot and the throwaway key are gone
    expect((await db.pool.query(`select count(*)::int as n from lots where code like 'BENCH-%'`)).rows[0]!.n).toBe(0);
    expect((await db.pool.query(`select count(*)::int as n from api_keys where name like 'bench-%'`)).rows[0]!.n).toBe(0);
  }, 120_000);

  it('bench api refuses a number of batches in flight out of range before it starts anything', async () => {
    const r = await runCli(['bench', 'api', '--lot', 'KEYS', '--batches-in-flight', '9', '--no-baseline'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--batches-in-flight');
    expect((await db.pool.query(`select count(*)::int as n from lots where code like 'BENCH-%'`)).rows[0]!.n).toBe(0);
  });

  it('bench api runs the raw-SQL bitmap baseline (pgbench) before and after, in the same run, and prints the ratio', async () => {
    const r = await runCli(['--json', 'bench', 'api', '--lot', 'KEYS', '--clients', '2', '--seconds', '1', '--profile', 'spread', '--workers', '1', '--baseline-clients', '2', '--batches-in-flight', '2'], env);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const d = r.json as {
      perSecond: number; reservations: number; ratio: number;
      baseline: { perSecond: number; runs: number[]; overlaps: number; command: string; machine: { cpus: number; busyShare: number; cpuMsPer: number } | null };
      cpuMsPer: { loadGenerator: number }; batching: { batches: number; calls: number; setBased: number; fallbacks: number };
    };
    // one API process: the run's group-commit counts from its /metrics (every reservation went through a batch)
    expect(d.batching.calls).toBeGreaterThanOrEqual(d.reservations);
    expect(d.batching.batches).toBeGreaterThan(0);
    expect(d.batching.batches).toBeLessThanOrEqual(d.batching.calls);
    expect(d.cpuMsPer.loadGenerator).toBeGreaterThan(0);
    expect(d.baseline.runs).toHaveLength(2);
    expect(d.baseline.runs.every((n) => n > 0)).toBe(true);
    expect(d.baseline.overlaps).toBe(0);
    expect(d.baseline.command).toContain('pgbench');
    // the machine while pgbench ran, beside the API's figures
    expect(d.baseline.machine!.busyShare).toBeGreaterThan(0);
    expect(d.baseline.machine!.busyShare).toBeLessThanOrEqual(1);
    expect(d.baseline.machine!.cpuMsPer).toBeGreaterThan(0);
    expect(d.ratio).toBeCloseTo(d.perSecond / d.baseline.perSecond, 1);
    // the scratch database is dropped
    expect((await db.pool.query(`select count(*)::int as n from pg_database where datname like '%_baseline'  and datname like $1`, [`${new URL(db.url).pathname.slice(1)}%`])).rows[0]!.n).toBe(0);
  }, 120_000);

  it('install writes a notify template unit with a watchdog and its own user; secrets go to a mode-600 file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parkctl-api-unit-'));
    const r = await runCli(['api', 'install', '--unit-dir', dir, '--env-dir', join(dir, 'etc'), '--trust-proxy', '--json'],
      { ...env, REDIS_URL: 'redis://:s3cret@127.0.0.1:6379', STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' });
    expect(r.code).toBe(0);
    const unit = await readFile(join(dir, 'parkctl-api@.service'), 'utf8');
    expect(unit).toContain('Type=notify');
    expect(unit).toMatch(/WatchdogSec=30/);
    expect(unit).toContain('User=parkctl');
    expect(unit).toMatch(/api serve --listen 127\.0\.0\.1:%i .*--trust-proxy/);
    expect(unit).not.toMatch(/s3cret|sk_test_x|whsec_x|postgres:\/\//);
    const envFile = join(dir, 'etc', 'parkctl-api.env');
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    const secrets = await readFile(envFile, 'utf8');
    expect(secrets).toContain('REDIS_URL="redis://:s3cret@127.0.0.1:6379"');
    expect(secrets).toContain('STRIPE_WEBHOOK_SECRET="whsec_x"');
    expect(secrets).toContain(`DATABASE_URL="${db.url}"`);
    expect((await runCli(['api', 'install', '--user', 'root', '--print'], env)).code).toBe(2);
  });

  it('install refuses a value that would add a directive to the unit, and a user name useradd would refuse', async () => {
    const injected = await runCli(['api', 'install', '--host', '127.0.0.1\nExecStartPre=/bin/sh -c id', '--print'], env);
    expect(injected.code).toBe(2);
    expect(injected.stdout).not.toContain('ExecStartPre');
    expect((await runCli(['api', 'install', '--user', 'bad user', '--print'], env)).code).toBe(2);
  });
});
