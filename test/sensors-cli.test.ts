// The sensor commands as a person types them: a lot file with a sensors section, `lot spot bind-sensor`,
// `sensors list`, `lot show` with sensed counts (their --json held to docs/json-shapes.md), bad input exits 2;
// and `parkctl sensors listen` as the process systemd runs, fed by Mosquitto, stopped by SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonShapes } from '../src/core/json/schemas.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { waitFor } from './support/gate-daemon-helpers.js';
import { testLotFile } from './support/lots.js';
import { TestBroker } from './support/mqtt-broker.js';

let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  const base = testLotFile({ code: 'SCLI', spots: 10 });
  const file = join(mkdtempSync(join(tmpdir(), 'parkctl-sensors-')), 'lot.json');
  writeFileSync(file, JSON.stringify({
    ...base,
    zones: [{ ...base.zones[0], route: 'ramp down, then left' }],
    sensors: { heartbeat_seconds: 300, vendors: { acme: { occupied: { field: 'status', occupied: ['occupied'], free: ['free'] } } }, bind: [{ spot: 'A-001', sensor: 'bay-1', vendor: 'acme' }] },
  }));
  const imported = await runCli(['lot', 'import', file], env);
  expect(imported.code, imported.stderr).toBe(0);
});

afterAll(async () => {
  await db?.drop();
});

