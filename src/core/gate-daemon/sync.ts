// The daemon's link to the database, off the decision path: pushes the journal (oldest first,
// marking synced only after commit, so a crash anywhere replays and the primary key drops the
// repeats), reloads the allow-list (on NOTIFY and periodically), writes heartbeats and runs remote
// commands. One pass at a time; a failing database is logged when it goes and when it comes back.
//
// It shares the lane's thread and disk, so it keeps out of the way of a car being decided: each
// step waits until no car is between its input and its barrier command (laneIdle), pushes after
// appends are coalesced (pushGapMs), and reloads asked for by NOTIFY or by pushed entries come at
// most every reloadGapMs (the local effects hold meanwhile). While the database is known to be
// down, a pass only probes it and does not read the journal's growing backlog.
import type { GateJournal } from '../gate/ports.js';
import type { Clock, Logger } from '../ports.js';
import { effectOf, type LocalAllowList } from './local-allow-list.js';
import type { GateStore, HeartbeatFields } from './store.js';

export interface GateSyncOptions {
  /** journal push, heartbeat and command poll period, ms */
  intervalMs: number;
  /** allow-list reload period, ms */
  refreshMs: number;
  horizonHours: number;
  /** records per push transaction */
  batchSize?: number;
  /** least time between two pushes woken by appends, ms (default 1000): a burst of cars is one push */
  pushGapMs?: number;
  /** least time between two reloads asked for by NOTIFY or by pushed entries/exits, ms (default 2000) */
  reloadGapMs?: number;
  host: string;
  pid: number;
}

export interface GateSyncDeps {
  store: GateStore;
  journal: GateJournal;
  allowList: LocalAllowList;
  clock: Clock;
  logger: Logger;
  barrierState: () => string;
  onCommand: (c: { commandId: number; by: string; reason: string }) => Promise<void>;
  /** the allow-list was reloaded (persist it) */
  onInstalled?: () => void;
  /** resolves when no car is being decided (GateDaemon.whenIdle); the sync does its work then */
  laneIdle?: () => Promise<void>;
}

const defaultPushGapMs = 1000;
const defaultReloadGapMs = 2000;

export class GateSync {
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** performance.now() the timer fires at */
  private timerDueAt = 0;
  private lastPassEndedAt = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | null = null;
  private again = false;
  private refreshDue = true;
  private lastRefreshAt = 0;
  private readonly startedAt: Date;
  /** null until the first pass */
  online: boolean | null = null;
  lastSyncAt: Date | null = null;
  lastError: string | null = null;

  constructor(private readonly opts: GateSyncOptions, private readonly deps: GateSyncDeps) {
    this.startedAt = deps.clock.now();
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.opts.intervalMs = Number.POSITIVE_INFINITY;
    await this.running;
  }

  /**
   * Push soon (after a journal append); passes coalesce. While the database is down only the
   * periodic pass retries: re-reading a growing backlog after every car would slow the lane.
   */
  kick(): void {
    if (this.online === false) return;
    if (this.running) this.again = true;
    else this.schedule(this.lastPassEndedAt + (this.opts.pushGapMs ?? defaultPushGapMs) - performance.now());
  }

  /**
   * A remote command waits (NOTIFY parkctl_gate_commands): a pass at once, after the one running if
   * any, whatever the push gap, and even while the database was thought down (it just spoke).
   */
  kickNow(): void {
    this.schedule(0);
  }

  /** Reload the allow-list on the next pass (LISTEN parkctl_events said the lot changed). */
  requestRefresh(): void {
    this.refreshDue = true;
    this.kick();
  }

  /** Runs one pass now, a due reload included however recent the last one (tests, start, shutdown). */
  async pass(): Promise<void> {
    await this.runExclusive(true);
  }

  private async runExclusive(forced: boolean): Promise<void> {
    while (this.running) await this.running;
    this.running = this.runPass(forced).finally(() => {
      this.running = null;
      this.lastPassEndedAt = performance.now();
    });
    await this.running;
  }

