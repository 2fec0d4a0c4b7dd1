// The in-process copy of recent capacity snapshots (Redis "client-side caching"), so a repeated check costs
// no round trip: on a busy 2-core box the round trip's p99 is the scheduler's (2-4 ms), a local hit is ~10 us.
//
// What makes a local answer as good as Redis' own: a snapshot is immutable under its lot generation, so the
// only thing that can go stale is the generation. Redis tracks every generation key this process reads and
// pushes an invalidation when one changes (tracking.ts); a pushed key drops the lot here at once. Three rules
// keep a read and a push from crossing: a generation read is kept only if no push for its lot arrived while
// the read was in flight (`pending` tokens); everything is forgotten when either connection drops; and nothing
// is answered past the lease, which only a heartbeat that crossed the invalidation channel renews (a paused
// Redis cannot deliver pushes, so after the lease the cache asks Redis, fails fast and reads PostgreSQL).
// Entries never outlive the Redis snapshot they copy (its remaining TTL, or the TTL of the set).

interface Entry {
  generation: string;
  value: string;
  expiresAtMs: number;
}

export class NearCache {
  private readonly generations = new Map<number, string>();
  private readonly pending = new Map<number, object>();
  private readonly entries = new Map<string, Entry>();
  private leaseUntilMs = -Infinity;

  /** @param maxEntries oldest entries go first past this */
  constructor(private readonly maxEntries = 10_000) {}

  /** The cached value of `key` (lot `lotId`), or null: unknown, expired, from an old generation, or out of lease. */
  get(lotId: number, key: string, nowMs: number): string | null {
    if (nowMs >= this.leaseUntilMs) return null;
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAtMs <= nowMs || this.generations.get(lotId) !== entry.generation) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  /** Call before sending a tracked read of the lot's generation; hand the token to readDone. */
  readStarting(lotId: number): object {
    const token = {};
    this.pending.set(lotId, token);
    return token;
  }

  /**
   * A tracked read came back: the lot's generation (and the snapshot under it, if any, with its remaining
   * TTL). Kept only if no invalidation of the lot arrived meanwhile and no newer read of it started.
   */
  readDone(lotId: number, token: object, generation: string, key: string, value: string | null, ttlMs: number, nowMs: number): void {
    if (this.pending.get(lotId) !== token) return;
    this.pending.delete(lotId);
    this.generations.set(lotId, generation);
    if (value !== null && ttlMs > 0) this.put(key, { generation, value, expiresAtMs: nowMs + ttlMs });
  }

  /** A snapshot this process wrote under `generation`; kept if that is still the generation known here. */
  written(lotId: number, key: string, generation: string, value: string, ttlMs: number, nowMs: number): void {
    if (this.generations.get(lotId) === generation) this.put(key, { generation, value, expiresAtMs: nowMs + ttlMs });
  }

  /** The lot changed (a push, or this process invalidated it): forget its generation and reads in flight. */
  dropLot(lotId: number): void {
    this.generations.delete(lotId);
    this.pending.delete(lotId);
  }

  /** Forget every lot (Redis was flushed): the link stays armed, later reads are tracked again. */
  forget(): void {
    this.generations.clear();
    this.pending.clear();
    this.entries.clear();
  }

  /** Forget everything and answer nothing until a new lease: a connection dropped, nothing here is tracked. */
  clear(): void {
    this.forget();
    this.leaseUntilMs = -Infinity;
  }

  /** Answers are allowed until `untilMs` (never shortened by a late heartbeat). */
  extendLease(untilMs: number): void {
    if (untilMs > this.leaseUntilMs) this.leaseUntilMs = untilMs;
  }

  get size(): number {
    return this.entries.size;
  }

  private put(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}