describe('bind, list, show', () => {
  it('binds a sensor by hand and lists the lot\'s sensors, each a Sensor', async () => {
    const bound = await runCli(['--json', 'lot', 'spot', 'bind-sensor', 'A-002', '70b3d57ed005b89b', '--lot', 'SCLI', '--vendor', 'acme', '--heartbeat', '600'], env);
    expect(bound.code, bound.stderr).toBe(0);
    const s = jsonShapes.Sensor.parse(bound.json);
    expect(s).toMatchObject({ sensorId: '70B3D57ED005B89B', spotLabel: 'A-002', vendor: 'acme', heartbeatSeconds: 600, state: 'unknown' });
    const list = await runCli(['--json', 'sensors', 'list', '--lot', 'SCLI'], env);
    expect(jsonShapes.Sensor.array().parse(list.json).map((x) => x.spotLabel)).toEqual(['A-001', 'A-002']);
    const table = await runCli(['sensors', 'list', '--lot', 'SCLI'], env);
    expect(table.stdout).toMatch(/A-001\s+bay-1\s+acme\s+unknown/);
    // at 80 columns the DevEUI and the sensed state show whole; the vendor gives way first
    const fitted = await runCli(['sensors', 'list', '--lot', 'SCLI'], { ...env, COLUMNS: '80' });
    expect(Math.max(...fitted.stdout.trimEnd().split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(fitted.stdout).not.toContain('…');
    expect(fitted.stdout).toMatch(/A-002\s+70B3D57ED005B89B\s+unknown/);
    expect(fitted.stdout.split('\n')[0]).not.toContain('VENDOR');
  });

  it('lot show counts what the sensors sense beside what is booked', async () => {
    const shown = await runCli(['--json', 'lot', 'show', 'SCLI'], env);
    const status = jsonShapes.LotStatus.parse(shown.json);
    expect(status.sensed).toEqual({ sensed: 2, occupied: 0, free: 0, unknown: 2, faults: 0, unconfirmed: 0 });
    const table = await runCli(['lot', 'show', 'SCLI'], env);
    expect(table.stdout).toMatch(/sensed:\s+0 occupied, 0 free, 2 unknown \(0 faults\) of 2 spots with sensors/);
    expect(table.stdout).toMatch(/SENSED OCCUPIED\s+SENSED UNKNOWN\n.*0\/2\s+2\/2/);
  });

  it('bad input exits 2 with one line and a hint; an unknown spot is not found', async () => {
    const badId = await runCli(['lot', 'spot', 'bind-sensor', 'A-003', 'not an id!', '--lot', 'SCLI'], env);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toMatch(/is not a sensor id/);
    const vendor = await runCli(['lot', 'spot', 'bind-sensor', 'A-003', 'bay-3', '--lot', 'SCLI', '--vendor', 'nope'], env);
    expect(vendor.code).toBe(2);
    expect(vendor.stderr).toMatch(/maps no vendor "nope".*\n.*generic, acme/);
    const spot = await runCli(['lot', 'spot', 'bind-sensor', 'Z-999', 'bay-9', '--lot', 'SCLI'], env);
    expect(spot.code).toBe(4);
    const noBroker = await runCli(['sensors', 'listen', '--lot', 'SCLI'], { ...env, MQTT_URL: undefined });
    expect(noBroker.code).toBe(2);
    expect(noBroker.stderr).toMatch(/no MQTT broker/);
    const notUrl = await runCli(['sensors', 'listen', '--lot', 'SCLI', '--mqtt-url', 'not a url'], env);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toMatch(/--mqtt-url "not a url" is not a broker URL.*\n.*mqtt:\/\/127\.0\.0\.1:1883/);
    // nothing listens on port 1: the service is unavailable (69), and the hint says where to look
    const down = await runCli(['sensors', 'listen', '--lot', 'SCLI', '--mqtt-url', 'mqtt://127.0.0.1:1'], env);
    expect(down.code).toBe(69);
    expect(down.stderr).toMatch(/cannot connect to mqtt:\/\/127\.0\.0\.1:1/);
    expect(down.stderr).toContain('is the broker running? check --mqtt-url');
  });
});

describe('a sensor is one device: bound in another lot, it moves there', () => {
  it('bind-sensor in a second lot takes the sensor from the first, in one transaction, and says where it came from', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'parkctl-sensors-')), 'lot2.json');
    writeFileSync(file, JSON.stringify(testLotFile({ code: 'SCLI2', spots: 5 })));
    expect((await runCli(['lot', 'import', file], env)).code).toBe(0);
    expect((await runCli(['lot', 'spot', 'bind-sensor', 'A-005', 'mover-1', '--lot', 'SCLI'], env)).code).toBe(0);
    const bindings = async () => (await db.pool.query<{ code: string; label: string }>(
      `select l.code, s.label from sensors b join lots l using (lot_id) join spots s using (lot_id, spot_id) where b.sensor_id = 'mover-1' order by 1`)).rows;
    // an unknown spot in the second lot: nothing moves
    const nowhere = await runCli(['lot', 'spot', 'bind-sensor', 'Z-999', 'mover-1', '--lot', 'SCLI2'], env);
    expect(nowhere.code).toBe(4);
    expect(await bindings()).toEqual([{ code: 'SCLI', label: 'A-005' }]);

    const moved = await runCli(['lot', 'spot', 'bind-sensor', 'A-002', 'mover-1', '--lot', 'SCLI2'], env);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/moved from:\s+SCLI A-005/);
    expect(await bindings()).toEqual([{ code: 'SCLI2', label: 'A-002' }]);
    const list = await runCli(['--json', 'sensors', 'list', '--lot', 'SCLI'], env);
    expect(jsonShapes.Sensor.array().parse(list.json).map((x) => x.sensorId)).not.toContain('mover-1');
    const events = (await db.pool.query<{ code: string; kind: string }>(
      `select l.code, e.kind from events e join lots l using (lot_id) where e.detail->>'sensor_id' = 'mover-1' order by e.occurred_at, e.kind desc, l.code`)).rows;
    expect(events.slice(-2)).toEqual([{ code: 'SCLI', kind: 'sensor.unbound' }, { code: 'SCLI2', kind: 'sensor.bound' }]);

    // a lot file binding the same device takes it too
    const third = join(mkdtempSync(join(tmpdir(), 'parkctl-sensors-')), 'lot3.json');
    writeFileSync(third, JSON.stringify({ ...testLotFile({ code: 'SCLI3', spots: 3 }), sensors: { bind: [{ spot: 'A-003', sensor: 'mover-1' }] } }));
    const imported = await runCli(['lot', 'import', third], env);
    expect(imported.code, imported.stderr).toBe(0);
    expect(await bindings()).toEqual([{ code: 'SCLI3', label: 'A-003' }]);
    const [unbound] = (await db.pool.query<{ code: string; moved_to: string }>(
      `select l.code, e.detail->>'moved_to' as moved_to from events e join lots l using (lot_id)
        where e.kind = 'sensor.unbound' and e.detail->>'sensor_id' = 'mover-1' order by e.event_id desc limit 1`)).rows;
    expect(unbound).toEqual({ code: 'SCLI2', moved_to: 'SCLI3' });
  });
});

