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
// - Staleness bounds (all <= the TTL the caller passes): an invalidation dropped while Redis was
//   unreachable from the writer but readable by others; a set without a remembered miss
//   (seen-generations.ts); a generation counter evicted under an allkeys-* maxmemory policy.
// - Settings and the reconnect backoff: client-options.ts. Breaker: src/core/circuit-breaker.ts.
export { RedisCapacityCache } from './redis-capacity-cache.js';
export type { CacheLookup, CacheOutcome, RedisCapacityCacheOptions } from './redis-capacity-cache.js';
export { parseCacheKey, generationKey, snapshotKey, defaultKeyPrefix } from './keys.js';
export { cacheClientOptions, reconnectDelayMs, defaultTimeouts } from './client-options.js';
