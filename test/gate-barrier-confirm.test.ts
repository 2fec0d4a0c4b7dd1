// Invariant 10 in-process against real PostgreSQL: an entry or exit counts once the barrier
// confirmed it. A relay that stays silent, answers in a form the driver cannot read or refuses
// leaves the car where it was (no visit opened, or the visit still open) and its next read is decided
// afresh; a second read while the barrier is still being commanded waits for the outcome. Also: a
// lane controller's line noise is one input error, not a barrier fault too, and after a restart a
// car already standing on the arming loop is served.
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import { encodeFrame } from '../src/core/gate/frame-parser.js';
import type { Barrier, GateInputSource } from '../src/core/gate/ports.js';
import { MockBarrier, MockGateInputSource } from '../src/core/gate/test-doubles.js';
import { silentLogger, systemClock } from '../src/core/ports.js';
import { startGateRuntime, type GateRuntime } from '../src/drivers/gate-runtime/runtime.js';
import { defaultLaneFraming, LaneController } from '../src/drivers/serial/lane-controller.js';
import type { SerialLink } from '../src/drivers/serial/serial-link.js';
import { createTestDatabase, type TestDatabase, gateRoleTestUrl } from './support/db.js';
import { insertConfirmed, waitFor } from './support/gate-daemon-helpers.js';
import { createTestLot } from './support/lots.js';

/** A lane controller's serial line: each OPEN is answered as `answers` says (shifted per command), else "ST OPEN". */
class ScriptedLink extends EventEmitter implements SerialLink {
  isOpen = true;
  /** per OPEN, in order: 'ok' answers ST OPEN, 'silent' nothing, any other text is sent as the reply frame */
  answers: string[] = [];
  opens = 0;
  write(chunk: Buffer, cb?: (e: Error | null | undefined) => void): boolean {
    const text = chunk.toString('latin1');
    if (text.includes('OPEN')) {
      this.opens++;
      const answer = this.answers.shift() ?? 'ok';
      if (answer !== 'silent') this.reply(answer === 'ok' ? 'ST OPEN' : answer);
    } else {
      this.reply('ST CLOSED');
    }
    cb?.(null);
    return true;
  }
  reply(payload: string): void {
    setImmediate(() => this.emit('data', encodeFrame(payload, defaultLaneFraming)));
  }
  close(cb?: (err: Error | null) => void): void {
    this.isOpen = false;
    cb?.(null);
  }
}

/** A barrier whose open() waits until the test lets it go, then succeeds or fails. */
class HeldBarrier extends MockBarrier {
  private release: Array<(ok: boolean) => void> = [];
  get waiting(): number {
    return this.release.length;
  }
  override async open(pulseMs?: number): Promise<void> {
    const ok = await new Promise<boolean>((resolve) => this.release.push(resolve));
    if (!ok) throw new Error('relay offline');
    this.opens.push(pulseMs);
  }
  let(ok: boolean): void {
    this.release.shift()?.(ok);
  }
}

let db: TestDatabase;
let lotId: number;
let work: string;
const runtimes: GateRuntime[] = [];
const now = Date.now();
let readNo = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  lotId = (await createTestLot(db.pool, { code: 'CONFIRM', policy: { walk_ins: false } })).lotId;
  for (const [i, p] of ['SILENT1', 'GARBLE1', 'EXITER1', 'TWICE1', 'STAND1', 'STAND2'].entries()) {
    await insertConfirmed(db.pool, lotId, i + 1, p, new Date(now - 3_600_000), new Date(now + 3_600_000));
  }
  work = await mkdtemp(join(tmpdir(), 'parkctl-gate-confirm-'));
});