describe('parkctl sensors listen (the process systemd runs)', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await new TestBroker().open();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('ingests generic JSON uplinks, logs JSON lines on stderr and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/parkctl', 'sensors', 'listen', '--lot', 'SCLI', '--prefix', `${broker.run}/sensors`, '--flush-ms', '20'], {
      env: { ...process.env, DATABASE_URL: db.url, MQTT_URL: broker.url, PARKCTL_ACTOR: 'test' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => /"msg":"listening"/.test(stderr), 'the listener to subscribe');
      const pub = await broker.connect();
      await pub.publishAsync(`${broker.run}/sensors/bay-1`, JSON.stringify({ sensor: 'bay-1', status: 'occupied' }));
      const state = async (label: string) => (await db.pool.query<{ state: string }>(
        `select x.state from spot_sensed x join spots s using (lot_id, spot_id) join lots l using (lot_id) where l.code = 'SCLI' and s.label = $1`, [label])).rows[0]?.state;
      await waitFor(async () => (await state('A-001')) === 'occupied', 'A-001 sensed occupied');
      // a sensor bound while it runs is read after SIGHUP (systemd ExecReload)
      expect((await runCli(['lot', 'spot', 'bind-sensor', 'A-004', 'bay-4', '--lot', 'SCLI', '--vendor', 'acme'], env)).code).toBe(0);
      child.kill('SIGHUP');
      await waitFor(() => /"msg":"bindings reloaded"/.test(stderr), 'the reload');
      await pub.publishAsync(`${broker.run}/sensors/bay-4`, JSON.stringify({ sensor: 'bay-4', status: 'free' }));
      await waitFor(async () => (await state('A-004')) === 'free', 'A-004 sensed free');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/"msg":"stopping".*"readings":2/);
  });
});

describe('parkctl bench sensors (small: proves it runs, measures nothing here)', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await new TestBroker().open();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('publishes uplinks through the broker, ingests every one, and reports lag samples for each', async () => {
    const child = spawn(process.execPath, ['bin/parkctl', '--json', 'bench', 'sensors', '--rate', '200', '--seconds', '1', '--sensors', '20'], {
      env: { ...process.env, DATABASE_URL: db.url, MQTT_URL: broker.url, PARKCTL_ACTOR: 'test' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);
    const r = JSON.parse(stdout) as { sensors: number; published: number; received: number; lagSamples: number; changes: number; debounced: number; cpuMsPerEvent: { listener: number } };
    expect(r.sensors).toBe(20);
    expect(r.published).toBeGreaterThan(100);
    expect(r.received).toBe(r.published);
    expect(r.lagSamples).toBe(r.received);
    // each sensor toggles on each of its turns (10 a second) for 1 s: at most one change per sensor can fall outside
    // the 3 s debounce window after its warm-up reading; about every other reading is an ignored toggle
    expect(r.changes).toBeLessThanOrEqual(r.sensors);
    expect(r.debounced).toBeGreaterThanOrEqual(Math.floor((r.received - 2 * r.sensors) / 2));
    expect(r.cpuMsPerEvent.listener).toBeGreaterThan(0);
    // the scratch lot is dropped afterwards
    const { rows } = await db.pool.query(`select 1 from lots where code like 'SENSBENCH-%'`);
    expect(rows).toHaveLength(0);
  });
});
