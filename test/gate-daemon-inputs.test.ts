// Bad inputs never crash the daemon and never open the lane, and each leaves an event saying what
// happened; manual opens go through the daemon with who and why; the config commands.
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import type { GateInput } from '../src/core/gate/ports.js';
import { MockBarrier, MockGateInputSource } from '../src/core/gate/test-doubles.js';
import { silentLogger, systemClock } from '../src/core/ports.js';
import { PlateWebhookInput } from '../src/drivers/anpr/webhook-input.js';
import { startGateRuntime, type GateRuntime } from '../src/drivers/gate-runtime/runtime.js';
import { LaneController } from '../src/drivers/serial/lane-controller.js';
import type { SerialLink } from '../src/drivers/serial/serial-link.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, gateRoleTestUrl, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';
import { insertConfirmed, waitFor } from './support/gate-daemon-helpers.js';

/** A serial line we write garbage into; the controller's commands are answered "ST OPEN". */
class FakeLink extends EventEmitter implements SerialLink {
  isOpen = true;
  write(chunk: Buffer, cb?: (e: Error | null | undefined) => void): boolean {
    if (chunk.toString('latin1').includes('OPEN')) setImmediate(() => this.emit('data', Buffer.from('\x02ST OPEN*0B\x03', 'latin1')));
    cb?.(null);
    return true;
  }
  close(cb?: (err: Error | null) => void): void {
    this.isOpen = false;
    cb?.(null);
  }
}

let db: TestDatabase;
let dir: string;
let lotId: number;
let runtime: GateRuntime;
const barrier = new MockBarrier();
const source = new MockGateInputSource();
const link = new FakeLink();
const lane = new LaneController(link, { name: 'lane1', replyTimeoutMs: 200 });
const webhook = new PlateWebhookInput({});
let webhookUrl: string;

const events = async (kind: string) =>
  (await db.pool.query<{ decision: string | null; detail: Record<string, unknown> }>(
    `select decision, detail from gate_events where lot_id = $1 and kind = $2 order by seq`, [lotId, kind])).rows;

/** Sync until the database holds what `ready` looks for (inputs are journaled asynchronously). */
async function settle(ready: () => Promise<boolean> = async () => true): Promise<void> {
  await waitFor(async () => {
    await runtime.sync.pass();
    return ready();
  }, 'the gate events to reach the database');
}

beforeAll(async () => {
  db = await createTestDatabase();
  lotId = (await createTestLot(db.pool, { code: 'GATEIN', policy: { walk_ins: false } })).lotId;
  await insertConfirmed(db.pool, lotId, 1, 'AB12CD', new Date(Date.now() - 3_600_000), new Date(Date.now() + 3_600_000));
  dir = await mkdtemp(join(tmpdir(), 'parkctl-gate-in-'));
  webhookUrl = `http://127.0.0.1:${await webhook.listen(0)}/anpr/plate-recognizer`;
  const gateUrl = gateRoleTestUrl(db.url);
  const config = parseGateDaemonConfig({
    lot: 'GATEIN', gate: 'west-in', direction: 'entry', journalDir: dir, barrier: { driver: 'none' }, arming: 'always', syncIntervalSeconds: 0.2,
  }, 'test');
  runtime = await startGateRuntime({ config, databaseUrl: gateUrl, barrier, inputs: [source, lane, webhook], clock: systemClock, logger: silentLogger });
});

