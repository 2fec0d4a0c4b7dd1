// The Redis implementation of the CapacityCache port. It answers "roughly how many" and never
// authorises (DESIGN.md invariant 7): every call resolves quickly and never throws. When Redis
// is down, slow or paused, get answers null (the caller asks PostgreSQL), set and invalidateLot
// are dropped and logged. Three layers keep calls short: ioredis fails at once on a connection
// that is not ready (no offline queue), a command gives up after `commandTimeoutMs`, and the
// circuit breaker stops asking a dead Redis at all until its half-open probe succeeds.

import { Redis } from 'ioredis';
import { CircuitBreaker, type BreakerState } from '../../core/circuit-breaker.js';
import { silentLogger, type CapacityCache, type Clock, type Logger } from '../../core/ports.js';
import { cacheClientOptions, defaultTimeouts } from './client-options.js';
import { assertRedisUrl } from './redis-url.js';
import { defaultKeyPrefix, generationKey, lotKeyPrefix, lotOfGenerationKey, parseCacheKey } from './keys.js';
import { NearCache } from './near-cache.js';
import { getSnapshotLua, setSnapshotLua, type SnapshotCommands } from './scripts.js';
import { SeenGenerations } from './seen-generations.js';
import { defaultTrackingTimes, InvalidationLink, type TrackingTimes } from './tracking.js';
import { withDeadline } from './with-deadline.js';

/** Where a lookup's answer came from; anything but 'hit' means "ask PostgreSQL". */
export type CacheOutcome = 'hit' | 'miss' | 'error' | 'breaker-open';

export interface CacheLookup {
  value: string | null;
  outcome: CacheOutcome;
}

export interface RedisCapacityCacheOptions {
  logger?: Logger;
  /** ms per command before it counts as a failure; default 100 */
  commandTimeoutMs?: number;
  /** ms for the TCP connect (the socket's own timeout, for the background connection); default 500 */
  connectTimeoutMs?: number;
  /**
   * ms the first call waits for the connection (TCP connect and ready check); default `commandTimeoutMs`.
   * A slower connection still comes up in the background for later calls of a long-running process.
   */
  firstConnectWaitMs?: number;
  breaker?: { failureThreshold?: number; openForMs?: number };
  /** drives the breaker's open -> half-open wait; tests pass a fake */
  clock?: Clock;
  /** default `parkctl:cap:`; tests use their own to stay apart */
  keyPrefix?: string;
  /**
   * Answer repeated lookups from process memory, kept exact by Redis' invalidation pushes (near-cache.ts,
   * tracking.ts). On by default: it arms from the second lookup on, so one-shot commands never pay for it.
   */
  nearCache?: boolean | Partial<TrackingTimes>;
}

type CallResult<T> = { ok: true; value: T } | { ok: false; outcome: 'error' | 'breaker-open' };

export class RedisCapacityCache implements CapacityCache {
  private readonly client: Redis;
  private readonly commands: SnapshotCommands;
  private readonly breaker: CircuitBreaker;
  private readonly logger: Logger;
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;
  private readonly firstConnectWaitMs: number;
  private readonly seen = new SeenGenerations();
  private firstConnect: Promise<void> | null = null;
  /** the first connect settled or timed out: from then on no call waits for a connection */
  private firstConnectOver = false;
  private lastClientError: string | null = null;
  private readonly near: NearCache | null = null;
  private readonly link: InvalidationLink | null = null;
  private readonly trackingTimes: TrackingTimes;
  private lookups = 0;

