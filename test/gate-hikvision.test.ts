// Issue 12 item 9: Hikvision ANPR cameras as a plate source (their alarm push to an HTTP listener,
// posted more than once) and their barrier output as a barrier (Digest, the position read back
// after each command: a locked unit answers OK and fires nothing). Against a simulated camera
// written from the ISAPI documentation (test/support/hikvision-sim.ts); the last test runs the
// whole daemon on real PostgreSQL.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import type { Availability, GateInput } from '../src/core/gate/ports.js';
import { silentLogger, systemClock } from '../src/core/ports.js';
import { HikvisionAnprInput } from '../src/drivers/anpr/hikvision-input.js';
import { openGateHardware } from '../src/drivers/gate-runtime/hardware.js';
import { startGateRuntime, type GateRuntime } from '../src/drivers/gate-runtime/runtime.js';
import { HikvisionBarrier } from '../src/drivers/hikvision/barrier-gate.js';
import { createTestDatabase, type TestDatabase, gateRoleTestUrl } from './support/db.js';
import { insertConfirmed, waitFor } from './support/gate-daemon-helpers.js';
import { anprAlert, HikvisionCameraSim, pushAlarm } from './support/hikvision-sim.js';
import { createTestLot } from './support/lots.js';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('the ANPR alarm listener', () => {
  let listener: HikvisionAnprInput;
  let url: string;
  const inputs: GateInput[] = [];
  const errors: Error[] = [];

  beforeAll(async () => {
    listener = new HikvisionAnprInput({ token: 'secret-token-1' });
    const port = await listener.listen(0);
    url = `http://127.0.0.1:${port}/anpr/hikvision?token=secret-token-1`;
    listener.on('input', (i) => inputs.push(i)).on('error', (e) => errors.push(e));
    cleanup.push(() => listener.dispose());
  });

  it('turns each ANPR alarm into one read, however often the camera posts it, multipart or plain XML', async () => {
    const alarm = anprAlert({ plate: 'GKW5KE2', confidence: 93, dateTime: '2024-12-02T14:51:24+08:00' });
    const first = await pushAlarm(url, alarm);
    expect(first.status).toBe(200);
    expect(first.text).toMatch(/<statusCode>1<\/statusCode>/);
    expect((await pushAlarm(url, alarm)).status).toBe(200); // the camera posts it again
    expect((await pushAlarm(url, alarm, 'xml')).status).toBe(200);
    expect((await pushAlarm(url, anprAlert({ plate: 'WX 1234A', confidence: 88, dateTime: '2024-12-02T14:52:00+08:00', uuid: 'u-77' }), 'xml')).status).toBe(200);
    expect((await pushAlarm(url, anprAlert({ plate: 'WX 1234A', confidence: 88, dateTime: '2024-12-02T14:52:00.5+08:00', uuid: 'u-77' }))).status).toBe(200);
    expect(inputs.map((i) => (i.kind === 'plate' ? `${i.plate} ${i.confidence}` : i.kind))).toEqual(['GKW5KE2 0.93', 'WX1234A 0.88']);
    expect(inputs[0]).toMatchObject({ source: 'hikvision:Entry LPR', at: new Date('2024-12-02T06:51:24Z') });
    expect(listener.counts).toMatchObject({ accepted: 2, duplicates: 3 });
  });

  it('answers heartbeats, other events and unreadable plates 200 and reads nothing; a body that is no alarm is a 400', async () => {
    const before = inputs.length;
    expect((await pushAlarm(url, anprAlert({ plate: 'AA1', dateTime: '2024-12-02T15:00:00+08:00', state: 'inactive' }))).status).toBe(200);
    expect((await pushAlarm(url, anprAlert({ plate: 'AA1', dateTime: '2024-12-02T15:00:01+08:00', eventType: 'VMD' }), 'xml')).status).toBe(200);
    expect((await pushAlarm(url, anprAlert({ plate: 'unknown', dateTime: '2024-12-02T15:00:02+08:00' }))).status).toBe(200);
    expect(inputs.length).toBe(before);
    expect((await pushAlarm(url, '<html>hello</html>', 'xml')).status).toBe(400);
    expect(errors.at(-1)?.message).toMatch(/not an EventNotificationAlert/);
    expect((await pushAlarm(url.replace('secret-token-1', 'wrong-token-9'), anprAlert({ plate: 'BB2', dateTime: '2024-12-02T15:00:03+08:00' }))).status).toBe(401);
    expect(inputs.length).toBe(before);
  });
});

