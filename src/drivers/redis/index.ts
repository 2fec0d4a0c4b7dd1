// The Redis capacity cache driver (DESIGN.md invariant 7: the cache never authorises).
//
// - RedisCapacityCache implements the CapacityCache port (get/set/invalidateLot) and adds
//   lookup(key) -> { value, outcome: 'hit' | 'miss' | 'error' | 'breaker-open' } so callers can
//   say where an answer came from (concurrency-safe, unlike a lastOutcome() accessor would be).
//   Every call resolves quickly and never throws; failures are logged through the Logger port.
// - Keys: the caller's key must start with `<lotId>:` (keys.ts); Redis holds
//   `parkctl:cap:{lotId}:<generation>:<rest>`. invalidateLot is one INCR of the lot's generation;
//   get reads generation and snapshot in one round trip (scripts.ts), so an invalidation is seen
//   by every process on its next get: no in-process staleness.
// - Near cache (near-cache.ts, tracking.ts; on by default, armed from a process's second lookup):
//   repeated lookups are answered from process memory, no round trip. Redis tracks the generation
//   keys this process read and pushes their names when they change; a push drops the lot locally.
//   The writing process drops its own lot at once; others see a write when its push arrives
//   (sub-millisecond here), and nothing is answered locally past a 500 ms lease that only a
//   heartbeat through the invalidation channel renews (a paused Redis ends it).
// - Staleness bounds (all <= the TTL the caller passes): an invalidation dropped while Redis was
//   unreachable from the writer but readable by others; a set without a remembered miss
//   (seen-generations.ts); a generation counter evicted under an allkeys-* maxmemory policy;
//   in another process's near cache, the push's delivery time, at most the lease if Redis hangs.
// - Settings and the reconnect backoff: client-options.ts. Breaker: src/core/circuit-breaker.ts.
export { RedisCapacityCache } from './redis-capacity-cache.js';
export type { CacheLookup, CacheOutcome, RedisCapacityCacheOptions } from './redis-capacity-cache.js';
export { parseCacheKey, generationKey, snapshotKey, defaultKeyPrefix } from './keys.js';
export { defaultTrackingTimes, type TrackingTimes } from './tracking.js';
export { cacheClientOptions, reconnectDelayMs, defaultTimeouts } from './client-options.js';
