// The daemon's link to the database, off the decision path: pushes the journal (oldest first,
// marking synced only after commit, so a crash anywhere replays and the primary key drops the
// repeats), reloads the allow-list (on NOTIFY and periodically), writes heartbeats and runs remote
// commands. One pass at a time; a failing database is logged when it goes and when it comes back.
import type { GateJournal } from '../gate/ports.js';
import type { Clock, Logger } from '../ports.js';
import { effectOf, type LocalAllowList } from './local-allow-list.js';
import type { GateStore } from './store.js';

export interface GateSyncOptions {
  /** journal push, heartbeat and command poll period, ms */
  intervalMs: number;
  /** allow-list reload period, ms */
  refreshMs: number;
  horizonHours: number;
  /** records per push transaction */
  batchSize?: number;
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
}

export class GateSync {
  private timer: ReturnType<typeof setTimeout> | null = null;
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
    else this.schedule(0);
  }

  /** Reload the allow-list on the next pass (LISTEN parkctl_events said the lot changed). */
  requestRefresh(): void {
    this.refreshDue = true;
    this.kick();
  }

  /** Runs one pass now (tests, shutdown). */
  async pass(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.runPass().finally(() => {
      this.running = null;
    });
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (!Number.isFinite(this.opts.intervalMs)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pass().then(() => {
        const again = this.again;
        this.again = false;
        this.schedule(again ? 0 : this.opts.intervalMs);
      });
    }, delayMs);
  }

  private async runPass(): Promise<void> {
    const { store, journal, clock } = this.deps;
    try {
      // Pushed entries/exits: reload, so the persisted snapshot soon shows them (not only the journal).
      if (await this.pushAll()) this.refreshDue = true;
      const now = clock.now();
      if (this.refreshDue || now.getTime() - this.lastRefreshAt >= this.opts.refreshMs) {
        this.refreshDue = false;
        // Everything up to `synced` is committed, so the snapshot below already shows it.
        const synced = journal.syncedUpTo();
        const snapshot = await store.loadSnapshot(now, this.opts.horizonHours);
        this.deps.allowList.install(snapshot, synced);
        this.lastRefreshAt = now.getTime();
        this.deps.onInstalled?.();
      }
      await store.heartbeat({
        host: this.opts.host, pid: this.opts.pid, startedAt: this.startedAt, seenAt: now,
        journalLastSeq: journal.lastSeq(), journalSyncedSeq: journal.syncedUpTo(),
        barrierState: this.deps.barrierState(), allowListSyncedAt: this.deps.allowList.current.syncedAt,
      });
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
      await journal.markSynced(batch.at(-1)!.seq);
      moved ||= batch.some((e) => effectOf(e.record) !== null);
    }
  }

  private setOnline(online: boolean, error: string | null): void {
    this.lastError = error;
    if (this.online === online) return;
    this.online = online;
    if (online) this.deps.logger.info('database reachable: journal synced', { synced: this.deps.journal.syncedUpTo() });
    else this.deps.logger.warn('database unreachable: deciding from the local allow-list', { error });
  }
}
