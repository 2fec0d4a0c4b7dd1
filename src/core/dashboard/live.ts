// The dashboard's live loop: rebuild the snapshot when the lot changes (NOTIFY, through the
// LotChangeFeed port), at most once per `minIntervalMs` however bursty the lot is, and on a slow
// safety timer so clock-driven changes (holds running out, the arrivals window moving) show too.
// Exposes subscribe/getState so a React hook can read it with useSyncExternalStore.
import type { DashboardSnapshot, Connection } from './types.js';

/** Where change notifications come from (drivers/pg-listener.ts: LISTEN parkctl_events with reconnect). */
export interface LotChangeFeed {
  start(handlers: {
    /** a lot changed; null when the payload could not be read (rebuild to be safe) */
    onChange(lotId: number | null): void;
    /** the feed is listening (true) or lost its connection and is reconnecting (false) */
    onConnection(up: boolean): void;
  }): void;
  stop(): Promise<void>;
}

export interface LiveState {
  /** null until the first read succeeds */
  readonly snapshot: DashboardSnapshot | null;
  readonly connection: Connection;
  /** the last failed read or lost connection, for a log line; null when all is well */
  readonly problem: string | null;
}

export interface LiveDashboardOptions {
  readonly lotId: number;
  readonly read: () => Promise<DashboardSnapshot>;
  readonly changes: LotChangeFeed;
  /** least time between two reads' starts, ms: 250 is at most 4 rebuilds a second */
  readonly minIntervalMs?: number;
  /** a read this often even when nothing is notified, ms */
  readonly safetyRefreshMs?: number;
  /** after a failed read, the next one after this long, ms */
  readonly retryMs?: number;
  readonly onProblem?: (message: string) => void;
}

export class LiveDashboard {
  private state: LiveState = { snapshot: null, connection: 'connecting', problem: null };
  private readonly listeners = new Set<() => void>();
  private feedUp = false;
  private readOk = false;
  private everLive = false;
  private reading = false;
  private dirty = false;
  private lastReadStartMs = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private safety: ReturnType<typeof setInterval> | null = null;
  private stopped = false;

  constructor(private readonly options: LiveDashboardOptions) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): LiveState => this.state;

  start(): void {
    this.options.changes.start({
      onChange: (lotId) => {
        if (lotId === null || lotId === this.options.lotId) this.refresh();
      },
      onConnection: (up) => {
        this.feedUp = up;
        if (!up) this.problem('lost the LISTEN connection; reconnecting');
        this.publish();
        // notifications sent while we were not listening are lost: read the lot again
        if (up) this.refresh();
      },
    });
    this.safety = setInterval(() => this.refresh(), this.options.safetyRefreshMs ?? 15_000);
    this.refresh();
  }

  /** Ask for a rebuild: runs now, or once the rate limit allows; bursts collapse into one read. */
  refresh(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.dirty = true;
      return;
    }
    if (this.timer) return;
    const waitMs = Math.max(0, this.lastReadStartMs + (this.options.minIntervalMs ?? 250) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.read();
    }, waitMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.safety) clearInterval(this.safety);
    this.timer = null;
    this.safety = null;
    await this.options.changes.stop();
    this.listeners.clear();
  }

  private async read(): Promise<void> {
    this.reading = true;
    this.dirty = false;
    this.lastReadStartMs = Date.now();
    let snapshot: DashboardSnapshot | null = null;
    try {
      snapshot = await this.options.read();
      this.readOk = true;
    } catch (err) {
      this.readOk = false;
      this.problem(`dashboard read failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.reading = false;
    }
    if (this.stopped) return;
    this.publish(snapshot);
    if (this.dirty) this.refresh();
    else if (!this.readOk) this.retryLater();
  }

  private retryLater(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh();
    }, this.options.retryMs ?? 1000);
  }

  private problem(message: string): void {
    this.options.onProblem?.(message);
    this.state = { ...this.state, problem: message };
  }

  private publish(snapshot: DashboardSnapshot | null = null): void {
    const live = this.feedUp && this.readOk;
    if (live) this.everLive = true;
    const connection: Connection = live ? 'live' : this.everLive ? 'reconnecting' : 'connecting';
    const next: LiveState = { snapshot: snapshot ?? this.state.snapshot, connection, problem: live ? null : this.state.problem };
    if (next.snapshot === this.state.snapshot && next.connection === this.state.connection && next.problem === this.state.problem) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}