afterAll(async () => {
  for (const r of runtimes) await r.stop();
  await db?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function start(gate: string, direction: 'entry' | 'exit', barrier: Barrier, inputs: GateInputSource[], arming: 'loop' | 'always'): Promise<GateRuntime> {
  const u = new URL(gateRoleTestUrl(db.url));
  const config = parseGateDaemonConfig({
    lot: 'CONFIRM', gate, direction, journalDir: join(work, gate), barrier: { driver: 'none' }, arming, syncIntervalSeconds: 3600, allowListRefreshSeconds: 3600,
  }, 'test');
  const rt = await startGateRuntime({ config, databaseUrl: u.toString(), barrier, inputs, clock: systemClock, logger: silentLogger, listen: false });
  runtimes.push(rt);
  return rt;
}

const read = (plate: string) => ({ kind: 'plate' as const, plate, confidence: 0.95, source: 'cam', readId: `r${++readNo}`, at: new Date() });

async function rows(gate: string, plate: string): Promise<Array<{ kind: string; decision: string | null }>> {
  const r = await db.pool.query<{ kind: string; decision: string | null }>(
    `select kind, decision from gate_events where lot_id = $1 and gate_id = $2 and plate = $3 order by seq`, [lotId, gate, plate]);
  return r.rows;
}
const openVisits = async (plate: string) =>
  (await db.pool.query(`select 1 from visits where lot_id = $1 and plate = $2 and exited_at is null`, [lotId, plate])).rowCount;

describe('a barrier that does not confirm', () => {
  it('a silent controller, then one answering in a form the driver cannot read: each decision is void, the next read on the same loop gets in', async () => {
    const link = new ScriptedLink();
    const lane = new LaneController(link, { name: 'lane', replyTimeoutMs: 100 });
    const cam = new MockGateInputSource();
    const rt = await start('serial-in', 'entry', lane, [lane, cam], 'loop');
    link.answers = ['silent', 'OK OPENED'];
    link.emit('data', encodeFrame('LOOP A 1', defaultLaneFraming));
    for (const [i, answer] of ['void', 'void', 'confirmed'].entries()) {
      cam.emitInput(read('SILENT1'));
      await waitFor(async () => {
        await rt.sync.pass();
        return (await rows('serial-in', 'SILENT1')).filter((r) => r.kind.startsWith('entry_')).length === i + 1;
      }, `outcome ${i + 1}`);
      expect((await rows('serial-in', 'SILENT1')).filter((r) => r.kind.startsWith('entry_')).at(-1)!.kind).toBe(`entry_${answer}`);
    }
    expect(link.opens).toBe(3);
    expect((await rows('serial-in', 'SILENT1')).filter((r) => r.decision !== null).map((r) => r.decision)).toEqual(['RESERVATION', 'RESERVATION', 'RESERVATION']);
    expect(await openVisits('SILENT1')).toBe(1);
    // once confirmed, it is inside: the next read is refused
    cam.emitInput(read('SILENT1'));
    link.emit('data', encodeFrame('LOOP A 0', defaultLaneFraming));
    link.emit('data', encodeFrame('LOOP A 1', defaultLaneFraming));
    cam.emitInput(read('SILENT1'));
    await waitFor(async () => {
      await rt.sync.pass();
      return (await rows('serial-in', 'SILENT1')).some((r) => r.decision === 'ALREADY_INSIDE');
    }, 'the refusal');
    expect(link.opens).toBe(3);
  });

  it('an exit whose barrier never opened leaves the car inside, with its visit open; its next read lets it out', async () => {
    const entryBarrier = new MockBarrier();
    const entryCam = new MockGateInputSource();
    const entry = await start('main-in', 'entry', entryBarrier, [entryCam], 'always');
    entryCam.emitInput(read('EXITER1'));
    await waitFor(async () => {
      await entry.sync.pass();
      return (await openVisits('EXITER1')) === 1;
    }, 'the entry');
    const barrier = new MockBarrier();
    const cam = new MockGateInputSource();
    const exit = await start('main-out', 'exit', barrier, [cam], 'always');
    barrier.failNextOpen = new Error('relay offline');
    cam.emitInput(read('EXITER1'));
    await waitFor(async () => {
      await exit.sync.pass();
      return (await rows('main-out', 'EXITER1')).some((r) => r.kind === 'exit_void');
    }, 'the void exit');
    expect(await openVisits('EXITER1')).toBe(1);
    cam.emitInput(read('EXITER1'));
    await waitFor(async () => {
      await exit.sync.pass();
      return (await rows('main-out', 'EXITER1')).some((r) => r.kind === 'exit_confirmed');
    }, 'the exit');
    expect(await openVisits('EXITER1')).toBe(0);
    expect((await rows('main-out', 'EXITER1')).map((r) => r.kind)).toEqual(['exit', 'exit_void', 'exit', 'exit_confirmed']);
    expect(barrier.opens).toHaveLength(1);
  });

  it('a second read while the barrier is being commanded waits for the outcome instead of being refused ALREADY_INSIDE', async () => {
    const barrier = new HeldBarrier();
    const cam = new MockGateInputSource();
    const rt = await start('held-in', 'entry', barrier, [cam], 'always');
    cam.emitInput(read('TWICE1'));
    await waitFor(() => barrier.waiting === 1, 'the first OPEN');
    cam.emitInput(read('TWICE1'));
    const seq = rt.journal.lastSeq();
    await new Promise((r) => setImmediate(r));
    expect(rt.journal.lastSeq()).toBe(seq); // nothing decided for the second read yet
    barrier.let(false);
    await waitFor(() => barrier.waiting === 1, 'the second read\'s OPEN');
    barrier.let(true);
    await waitFor(async () => {
      await rt.sync.pass();
      return (await rows('held-in', 'TWICE1')).some((r) => r.kind === 'entry_confirmed');
    }, 'the confirmed entry');
    expect((await rows('held-in', 'TWICE1')).map((r) => `${r.kind}${r.decision ? ` ${r.decision}` : ''}`))
      .toEqual(['entry RESERVATION', 'entry_void', 'entry RESERVATION', 'entry_confirmed']);
    expect(await openVisits('TWICE1')).toBe(1);
  });
});

describe('a lane controller that is both barrier and input', () => {
  it('journals line noise once, as an input error, never as a barrier fault', async () => {
    const link = new ScriptedLink();
    const lane = new LaneController(link, { name: 'noisy', replyTimeoutMs: 100 });
    const rt = await start('noisy-in', 'entry', lane, [lane], 'loop');
    link.emit('data', Buffer.from('\x00\xff\xfeNOISE\x02LOOP Z 9*00\x03', 'latin1'));
    link.emit('data', encodeFrame('BOGUS', defaultLaneFraming));
    const kinds = async () => (await db.pool.query<{ kind: string }>(
      `select kind from gate_events where lot_id = $1 and gate_id = 'noisy-in' and kind in ('input_error', 'fault') order by seq`, [lotId])).rows.map((r) => r.kind);
    await waitFor(async () => {
      await rt.sync.pass();
      return (await kinds()).length >= 3;
    }, 'the noise journalled');
    await rt.sync.pass();
    expect(await kinds()).toEqual(['input_error', 'input_error', 'input_error']);
  });

  it('after a restart, serves a car already standing on the arming loop (no loop frame comes), until the loop reports', async () => {
    const link = new ScriptedLink();
    const lane = new LaneController(link, { name: 'stand', replyTimeoutMs: 100 });
    const cam = new MockGateInputSource();
    const rt = await start('stand-in', 'entry', lane, [lane, cam], 'loop');
    cam.emitInput(read('STAND1'));
    await waitFor(() => link.opens === 1, 'the OPEN for the car on the loop');
    // the loop reports: from now on the rule is the loop's again
    link.emit('data', encodeFrame('LOOP A 0', defaultLaneFraming));
    cam.emitInput(read('STAND2'));
    await waitFor(async () => {
      await rt.sync.pass();
      return (await rows('stand-in', 'STAND1')).some((r) => r.kind === 'entry_confirmed');
    }, 'the confirmed entry');
    expect(link.opens).toBe(1);
    link.emit('data', encodeFrame('LOOP A 1', defaultLaneFraming));
    await waitFor(() => link.opens === 2, 'STAND2 presented when the loop comes on');
  });
});
