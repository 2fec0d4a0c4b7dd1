// Issue 12 item 10: a Modbus TCP relay board as the barrier (modbus-serial), against modbus-serial's
// own ServerTCP playing the board: coil 0 the open contact, discrete input 0 the open-position
// switch. The last test runs the whole daemon on real PostgreSQL.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import type { Availability } from '../src/core/gate/ports.js';
import { MockGateInputSource } from '../src/core/gate/test-doubles.js';
import { silentLogger, systemClock } from '../src/core/ports.js';
import { openGateHardware } from '../src/drivers/gate-runtime/hardware.js';
import { startGateRuntime } from '../src/drivers/gate-runtime/runtime.js';
import { ModbusRelayBarrier } from '../src/drivers/modbus/relay-barrier.js';
import { createTestDatabase, type TestDatabase, gateRoleTestUrl } from './support/db.js';
import { insertConfirmed, waitFor } from './support/gate-daemon-helpers.js';
import { createTestLot } from './support/lots.js';
import { ModbusRelaySim } from './support/modbus-relay-sim.js';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function board(): Promise<ModbusRelaySim> {
  const sim = await new ModbusRelaySim().listen();
  cleanup.push(() => sim.close());
  return sim;
}

function barrier(sim: ModbusRelaySim, o: Partial<ConstructorParameters<typeof ModbusRelayBarrier>[0]> = {}): ModbusRelayBarrier {
  const b = new ModbusRelayBarrier({ host: '127.0.0.1', port: sim.port, coil: 0, positionInput: 0, verifyTimeoutMs: 400, pollMs: 20, ...o });
  cleanup.push(() => b.dispose());
  return b;
}

describe('ModbusRelayBarrier', () => {
  it('sets the coil, confirms once the position input reads open, and releases the coil after the pulse', async () => {
    const sim = await board();
    const b = await barrier(sim).start();
    await b.open(200);
    expect(sim.inputs[0]).toBe(true);
    expect(await b.status()).toBe('open');
    await waitFor(() => sim.coils[0] === false, 'the coil released after the pulse');
    expect(sim.writes).toEqual(['0:off', '0:on', '0:off']);
    await waitFor(async () => (await b.status()) === 'closed', 'the arm down');
  });

  it('a jammed barrier (the relay switches, the arm stays down) is not confirmed; "coil" verification trusts the relay', async () => {
    const sim = await board();
    sim.jammed = true;
    await expect((await barrier(sim).start()).open(1000)).rejects.toThrow(/input 0 never showed the barrier open within 400 ms: not confirmed/);
    expect(sim.coils[0]).toBe(false); // released at once: a jam clearing later must not let an uncounted car through
    await (await barrier(sim, { positionInput: null }).start()).open(0);
    expect(sim.coils[0]).toBe(true);
  });

  it('releases a coil left on at start (a daemon killed mid-pulse), and reconnects after the board was away', async () => {
    const sim = await board();
    sim.coils[0] = true;
    const b = barrier(sim);
    const seen: Availability[] = [];
    b.on('availability', (a) => seen.push(a));
    await b.start();
    expect(sim.coils[0]).toBe(false);
    const port = sim.port;
    await sim.close();
    await expect(b.open(0)).rejects.toThrow(/modbus 127\.0\.0\.1/);
    expect(seen.at(-1)).toBe('offline');
    const back = await new ModbusRelaySim().listen(port);
    cleanup.push(() => back.close());
    await b.open(0);
    expect(back.coils[0]).toBe(true);
    expect(seen.at(-1)).toBe('online');
  });

  it('a config without a position input must say it confirms by the coil', () => {
    const base = { lot: 'L', gate: 'g', direction: 'entry', journalDir: '/tmp/x' };
    expect(() => parseGateDaemonConfig({ ...base, barrier: { driver: 'modbus', host: 'relay', coil: 0 } }, 'test')).toThrow(/positionInput: required/);
    expect(parseGateDaemonConfig({ ...base, barrier: { driver: 'modbus', host: 'relay', coil: 0, verify: 'coil' } }, 'test').barrier).toMatchObject({ port: 502, unitId: 1 });
  });
});

describe('the daemon with a Modbus relay barrier', () => {
  let db: TestDatabase;
  let work: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    work = await mkdtemp(join(tmpdir(), 'parkctl-gate-modbus-'));
    cleanup.push(async () => {
      await db.drop();
      await rm(work, { recursive: true, force: true });
    });
  });

  it('a jammed barrier voids the entry; the car\'s next read, with the arm free, gets it in', async () => {
    const lotId = (await createTestLot(db.pool, { code: 'MODBUS', policy: { walk_ins: false } })).lotId;
    const now = Date.now();
    await insertConfirmed(db.pool, lotId, 1, 'MOD123', new Date(now - 3_600_000), new Date(now + 3_600_000));
    const sim = await board();
    const config = parseGateDaemonConfig({
      lot: 'MODBUS', gate: 'mb-in', direction: 'entry', journalDir: join(work, 'mb-in'), syncIntervalSeconds: 3600, allowListRefreshSeconds: 3600,
      pulseMs: 300, barrier: { driver: 'modbus', host: '127.0.0.1', port: sim.port, coil: 0, positionInput: 0, verifyTimeoutMs: 400 },
    }, 'test');
    const hw = await openGateHardware(config, systemClock);
    const cam = new MockGateInputSource();
    const rt = await startGateRuntime({ config, databaseUrl: gateRoleTestUrl(db.url), barrier: hw.barrier, inputs: [cam], clock: systemClock, logger: silentLogger, listen: false });
    cleanup.push(() => hw.dispose(), () => rt.stop());
    const kinds = async () => (await db.pool.query<{ kind: string }>(
      `select kind from gate_events where lot_id = $1 and gate_id = 'mb-in' and plate = 'MOD123' order by seq`, [lotId])).rows.map((r) => r.kind);
    const until = (k: string) => waitFor(async () => {
      await rt.sync.pass();
      return (await kinds()).includes(k);
    }, k);
    const read = (n: number) => ({ kind: 'plate' as const, plate: 'MOD123', confidence: 0.95, source: 'cam', readId: `m${n}`, at: new Date() });

    sim.jammed = true;
    cam.emitInput(read(1));
    await until('entry_void');
    sim.jammed = false;
    cam.emitInput(read(2));
    await until('entry_confirmed');
    expect(await kinds()).toEqual(['entry', 'entry_void', 'entry', 'entry_confirmed']);
    expect((await db.pool.query(`select 1 from visits where lot_id = $1 and plate = 'MOD123' and exited_at is null`, [lotId])).rowCount).toBe(1);
  });
});
