// Issue 12 item 8 through the whole daemon (real PostgreSQL, the config file's path through
// openGateHardware): a "*CMD#" board on TCP that never answers. An entry counts once the car passed
// (IN3ON, IN3OFF) after TRIG1; a locked barrier (TRIG1 fires nothing) leaves the decision void and
// the car's next read gets in. With confirm "commanded" the write is the confirmation, and a board
// that cannot be reached voids the decision.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import { MockGateInputSource } from '../src/core/gate/test-doubles.js';
import { silentLogger, systemClock } from '../src/core/ports.js';
import { openGateHardware, type GateHardware } from '../src/drivers/gate-runtime/hardware.js';
import { startGateRuntime, type GateRuntime } from '../src/drivers/gate-runtime/runtime.js';
import { createTestDatabase, type TestDatabase, gateRoleTestUrl } from './support/db.js';
import { insertConfirmed, waitFor } from './support/gate-daemon-helpers.js';
import { createTestLot } from './support/lots.js';
import { StarBoardServer } from './support/star-board.js';

let db: TestDatabase;
let lotId: number;
let work: string;
const stops: Array<() => Promise<void>> = [];
const now = Date.now();
let readNo = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  lotId = (await createTestLot(db.pool, { code: 'STAR', policy: { walk_ins: false } })).lotId;
  for (const [i, p] of ['STARA1', 'STARB1', 'STARC1'].entries()) {
    await insertConfirmed(db.pool, lotId, i + 1, p, new Date(now - 3_600_000), new Date(now + 3_600_000));
  }
  work = await mkdtemp(join(tmpdir(), 'parkctl-gate-star-'));
});

afterAll(async () => {
  for (const s of stops.reverse()) await s();
  await db?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function start(gate: string, sim: StarBoardServer, confirm: unknown): Promise<{ rt: GateRuntime; hw: GateHardware; cam: MockGateInputSource }> {
  const config = parseGateDaemonConfig({
    lot: 'STAR', gate, direction: 'entry', journalDir: join(work, gate), syncIntervalSeconds: 3600, allowListRefreshSeconds: 3600,
    barrier: { driver: 'lane-tcp', host: '127.0.0.1', port: sim.port, reconnectMs: 50, profile: { base: 'star-tcp', confirm } },
  }, 'test');
  const hw = await openGateHardware(config, systemClock);
  const cam = new MockGateInputSource();
  const rt = await startGateRuntime({
    config, databaseUrl: gateRoleTestUrl(db.url), barrier: hw.barrier, inputs: [...hw.inputs, cam], clock: systemClock, logger: silentLogger, listen: false,
  });
  stops.push(() => hw.dispose(), () => rt.stop());
  return { rt, hw, cam };
}

const read = (plate: string) => ({ kind: 'plate' as const, plate, confidence: 0.95, source: 'cam', readId: `r${++readNo}`, at: new Date() });

async function kinds(gate: string, plate: string): Promise<string[]> {
  const r = await db.pool.query<{ kind: string; decision: string | null }>(
    `select kind, decision from gate_events where lot_id = $1 and gate_id = $2 and plate = $3 order by seq`, [lotId, gate, plate]);
  return r.rows.map((x) => `${x.kind}${x.decision ? ` ${x.decision}` : ''}`);
}
const openVisits = async (plate: string) =>
  (await db.pool.query(`select 1 from visits where lot_id = $1 and plate = $2 and exited_at is null`, [lotId, plate])).rowCount;

async function until(rt: GateRuntime, gate: string, plate: string, kind: string): Promise<void> {
  await waitFor(async () => {
    await rt.sync.pass();
    return (await kinds(gate, plate)).includes(kind);
  }, `${kind} for ${plate}`);
}

describe('a board with no replies, confirmed by the car passing', () => {
  it('serves the car the board reports on the loop at start, voids a locked barrier, then lets the car in on its next read', async () => {
    const sim = await new StarBoardServer().listen();
    stops.push(() => sim.close());
    sim.board.loop = true; // a car already stands on the arming loop when the daemon starts
    const { rt, cam } = await start('star-in', sim, { by: 'input', messages: ['IN3ON', 'IN3OFF'], timeoutMs: 500 });
    await waitFor(() => sim.board.received.includes('STAT'), 'STAT at start');

    cam.emitInput(read('STARA1'));
    await until(rt, 'star-in', 'STARA1', 'entry_confirmed');
    expect(await openVisits('STARA1')).toBe(1);
    sim.board.setLoop(false);

    sim.board.behaviours = ['locked'];
    sim.board.setLoop(true);
    cam.emitInput(read('STARB1'));
    await until(rt, 'star-in', 'STARB1', 'entry_void');
    expect(await openVisits('STARB1')).toBe(0);
    cam.emitInput(read('STARB1'));
    await until(rt, 'star-in', 'STARB1', 'entry_confirmed');
    expect(await kinds('star-in', 'STARB1')).toEqual(['entry RESERVATION', 'entry_void', 'entry RESERVATION', 'entry_confirmed']);
    expect(await openVisits('STARB1')).toBe(1);
    expect(sim.board.trigs).toBe(3);
  });
});

describe('confirm "commanded"', () => {
  it('counts the entry once TRIG1 is written; with the board unreachable the decision is void and the next read gets in', async () => {
    const sim = await new StarBoardServer().listen();
    const { rt, hw, cam } = await start('cmd-in', sim, 'commanded');
    await sim.close();
    await waitFor(() => hw.barrier !== null && (hw.barrier as unknown as { link: { isOpen: boolean } }).link.isOpen === false, 'the connection lost');
    cam.emitInput(read('STARC1'));
    await until(rt, 'cmd-in', 'STARC1', 'entry_void');
    const back = new StarBoardServer();
    back.board.loop = true; // the car still stands on the arming loop: the daemon asks at reconnection
    await back.listen(sim.port);
    stops.push(() => back.close());
    // the board's accept comes before the daemon's 'connect': wait until the daemon has the loop's state
    await waitFor(() => back.connections > 0 && back.board.received.includes('STAT'), 'reconnected');
    back.board.behaviours = ['locked']; // commanded: the write is all that is asked
    cam.emitInput(read('STARC1'));
    await until(rt, 'cmd-in', 'STARC1', 'entry_confirmed');
    expect(await kinds('cmd-in', 'STARC1')).toEqual(['entry RESERVATION', 'entry_void', 'entry RESERVATION', 'entry_confirmed']);
    expect(await openVisits('STARC1')).toBe(1);
    await waitFor(() => back.board.trigs === 1, 'TRIG1 at the board');
  });
});