describe('the barrier output', () => {
  let cam: HikvisionCameraSim;
  beforeAll(async () => {
    cam = await new HikvisionCameraSim().listen();
    cleanup.push(() => cam.close());
  });
  const barrier = (o: Partial<ConstructorParameters<typeof HikvisionBarrier>[0]> = {}) =>
    new HikvisionBarrier({ baseUrl: cam.url, username: cam.username, password: cam.password, verifyTimeoutMs: 400, pollMs: 20, ...o });

  it('opens over Digest and confirms only once the unit reads the barrier open', async () => {
    const b = barrier();
    await b.open();
    expect(cam.commands.at(-1)).toBe('open');
    expect(await b.status()).toBe('open');
    await waitFor(async () => (await b.status()) === 'closed', 'the arm back down');
  });

  it('a locked unit answers OK and fires nothing: not confirmed; nor is a unit without a position signal, unless verify is "commanded"', async () => {
    cam.locked = true;
    await expect(barrier().open()).rejects.toThrow(/answered OK to open but the barrier stayed closed .*not confirmed/);
    cam.locked = false;
    cam.noPositionSignal = true;
    await expect(barrier().open()).rejects.toThrow(/barrierGateStatus 0/);
    await barrier({ verify: 'commanded' }).open();
    cam.noPositionSignal = false;
  });

  it('a wrong password and an unreachable unit are refusals, and the unit goes offline', async () => {
    await expect(barrier({ password: 'nope' }).open()).rejects.toThrow(/401: wrong user name or password/);
    const off = barrier({ baseUrl: 'http://127.0.0.1:1', requestTimeoutMs: 500 });
    const seen: Availability[] = [];
    off.on('availability', (a) => seen.push(a));
    await expect(off.open()).rejects.toThrow(/hikvision/);
    expect(seen).toEqual(['offline']);
  });
});

describe('the daemon with a Hikvision camera for plates and barrier', () => {
  let db: TestDatabase;
  let work: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    work = await mkdtemp(join(tmpdir(), 'parkctl-gate-hik-'));
    cleanup.push(async () => {
      await db.drop();
      await rm(work, { recursive: true, force: true });
    });
  });

  it('a locked barrier voids the entry; once unlocked, the car\'s next alarm gets it in; a re-posted alarm decides nothing', async () => {
    const lotId = (await createTestLot(db.pool, { code: 'HIK', policy: { walk_ins: false } })).lotId;
    const now = Date.now();
    await insertConfirmed(db.pool, lotId, 1, 'HIK123', new Date(now - 3_600_000), new Date(now + 3_600_000));
    const cam = await new HikvisionCameraSim().listen();
    cleanup.push(() => cam.close());
    const config = parseGateDaemonConfig({
      lot: 'HIK', gate: 'hik-in', direction: 'entry', journalDir: join(work, 'hik-in'), syncIntervalSeconds: 3600, allowListRefreshSeconds: 3600,
      barrier: { driver: 'hikvision', url: cam.url, username: cam.username, password: cam.password, verifyTimeoutMs: 500 },
      inputs: { hikvision: { listen: '127.0.0.1:0', token: 'push-token-1' } },
    }, 'test');
    const hw = await openGateHardware(config, systemClock);
    const rt: GateRuntime = await startGateRuntime({
      config, databaseUrl: gateRoleTestUrl(db.url), barrier: hw.barrier, inputs: hw.inputs, clock: systemClock, logger: silentLogger, listen: false,
    });
    cleanup.push(() => hw.dispose(), () => rt.stop());
    const push = `http://127.0.0.1:${hw.hikvisionPort}/anpr/hikvision?token=push-token-1`;
    const kinds = async () => (await db.pool.query<{ kind: string }>(
      `select kind from gate_events where lot_id = $1 and gate_id = 'hik-in' and plate = 'HIK123' order by seq`, [lotId])).rows.map((r) => r.kind);
    const until = (k: string, n = 1) => waitFor(async () => {
      await rt.sync.pass();
      return (await kinds()).filter((x) => x === k).length >= n;
    }, k);

    cam.locked = true;
    const first = anprAlert({ plate: 'HIK123', dateTime: new Date().toISOString() });
    expect((await pushAlarm(push, first)).status).toBe(200);
    await until('entry_void');
    expect((await pushAlarm(push, first)).status).toBe(200); // re-posted: the same alarm, no new decision
    cam.locked = false;
    expect((await pushAlarm(push, anprAlert({ plate: 'HIK123', dateTime: new Date(Date.now() + 1000).toISOString() }))).status).toBe(200);
    await until('entry_confirmed');
    expect(await kinds()).toEqual(['entry', 'entry_void', 'entry', 'entry_confirmed']);
    expect((await db.pool.query(`select 1 from visits where lot_id = $1 and plate = 'HIK123' and exited_at is null`, [lotId])).rowCount).toBe(1);
    expect(cam.commands).toEqual(['open', 'open']);
  });
});