  /** Opens no socket (lazy). Throws UsageError only for a URL that is not redis:// or rediss://. */
  constructor(url: string, opts: RedisCapacityCacheOptions = {}) {
    assertRedisUrl(url);
    this.logger = opts.logger ?? silentLogger;
    this.prefix = opts.keyPrefix ?? defaultKeyPrefix;
    const commandTimeoutMs = opts.commandTimeoutMs ?? defaultTimeouts.commandTimeoutMs;
    this.commandTimeoutMs = commandTimeoutMs;
    // Measured (bench/redis-frozen.sh): waiting the 500 ms connect timeout for a frozen Redis' ready
    // check was a quarter of the 2.3 s a one-shot `capacity check` lost; the promise is one command timeout.
    this.firstConnectWaitMs = opts.firstConnectWaitMs ?? commandTimeoutMs;
    const connectTimeoutMs = opts.connectTimeoutMs ?? defaultTimeouts.connectTimeoutMs;
    this.client = new Redis(url, cacheClientOptions({ commandTimeoutMs, connectTimeoutMs }));
    this.client.defineCommand('parkctlCapGet', { numberOfKeys: 1, lua: getSnapshotLua });
    this.client.defineCommand('parkctlCapSet', { numberOfKeys: 1, lua: setSnapshotLua });
    this.commands = this.client as unknown as SnapshotCommands;
    this.breaker = new CircuitBreaker(
      { ...opts.breaker, onTransition: (from, to) => this.logTransition(from, to) },
      opts.clock,
    );
    // ioredis emits 'error' on every failed (re)connect; log each distinct one once.
    this.client.on('error', (err: Error) => {
      if (err.message === this.lastClientError) return;
      this.lastClientError = err.message;
      this.logger.warn('redis connection error', { service: 'Redis', error: err.message });
    });
    this.client.on('ready', () => {
      this.lastClientError = null;
    });
    this.trackingTimes = { ...defaultTrackingTimes, ...(typeof opts.nearCache === 'object' ? opts.nearCache : {}) };
    if (opts.nearCache !== false) {
      const near = new NearCache();
      this.near = near;
      this.link = new InvalidationLink(this.client, near, (redisKey) => {
        if (redisKey === null) return near.forget();
        const lotId = lotOfGenerationKey(this.prefix, redisKey);
        if (lotId !== null) near.dropLot(lotId);
      }, this.trackingTimes, this.logger);
    }
  }

  /** Whether lookups may be answered from process memory now (tracking armed; the lease may still run out). */
  nearCacheArmed(): boolean {
    return this.link?.isArmed() ?? false;
  }

  /** ms the near cache keeps answering without a heartbeat from Redis (0: no near cache). */
  nearCacheLeaseMs(): number {
    return this.near ? this.trackingTimes.leaseMs : 0;
  }

  /** Like get(), and says where the answer came from (for `source` fields and metrics). */
  async lookup(key: string): Promise<CacheLookup> {
    const parsed = parseCacheKey(key);
    if (!parsed) {
      this.logger.error('capacity cache key must start with "<lotId>:"; not cached', { key });
      return { value: null, outcome: 'error' };
    }
    const near = this.near;
    const tracked = near !== null && this.link!.isArmed() && this.breaker.state() === 'closed';
    if (tracked) {
      const local = near.get(parsed.lotId, key, performance.now());
      if (local !== null) return { value: local, outcome: 'hit' };
    } else if (near !== null && ++this.lookups >= 2) {
      this.link!.ensureArmed();
    }
    const genKey = generationKey(this.prefix, parsed.lotId);
    const lotPrefix = lotKeyPrefix(this.prefix, parsed.lotId);
    // the token is taken right before the read is sent: only a read on the tracked connection may be kept
    const result = await this.call('get', () => {
      const token = tracked && this.link!.isArmed() ? near.readStarting(parsed.lotId) : null;
      return this.commands.parkctlCapGet(genKey, lotPrefix, parsed.rest).then((reply) => ({ reply, token }));
    });
    if (!result.ok) return { value: null, outcome: result.outcome };
    const [generation, value, ttlMs] = result.value.reply;
    if (result.value.token) near!.readDone(parsed.lotId, result.value.token, generation, key, value, ttlMs, performance.now());
    if (value === null) {
      this.seen.remember(key, generation);
      return { value: null, outcome: 'miss' };
    }
    return { value, outcome: 'hit' };
  }

  /** The port: null on a miss and on any failure. */
  async get(key: string): Promise<string | null> {
    return (await this.lookup(key)).value;
  }

