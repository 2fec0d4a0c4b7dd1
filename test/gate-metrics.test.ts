// /metrics on the gate daemon: decisions by outcome, barrier confirmations, voids and faults,
// decision latency, journal depth and sync lag (with the database cut off), device state; and
// `gate-daemon status` showing the same figures from the running daemon.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import { MockBarrier, MockGateInputSource } from '../src/core/gate/test-doubles.js';
import { silentLogger, systemClock } from '../src/core/ports.js';
import { GateMetrics } from '../src/drivers/gate-runtime/metrics.js';
import { summariseGateMetrics, type MetricJson } from '../src/drivers/gate-runtime/metrics-summary.js';
import { startGateRuntime, type GateRuntime } from '../src/drivers/gate-runtime/runtime.js';
import { ExternalError } from '../src/core/errors.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { insertConfirmed, PgProxy, pgTarget, waitFor } from './support/gate-daemon-helpers.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let dir: string;
let runtime: GateRuntime;
let proxy: PgProxy;
let server: { port: number; close(): Promise<void> };
const barrier = new MockBarrier();
const source = new MockGateInputSource();
const metrics = new GateMetrics({ lot: 'METRICS', gate: 'm-in' });
let base: string;

const read = (plate: string, id: string) => source.emitInput({ kind: 'plate', plate, confidence: 0.95, source: 'test', readId: id, at: new Date() });
const figures = async () => summariseGateMetrics((await (await fetch(`${base}/metrics.json`)).json()) as MetricJson[]);

beforeAll(async () => {
  db = await createTestDatabase();
  const lotId = (await createTestLot(db.pool, { code: 'METRICS', policy: { walk_ins: false } })).lotId;
  for (const [i, plate] of ['MET1', 'MET2'].entries()) await insertConfirmed(db.pool, lotId, i + 1, plate, new Date(Date.now() - 3_600_000), new Date(Date.now() + 3_600_000));
  dir = await mkdtemp(join(tmpdir(), 'parkctl-gate-metrics-'));
  proxy = new PgProxy(pgTarget(db.url));
  await proxy.up();
  const config = parseGateDaemonConfig({
    lot: 'METRICS', gate: 'm-in', direction: 'entry', journalDir: dir, barrier: { driver: 'none' }, arming: 'always', syncIntervalSeconds: 3600,
  }, 'test');
  runtime = await startGateRuntime({
    config, databaseUrl: proxy.gateUrl(db.url), barrier, inputs: [source], clock: systemClock, logger: silentLogger, listen: false, onJournaled: metrics.onJournaled,
  });
  metrics.attach({ journal: runtime.journal, sync: runtime.sync, barrier });
  server = await metrics.listen('127.0.0.1:0');
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  await runtime?.stop();
  await proxy?.down();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('gate daemon /metrics', () => {
  it('counts decisions by outcome, confirmations, voids and faults, with lot and gate labels', async () => {
    read('MET1', 'r1'); // booked: opens, confirmed
    read('NOPE1', 'r2'); // refused
    barrier.failNextOpen = new ExternalError('relay', 'relay silent');
    read('MET2', 'r3'); // allowed, barrier never confirmed: void + fault
    barrier.emitAvailability('online');
    await waitFor(async () => (await figures()).barrier.void === 1, 'the void to be counted');
    const f = await figures();
    expect(f.decisions).toEqual({ allowed: 2, refused: 1 });
    expect(f.byReason).toEqual({ RESERVATION: 2, NO_BOOKING: 1 });
    expect(f.barrier).toMatchObject({ confirmed: 1, void: 1, faults: 1, online: true, state: 'open' });
    expect(f.decisionP95Ms).toBeGreaterThan(0);

    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^parkctl_gate_decisions_total\{.*outcome="refused".*reason="NO_BOOKING".*lot="METRICS",gate="m-in"\} 1$/m);
    expect(text).toMatch(/^# TYPE parkctl_gate_decision_seconds histogram$/m);
    expect(text).toMatch(/^parkctl_gate_device_online\{device="barrier",lot="METRICS",gate="m-in"\} 1$/m);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('journal depth and sync lag grow while the database is cut off, and drain when it is back', async () => {
    await runtime.sync.pass();
    expect((await figures()).journalDepth).toBe(0);
    await proxy.down();
    read('NOPE2', 'r4');
    read('NOPE3', 'r5');
    await runtime.sync.pass();
    await waitFor(async () => (await figures()).journalDepth >= 2, 'two events waiting');
    await waitFor(async () => (await figures()).syncLagSeconds > 0, 'the lag to show');
    expect((await figures()).databaseReachable).toBe(false);
    await proxy.up();
    await runtime.sync.pass();
    const f = await figures();
    expect(f).toMatchObject({ journalDepth: 0, syncLagSeconds: 0, databaseReachable: true });
  });

  it('gate-daemon status shows the running daemon\'s figures; without metricsListen it says how to turn them on', async () => {
    const cfg = join(dir, 'm.yaml');
    await writeFile(cfg, `lot: METRICS\ngate: m-in\ndirection: entry\njournalDir: ${dir}\nbarrier: { driver: none }\ndatabaseUrl: ${proxy.gateUrl(db.url)}\n`);
    const r = await runCli(['--json', 'gate-daemon', 'status', '--config', cfg, '--metrics-listen', `127.0.0.1:${server.port}`], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ live: { decisions: { allowed: 2, refused: 3 }, barrier: { confirmed: 1, void: 1, faults: 1 }, journalDepth: 0 } });
    const table = await runCli(['gate-daemon', 'status', '--config', cfg, '--metrics-listen', `127.0.0.1:${server.port}`], { DATABASE_URL: db.url });
    expect(table.stdout).toMatch(/decisions:\s+2 allowed, 3 refused \(NO_BOOKING 3, RESERVATION 2\)/);
    expect(table.stdout).toMatch(/barrier:\s+1 confirmed, 1 void, 1 faults; device online/);
    const off = await runCli(['gate-daemon', 'status', '--config', cfg], { DATABASE_URL: db.url });
    expect(off.stdout).toMatch(/live figures:\s+off \(set metricsListen/);
    const bad = await runCli(['gate-daemon', 'status', '--config', cfg, '--metrics-listen', 'nowhere'], { DATABASE_URL: db.url });
    expect(bad.code).toBe(2);
  });
});
