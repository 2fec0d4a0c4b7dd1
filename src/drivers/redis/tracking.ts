// Redis server-assisted invalidation for the near cache (near-cache.ts), over RESP2 as ioredis speaks it:
// a second connection subscribes to `__redis__:invalidate`, and the cache's own connection turns on
// `CLIENT TRACKING ... REDIRECT <that connection>`. From then on Redis remembers every key the cache
// connection reads (the generation keys, read inside the get script) and pushes the key's name when anyone
// changes it, lets it expire or evicts it; a flush pushes null.
//
// The near cache answers only while this link is armed and its lease is fresh. The lease is renewed by a
// PING on the subscribed connection: its reply comes after every invalidation Redis queued before it, so a
// pong sent at T proves nothing invalidated before T is missing. Any close, error or reconnect of either
// connection disarms and clears the near cache; the next lookups re-arm in the background.
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/ports.js';
import type { NearCache } from './near-cache.js';

export interface TrackingTimes {
  /** ms a pong keeps the near cache usable */
  leaseMs: number;
  /** ms between heartbeats (a few per lease, so one slow pong does not end it) */
  heartbeatMs: number;
  /** ms to wait after a failed arming before trying again */
  retryMs: number;
}

export const defaultTrackingTimes: TrackingTimes = { leaseMs: 500, heartbeatMs: 150, retryMs: 1_000 };

export const invalidationChannel = '__redis__:invalidate';

const nowMs = () => performance.now();

export class InvalidationLink {
  private subscriber: Redis | null = null;
  private armed = false;
  /** bumped on every disarm: replies from an older arming are ignored */
  private epoch = 0;
  private arming: Promise<void> | null = null;
  private lastFailureMs = -Infinity;
  private heartbeat: NodeJS.Timeout | null = null;
  private closed = false;

  /**
   * @param main the cache's connection (tracking is turned on there)
   * @param onKey called with each invalidated key name; null means "everything" (a flush)
   */
  constructor(
    private readonly main: Redis,
    private readonly near: NearCache,
    private readonly onKey: (key: string | null) => void,
    private readonly times: TrackingTimes,
    private readonly logger: Logger,
  ) {
    main.on('close', () => this.disarm());
    main.on('reconnecting', () => this.disarm());
  }

  /** Whether reads on the main connection are tracked now (checked right before sending one). */
  isArmed(): boolean {
    return this.armed;
  }

  /** Start arming in the background when it is not armed, not arming, and not in its retry wait. */
  ensureArmed(): void {
    if (this.closed || this.armed || this.arming || nowMs() - this.lastFailureMs < this.times.retryMs) return;
    if (this.main.status !== 'ready') return;
    this.arming = this.arm().catch((err: unknown) => {
      this.lastFailureMs = nowMs();
      this.disarm();
      this.logger.info('redis near cache not armed; lookups go to Redis', { service: 'Redis', error: err instanceof Error ? err.message : String(err) });
    }).finally(() => {
      this.arming = null;
    });
  }

  /** Stop for good; an arming in flight fails on its own (its connection is gone), nothing waits for it. */
  close(): void {
    this.closed = true;
    this.disarm();
  }

  private async arm(): Promise<void> {
    const epoch = this.epoch;
    const sub = this.main.duplicate({ lazyConnect: true });
    this.subscriber = sub;
    sub.on('error', () => undefined); // the main connection logs Redis trouble; this one only disarms
    sub.on('close', () => this.disarm());
    sub.on('reconnecting', () => this.disarm());
    sub.on('messageBuffer', (channel: Buffer, message: unknown) => {
      if (channel.toString() === invalidationChannel) this.invalidated(message);
    });
    await sub.connect();
    // A subscribed connection accepts only (P)SUBSCRIBE, PING and the like: ask its id first.
    const id = (await sub.client('ID')) as number;
    await sub.subscribe(invalidationChannel);
    const since = nowMs();
    // OFF first: after a lost subscriber this connection may still redirect to the dead one
    await this.main.client('TRACKING', 'OFF');
    await this.main.client('TRACKING', 'ON', 'REDIRECT', String(id));
    if (epoch !== this.epoch || this.closed) throw new Error('a connection dropped while arming');
    this.near.clear();
    this.armed = true;
    this.near.extendLease(since + this.times.leaseMs);
    this.heartbeat = setInterval(() => this.beat(), this.times.heartbeatMs);
    this.heartbeat.unref();
  }

  private beat(): void {
    const sub = this.subscriber;
    if (!this.armed || !sub) return;
    const epoch = this.epoch;
    const sentMs = nowMs();
    sub.ping().then(
      () => {
        if (epoch === this.epoch && this.armed) this.near.extendLease(sentMs + this.times.leaseMs);
      },
      () => undefined, // no pong: the lease simply runs out
    );
  }

  private invalidated(message: unknown): void {
    if (message === null || message === undefined) {
      this.onKey(null);
      return;
    }
    for (const key of Array.isArray(message) ? message : [message]) this.onKey(key === null ? null : String(key));
  }

  private disarm(): void {
    this.epoch++;
    this.armed = false;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.near.clear();
    // Every arming makes its own subscriber: after a reconnect of either side the old redirect is gone.
    const sub = this.subscriber;
    this.subscriber = null;
    sub?.removeAllListeners();
    sub?.on('error', () => undefined);
    sub?.disconnect();
  }
}