  /** Sets the timer to fire in delayMs, unless it already fires sooner. */
  private schedule(delayMs: number): void {
    if (!Number.isFinite(this.opts.intervalMs)) return;
    const dueAt = performance.now() + Math.max(0, delayMs);
    if (this.timer && this.timerDueAt <= dueAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runExclusive(false).then(() => {
        const again = this.again;
        this.again = false;
        this.schedule(again ? (this.opts.pushGapMs ?? defaultPushGapMs) : this.opts.intervalMs);
      });
    }, dueAt - performance.now());
  }

  private laneIdle(): Promise<void> {
    return this.deps.laneIdle?.() ?? Promise.resolve();
  }

  private async runPass(forced: boolean): Promise<void> {
    const { store, journal, clock } = this.deps;
    try {
      await this.laneIdle();
      // Known down: one cheap probe, not a read of the backlog, until it answers.
      if (this.online === false) await store.heartbeat(this.heartbeatFields(clock.now()));
      // Pushed entries/exits: reload, so the persisted snapshot soon shows them (not only the journal).
      if (await this.pushAll()) this.refreshDue = true;
      const now = clock.now();
      const sinceReload = now.getTime() - this.lastRefreshAt;
      const reloadGapMs = this.opts.reloadGapMs ?? defaultReloadGapMs;
      if (sinceReload >= this.opts.refreshMs || (this.refreshDue && (forced || sinceReload >= reloadGapMs))) {
        this.refreshDue = false;
        // Everything up to `synced` is committed, so the snapshot below already shows it.
        const synced = journal.syncedUpTo();
        const snapshot = await store.loadSnapshot(now, this.opts.horizonHours);
        await this.laneIdle();
        this.deps.allowList.install(snapshot, synced);
        this.lastRefreshAt = now.getTime();
        this.deps.onInstalled?.();
      } else if (this.refreshDue) {
        this.schedule(reloadGapMs - sinceReload);
      }
      await store.heartbeat(this.heartbeatFields(now));
      for (const c of await store.takeCommands(now)) {
        let result = 'opened';
        try {
          await this.deps.onCommand({ commandId: c.command_id, by: c.actor, reason: c.reason });
        } catch (err) {
          result = `failed: ${(err as Error).message}`.slice(0, 200);
        }
        await store.finishCommand(c.command_id, result);
      }
      this.lastSyncAt = now;
      this.setOnline(true, null);
    } catch (err) {
      this.refreshDue = true;
      this.setOnline(false, err instanceof Error ? err.message : String(err));
    }
  }

  /** true when an allowed entry or exit was among the pushed records */
  private async pushAll(): Promise<boolean> {
    const { journal, store } = this.deps;
    let moved = false;
    for (;;) {
      const batch = await journal.readUnsynced(this.opts.batchSize ?? 500);
      if (batch.length === 0) return moved;
      await store.pushEvents(batch);
      await this.laneIdle(); // the mark is two fsyncs: not while a car waits on the journal's
      await journal.markSynced(batch.at(-1)!.seq);
      moved ||= batch.some((e) => effectOf(e.record) !== null);
    }
  }

  private heartbeatFields(now: Date): HeartbeatFields {
    const { journal } = this.deps;
    return {
      host: this.opts.host, pid: this.opts.pid, startedAt: this.startedAt, seenAt: now,
      journalLastSeq: journal.lastSeq(), journalSyncedSeq: journal.syncedUpTo(),
      barrierState: this.deps.barrierState(), allowListSyncedAt: this.deps.allowList.current.syncedAt,
    };
  }

  private setOnline(online: boolean, error: string | null): void {
    this.lastError = error;
    if (this.online === online) return;
    this.online = online;
    if (online) this.deps.logger.info('database reachable: journal synced', { synced: this.deps.journal.syncedUpTo() });
    else this.deps.logger.warn('database unreachable: deciding from the local allow-list', { error });
  }
}