  /** Cache a snapshot for `ttlMs`; dropped (and logged) when Redis cannot take it. */
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const parsed = parseCacheKey(key);
    if (!parsed || !Number.isInteger(ttlMs) || ttlMs <= 0) {
      this.logger.error('capacity cache set refused: bad key or ttl', { key, ttlMs });
      return;
    }
    const genKey = generationKey(this.prefix, parsed.lotId);
    const lotPrefix = lotKeyPrefix(this.prefix, parsed.lotId);
    const seenGeneration = this.seen.take(key);
    const result = await this.call('set', () =>
      this.commands.parkctlCapSet(genKey, lotPrefix, parsed.rest, value, String(ttlMs), seenGeneration),
    );
    if (result.ok && typeof result.value === 'string') this.near?.written(parsed.lotId, key, result.value, value, ttlMs, performance.now());
  }

  /** O(1): bump the lot's generation; every process reads the new one on its next get. */
  async invalidateLot(lotId: number): Promise<void> {
    if (!Number.isSafeInteger(lotId) || lotId <= 0) {
      this.logger.error('capacity cache invalidate refused: bad lot id', { lotId });
      return;
    }
    this.near?.dropLot(lotId); // this process sees its own write at once, whatever Redis does
    const result = await this.call('invalidate', () => this.client.incr(generationKey(this.prefix, lotId)));
    if (!result.ok) {
      // Readers that can still reach Redis may see this lot's old snapshots until their TTL.
      this.logger.warn('capacity cache invalidation dropped', { service: 'Redis', lotId, reason: result.outcome });
    }
  }

  breakerState(): BreakerState {
    return this.breaker.state();
  }

  /**
   * Close the connection; never waits on a paused server longer than one command timeout, and leaves
   * no socket behind that could keep the process alive (a frozen server never answers QUIT or FIN).
   */
  async close(): Promise<void> {
    this.link?.close();
    if (this.client.status === 'ready') {
      await withDeadline(this.client.quit().then(() => undefined), this.commandTimeoutMs).catch(() => undefined);
    }
    this.client.disconnect();
    (this.client.stream as { destroy?: () => void } | undefined)?.destroy?.();
  }

  private async call<T>(operation: string, command: () => Promise<T>): Promise<CallResult<T>> {
    const permit = this.breaker.tryAcquire();
    if (!permit) return { ok: false, outcome: 'breaker-open' };
    try {
      await this.connectOnFirstUse();
      const value = await command();
      this.breaker.recordSuccess(permit);
      return { ok: true, value };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.logger.warn('redis capacity cache call failed', { service: 'Redis', operation, error: message });
      if (permit.probe) this.recycleStuckConnection();
      this.breaker.recordFailure(permit);
      return { ok: false, outcome: 'error' };
    }
  }

  /**
   * lazyConnect + no offline queue would fail the very first command (the socket is not ready
   * yet), which would make a one-shot CLI process never use the cache. So the first call waits
   * for the connection, at most `firstConnectWaitMs`; later calls never wait for one.
   */
  private async connectOnFirstUse(): Promise<void> {
    if (this.firstConnectOver) return;
    this.startConnecting();
    await this.firstConnect;
  }

  /**
   * Opens the connection now, without waiting for it, so that it comes up while the caller does
   * other work (a command reads its lot from PostgreSQL first): the first call then waits only for
   * what is left of `firstConnectWaitMs`, nothing at all when Redis is frozen by then.
   */
  startConnecting(): void {
    if (this.firstConnect !== null || this.firstConnectOver || this.client.status !== 'wait') return;
    const connecting = this.client.connect();
    connecting.catch(() => undefined);
    this.firstConnect = withDeadline(connecting, this.firstConnectWaitMs).finally(() => {
      this.firstConnectOver = true;
    });
    this.firstConnect.catch(() => undefined);
  }

  /**
   * A probe failed after the breaker's whole open period: a connection that looks open but
   * answers nothing (paused server, peer vanished without a reset) may never error by itself.
   * Replace it; ioredis reconnects with the backoff from client-options.ts.
   */
  private recycleStuckConnection(): void {
    const status = this.client.status;
    if (status === 'ready' || status === 'connect') this.client.disconnect(true);
  }

  private logTransition(from: BreakerState, to: BreakerState): void {
    if (to === 'open') this.logger.warn('redis capacity cache breaker open: reading PostgreSQL', { service: 'Redis', from });
    else if (to === 'closed') this.logger.info('redis capacity cache breaker closed: Redis answers again', { service: 'Redis' });
  }
}