afterAll(async () => {
  await runtime?.stop();
  await lane.dispose();
  await webhook.dispose();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bad input fails closed with an event', () => {
  it('malformed reads and source errors', async () => {
    source.emitInput({ kind: 'plate', plate: 42, confidence: 'high', source: 'x', readId: 'm1', at: new Date() } as unknown as GateInput);
    source.emitInput({ kind: 'credential', code: '   ', source: 'x', at: new Date() });
    source.emitInput({ kind: 'teleport' } as unknown as GateInput);
    source.emit('error', new Error('camera sent nonsense'));
    await settle(async () => (await events('entry')).length >= 3 && (await events('input_error')).length >= 1);
    expect(barrier.opens).toEqual([]);
    expect((await events('entry')).map((e) => e.decision)).toEqual(['MALFORMED_INPUT', 'MALFORMED_INPUT', 'MALFORMED_INPUT']);
    expect((await events('input_error')).map((e) => e.detail.error)).toContain('camera sent nonsense');
  });

  it('garbage and malformed frames on the serial line', async () => {
    link.emit('data', Buffer.from('\x00\xff\xfeNOISE\x02LOOP Z 9*00\x03\x02BOGUS\x03', 'latin1'));
    await settle(async () => (await events('input_error')).length >= 3);
    expect(barrier.opens).toEqual([]);
    const errors = (await events('input_error')).map((e) => String(e.detail.error));
    expect(errors.some((e) => /garbage/.test(e))).toBe(true);
    expect(errors.some((e) => /checksum|unknown message/.test(e))).toBe(true);
  });

  it('a webhook delivered twice opens once; an unknown plate stays shut', async () => {
    const body = readFileSync(new URL('../fixtures/frames/plate-recognizer-stream.json', import.meta.url), 'utf8');
    for (let i = 0; i < 2; i++) expect((await fetch(webhookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status).toBe(200);
    const bad = await fetch(webhookUrl, { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    source.emitInput({ kind: 'plate', plate: 'ZZ999', confidence: 0.99, source: 'x', readId: 'u1', at: new Date() });
    await settle(async () => (await db.pool.query(`select 1 from gate_events where lot_id = $1 and plate = 'ZZ999'`, [lotId])).rowCount === 1);
    expect(barrier.opens).toHaveLength(1);
    const entries = (await db.pool.query(`select plate, decision from gate_events where lot_id = $1 and plate in ('AB12CD', 'ZZ999') and decision is not null order by seq`, [lotId])).rows;
    expect(entries).toEqual([{ plate: 'AB12CD', decision: 'RESERVATION' }, { plate: 'ZZ999', decision: 'NO_BOOKING' }]);
  });

  it('a vehicle-mode webhook is decided, and its plateless vehicle is journalled with why', async () => {
    const body = readFileSync(new URL('../fixtures/frames/plate-recognizer-vehicle.json', import.meta.url), 'utf8');
    const res = await fetch(webhookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, skipped: 1 });
    await settle(async () => (await db.pool.query(`select 1 from gate_events where lot_id = $1 and plate = 'GH34KL'`, [lotId])).rowCount === 1
      && (await events('input_error')).some((e) => /Pickup Truck/.test(String(e.detail.error))));
    const decided = await db.pool.query(`select decision from gate_events where lot_id = $1 and plate = 'GH34KL'`, [lotId]);
    expect(decided.rows).toEqual([{ decision: 'NO_BOOKING' }]);
  });
});

describe('manual open', () => {
  it('opens through the daemon and keeps who and why', async () => {
    const before = barrier.opens.length;
    const r = await runCli(['--json', 'gate', 'open', '--gate', 'west-in', '--lot', 'GATEIN', '--reason', 'ticket machine jammed'], { DATABASE_URL: db.url, PARKCTL_ACTOR: 'attendant:ann' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ result: 'opened', by: 'attendant:ann' });
    expect(barrier.opens.length).toBe(before + 1);
    const audit = await db.pool.query(`select actor, reason, detail->>'gate' as gate from events where lot_id = $1 and kind = 'gate.manual_open'`, [lotId]);
    expect(audit.rows).toEqual([{ actor: 'attendant:ann', reason: 'ticket machine jammed', gate: 'west-in' }]);
    await settle(async () => (await events('manual_open')).length >= 1);
    expect((await events('manual_open')).map((e) => [e.decision, e.detail.by, e.detail.reason])).toEqual([['MANUAL_OPEN', 'attendant:ann', 'ticket machine jammed']]);
  });

  it('refuses an unknown gate and names the known ones', async () => {
    const r = await runCli(['gate', 'open', '--gate', 'ghost', '--lot', 'GATEIN', '--reason', 'test', '--wait-seconds', '1'], { DATABASE_URL: db.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown gate "ghost".*\n.*known gates: .*west-in/);
  });
});

describe('config commands', () => {
  it('check-config names the bad field and exits 2', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'lot: RIVERSIDE\ngate: g1\ndirection: sideways\njournalDir: /tmp/x\nbarrier: { driver: none }\n');
    const r = await runCli(['gate-daemon', 'check-config', '--config', bad], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/direction/);
    const missing = await runCli(['gate-daemon', 'check-config', '--config', join(dir, 'nope.yaml')], {});
    expect(missing.code).toBe(2);
  });

  it('check-config accepts every example config', async () => {
    const examples = readdirSync('fixtures/gates');
    expect(examples.length).toBeGreaterThanOrEqual(6);
    for (const f of examples) {
      const r = await runCli(['--json', 'gate-daemon', 'check-config', '--config', `fixtures/gates/${f}`], { DATABASE_URL: 'postgres://app:pw@db:5432/parkctl' });
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
      expect(JSON.stringify(r.json)).not.toContain(':pw@');
    }
  });

  it('install --print writes a notify unit for an unprivileged user', async () => {
    const r = await runCli(['gate-daemon', 'install', '--config', 'fixtures/gates/entry-serial.yaml', '--print'], { DATABASE_URL: 'postgres://gate@db.example:5432/parkctl' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Type=notify$/m);
    expect(r.stdout).toMatch(/^Restart=always$/m);
    expect(r.stdout).toMatch(/^WatchdogSec=30$/m);
    expect(r.stdout).toMatch(/^User=parkctl$/m);
    // the heap limits `bench gate` measures under
    expect(r.stdout).toMatch(/^Environment="NODE_OPTIONS=--max-semi-space-size=2 --max-old-space-size=256"$/m);
    const root = await runCli(['gate-daemon', 'install', '--config', 'fixtures/gates/entry-serial.yaml', '--print', '--user', 'root'], {});
    expect(root.code).toBe(2);
  });

  it('install keeps DATABASE_URL out of the world-readable unit, in a root-only environment file', async () => {
    const out = await mkdtemp(join(tmpdir(), 'parkctl-unit-'));
    try {
      const url = 'postgres://gate:s3cr"et@db.example:5432/parkctl';
      const r = await runCli(['--json', 'gate-daemon', 'install', '--config', 'fixtures/gates/entry-serial.yaml',
        '--unit-dir', join(out, 'units'), '--env-dir', join(out, 'env')], { DATABASE_URL: url });
      expect(r.code, r.stderr).toBe(0);
      const { unit, environmentFile } = r.json as { unit: string; environmentFile: string };
      const unitText = readFileSync(unit, 'utf8');
      expect(unitText).not.toContain('s3cr');
      expect(unitText).toContain(`EnvironmentFile=${environmentFile}`);
      expect((await stat(environmentFile)).mode & 0o777).toBe(0o600);
      expect(readFileSync(environmentFile, 'utf8')).toBe('DATABASE_URL="postgres://gate:s3cr\\"et@db.example:5432/parkctl"\n');
      // --print shows the same unit and says where the secret goes, without it
      const printed = await runCli(['gate-daemon', 'install', '--config', 'fixtures/gates/entry-serial.yaml', '--print', '--env-dir', join(out, 'env')], { DATABASE_URL: url });
      expect(printed.stdout).toBe(unitText);
      expect(printed.stdout + printed.stderr).not.toContain('s3cr');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('status reports journal depth and the heartbeat', async () => {
    const cfg = join(dir, 'west.yaml');
    await writeFile(cfg, `lot: GATEIN\ngate: west-in\ndirection: entry\njournalDir: ${dir}\nbarrier: { driver: none }\ndatabaseUrl: ${gateRoleTestUrl(db.url)}\n`);
    const r = await runCli(['--json', 'gate-daemon', 'status', '--config', cfg], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ database: 'reachable', heartbeat: { journal_synced_seq: expect.any(Number) } });
    expect((r.json as { journalLastSeq: number }).journalLastSeq).toBeGreaterThan(0);
  });
});
