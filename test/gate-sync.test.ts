// The sync shares the lane's thread and disk: it waits while a car is being decided, coalesces
// reloads, and while the database is down it only probes it instead of re-reading the backlog.
// The store here is an in-memory GateStore (the port the bench also replaces); the PostgreSQL
// store itself is covered by gate-daemon-db.test.ts.
import { describe, expect, it, vi } from 'vitest';
import { GateDaemon } from '../src/core/gate-daemon/daemon.js';
import { LocalAllowList } from '../src/core/gate-daemon/local-allow-list.js';
import type { GateStore, HeartbeatFields } from '../src/core/gate-daemon/store.js';
import { GateSync, type GateSyncOptions } from '../src/core/gate-daemon/sync.js';
import type { AllowListSnapshot } from '../src/core/gate/allow-list.js';
import type { GateEventRecord, JournalEntry } from '../src/core/gate/ports.js';
import { MemoryGateJournal, MockBarrier, MockGateInputSource } from '../src/core/gate/test-doubles.js';
import { ExternalError } from '../src/core/errors.js';
import { silentLogger } from '../src/core/ports.js';
import { waitFor } from './support/gate-daemon-helpers.js';

const policy = { lotCode: 'T', earlyEntryGraceMinutes: 15, walkInsAllowed: true, freeSpots: 10, overstaySlotMinutes: 15, ratePerHourMinor: 200 };
const snapshot = (at: Date): AllowListSnapshot => ({ policy, syncedAt: at, reservations: [], openVisits: [] });

/** An in-memory database as the gate sees it; `down` makes every call fail as an unreachable one does. */
class MemoryStore implements GateStore {
  down = false;
  pushed: JournalEntry[] = [];
  loads = 0;
  heartbeats: HeartbeatFields[] = [];
  private check(): void {
    if (this.down) throw new ExternalError('PostgreSQL', 'test: database down');
  }
  async loadSnapshot(now: Date): Promise<AllowListSnapshot> {
    this.check();
    this.loads++;
    return snapshot(now);
  }
  async pushEvents(entries: readonly JournalEntry[]): Promise<{ inserted: number; skipped: number }> {
    this.check();
    this.pushed.push(...entries);
    return { inserted: entries.length, skipped: 0 };
  }
  async heartbeat(h: HeartbeatFields): Promise<void> {
    this.check();
    this.heartbeats.push(h);
  }
  async takeCommands() {
    this.check();
    return [];
  }
  async finishCommand(): Promise<void> {
    this.check();
  }
}

const entry = (visitId: string): GateEventRecord => ({
  kind: 'entry', occurredAt: new Date().toISOString(), plate: 'AB12CD', credential: null, decision: 'WALK_IN', allow: true,
  reservationId: null, visitId, amountDueMinor: 0,
});

function setUp(opts: Partial<GateSyncOptions> = {}, laneIdle?: () => Promise<void>) {
  let now = new Date('2025-06-02T09:00:00Z');
  const clock = { now: () => now };
  const store = new MemoryStore();
  const journal = new MemoryGateJournal();
  const allowList = new LocalAllowList(snapshot(now), 0);
  const sync = new GateSync(
    { intervalMs: 3_600_000, refreshMs: 3_600_000, horizonHours: 24, host: 'test', pid: 1, pushGapMs: 0, reloadGapMs: 60_000, ...opts },
    { store, journal, allowList, clock, logger: silentLogger, barrierState: () => 'closed', onCommand: async () => undefined, ...(laneIdle ? { laneIdle } : {}) },
  );
  return { store, journal, sync, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

describe('GateSync', () => {
  it('does nothing while a car is being decided, then pushes', async () => {
    let release!: () => void;
    const idle = new Promise<void>((r) => (release = r));
    const { store, journal, sync } = setUp({}, () => idle);
    await journal.append(entry('v1'));
    let done = false;
    const pass = sync.pass().then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    expect(store.pushed).toEqual([]);
    release();
    await pass;
    expect(store.pushed.map((e) => e.seq)).toEqual([1]);
    expect(journal.syncedUpTo()).toBe(1);
  });

  it('reloads after pushed entries at most every reloadGapMs; a forced pass reloads at once', async () => {
    const { store, journal, sync, advance } = setUp();
    await sync.pass();
    expect(store.loads).toBe(1);
    sync.start();
    try {
      await journal.append(entry('v1'));
      const beats = store.heartbeats.length;
      sync.kick();
      await waitFor(() => store.heartbeats.length > beats, 'a pass after the kick');
      expect(store.pushed.map((e) => e.seq)).toEqual([1]);
      expect(store.loads).toBe(1); // within the gap: the local effect holds meanwhile

      advance(60_000);
      await journal.append(entry('v2'));
      sync.kick();
      await waitFor(() => store.loads === 2, 'the reload once the gap passed');

      await journal.append(entry('v3'));
      await sync.pass(); // tests, start-up and shutdown do not wait for the gap
      expect(store.loads).toBe(3);
    } finally {
      await sync.stop();
    }
  });

  it('while the database is down it only probes it; back up, it pushes the whole backlog once', async () => {
    const { store, journal, sync } = setUp();
    store.down = true;
    for (let i = 1; i <= 3; i++) await journal.append(entry(`v${i}`));
    await sync.pass();
    expect(sync.online).toBe(false);
    const reads = vi.spyOn(journal, 'readUnsynced');
    await sync.pass();
    await sync.pass();
    expect(reads).not.toHaveBeenCalled();
    expect(sync.online).toBe(false);

    store.down = false;
    await sync.pass();
    expect(sync.online).toBe(true);
    expect(store.pushed.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(journal.syncedUpTo()).toBe(3);
  });
});

describe('GateDaemon.whenIdle', () => {
  it('resolves only once the barrier answered the command for the car being decided', async () => {
    let opened!: () => void;
    const barrier = new MockBarrier();
    const open = vi.spyOn(barrier, 'open').mockImplementation(() => new Promise<void>((r) => (opened = r)));
    const source = new MockGateInputSource();
    const allowList = new LocalAllowList(snapshot(new Date()), 0);
    const daemon = new GateDaemon(
      { gateId: 'g', direction: 'entry', arming: 'always', pulseMs: 3000 },
      { journal: new MemoryGateJournal(), barrier, inputs: [source], sign: null, allowList, clock: { now: () => new Date() }, logger: silentLogger, newId: () => 'visit-1' },
    );
    daemon.start();
    await daemon.whenIdle(); // nothing to wait for
    source.emitInput({ kind: 'plate', plate: 'AB12CD', confidence: 0.95, source: 'test', readId: 'r1', at: new Date() });
    let idle = false;
    const waiting = daemon.whenIdle(60_000).then(() => (idle = true));
    await waitFor(() => open.mock.calls.length === 1, 'the barrier command');
    await new Promise((r) => setTimeout(r, 20));
    expect(idle).toBe(false);
    opened();
    await waiting;
    expect(idle).toBe(true);
    daemon.stop();
  });
});
