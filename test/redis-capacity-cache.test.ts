// Against a real Redis: PARKCTL_TEST_REDIS_URL when set (then these must run), else the local
// 127.0.0.1:6379 if one answers, else skipped with the reason printed. Every key lives under a
// prefix unique to this run and is deleted afterwards.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisCapacityCache } from '../src/drivers/redis/index.js';
import type { Logger } from '../src/core/ports.js';
import { answersPing, testRedisUrlFromEnv } from './support/redis.js';

const envUrl = testRedisUrlFromEnv;
const redisUrl = envUrl ?? 'redis://127.0.0.1:6379';


const reachable = envUrl !== undefined || (await answersPing(redisUrl));
if (!reachable) console.warn(`redis-capacity-cache: skipped, no Redis answers at ${redisUrl} and PARKCTL_TEST_REDIS_URL is not set`);

const keyPrefix = `parkctl:test:${randomUUID()}:cap:`;
const opened: RedisCapacityCache[] = [];

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (msg: string) => void lines.push(msg);
  return { lines, info: push, warn: push, error: push };
}

/**
 * Generous timeouts: with the 100 ms default, a busy machine (load 20 on 2 cores) made the first lookup
 * time out waiting for the connection and answer 'error' (rightly, for parkctl: ask PostgreSQL), where
 * these tests look at what Redis answers. Timeouts have their own tests (redis-frozen, circuit breaker).
 */
function openCache(logger?: Logger): RedisCapacityCache {
  const cache = new RedisCapacityCache(redisUrl, { keyPrefix, commandTimeoutMs: 5_000, connectTimeoutMs: 5_000, ...(logger ? { logger } : {}) });
  opened.push(cache);
  return cache;
}

afterAll(async () => {
  await Promise.all(opened.map((cache) => cache.close()));
  if (!reachable) return;
  const admin = new Redis(redisUrl, { connectTimeout: 2_000, maxRetriesPerRequest: 1 });
  try {
    const keys = await admin.keys(`${keyPrefix}*`);
    if (keys.length > 0) await admin.del(...keys);
  } finally {
    admin.disconnect();
  }
});

describe.skipIf(!reachable)(`RedisCapacityCache against ${redisUrl}`, () => {
  it('misses first, then hits what was set', async () => {
    const cache = openCache();
    expect(await cache.lookup('1:regular:a')).toEqual({ value: null, outcome: 'miss' });
    await cache.set('1:regular:a', '{"free":12}', 60_000);
    expect(await cache.lookup('1:regular:a')).toEqual({ value: '{"free":12}', outcome: 'hit' });
    expect(await cache.get('1:regular:a')).toBe('{"free":12}');
  });

  it('invalidateLot makes the next get a miss in another instance, and only for that lot', async () => {
    const writer = openCache();
    const otherProcess = openCache();
    await writer.set('2:regular:a', '7', 60_000);
    await writer.set('3:regular:a', '9', 60_000);
    expect(await otherProcess.get('2:regular:a')).toBe('7');

    await writer.invalidateLot(2);

    expect(await otherProcess.lookup('2:regular:a')).toEqual({ value: null, outcome: 'miss' });
    expect(await writer.lookup('2:regular:a')).toEqual({ value: null, outcome: 'miss' });
    expect(await otherProcess.get('3:regular:a')).toBe('9');
    await otherProcess.set('2:regular:a', '6', 60_000);
    expect(await writer.get('2:regular:a')).toBe('6');
  });

  it('stores the snapshot under the lot generation with the TTL asked for', async () => {
    const cache = openCache();
    await cache.invalidateLot(4);
    await cache.invalidateLot(4);
    await cache.set('4:ev:x', '1', 30_000);
    const admin = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      expect(await admin.get(`${keyPrefix}{4}:gen`)).toBe('2');
      const ttlMs = await admin.pttl(`${keyPrefix}{4}:2:ev:x`);
      expect(ttlMs).toBeGreaterThan(0);
      expect(ttlMs).toBeLessThanOrEqual(30_000);
    } finally {
      admin.disconnect();
    }
  });

  it('does not cache a value read before an invalidation that raced it', async () => {
    const reader = openCache();
    const writer = openCache();
    expect((await reader.lookup('5:regular:a')).outcome).toBe('miss');
    // ... the reader now counts free spots in PostgreSQL; meanwhile a reservation commits:
    await writer.invalidateLot(5);
    await reader.set('5:regular:a', 'stale', 60_000);
    expect(await writer.lookup('5:regular:a')).toEqual({ value: null, outcome: 'miss' });
    await writer.set('5:regular:a', 'fresh', 60_000);
    expect(await reader.get('5:regular:a')).toBe('fresh');
  });

  it('refuses keys outside the contract without throwing, and logs why', async () => {
    const logger = recordingLogger();
    const cache = openCache(logger);
    await expect(cache.set('regular:a', '1', 1_000)).resolves.toBeUndefined();
    await expect(cache.set('6:regular:a', '1', 0)).resolves.toBeUndefined();
    expect(await cache.lookup('regular:a')).toEqual({ value: null, outcome: 'error' });
    expect(await cache.get('6:regular:a')).toBeNull();
    expect(logger.lines.length).toBeGreaterThanOrEqual(3);
    expect(cache.breakerState()).toBe('closed');
  });

  it('answers errors, never throws, after close', async () => {
    const cache = openCache();
    await cache.set('7:regular:a', '1', 60_000);
    await cache.close();
    await cache.close();
    expect(await cache.lookup('7:regular:a')).toEqual({ value: null, outcome: 'error' });
    await expect(cache.invalidateLot(7)).resolves.toBeUndefined();
  });
});
