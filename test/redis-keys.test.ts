import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { RedisCapacityCache } from '../src/drivers/redis/index.js';
import { cacheClientOptions, reconnectDelayMs } from '../src/drivers/redis/client-options.js';
import { generationKey, parseCacheKey, snapshotKey } from '../src/drivers/redis/keys.js';
import { SeenGenerations } from '../src/drivers/redis/seen-generations.js';

describe('capacity cache keys', () => {
  it('splits `<lotId>:<rest>` and keeps colons in the rest', () => {
    expect(parseCacheKey('17:regular:2025-06-01T08:00Z:2025-06-01T10:00Z')).toEqual({
      lotId: 17,
      rest: 'regular:2025-06-01T08:00Z:2025-06-01T10:00Z',
    });
  });

  it('refuses keys without a positive integer lot id first', () => {
    for (const key of ['regular:17', '0:x', '-3:x', '17', '17:', ':x', '1.5:x', '99999999999999999:x']) {
      expect(parseCacheKey(key), key).toBeNull();
    }
  });

  it('puts a lot under one hash tag with its generation in the snapshot key', () => {
    expect(generationKey('parkctl:cap:', 17)).toBe('parkctl:cap:{17}:gen');
    expect(snapshotKey('parkctl:cap:', 17, '3', 'regular:a:b')).toBe('parkctl:cap:{17}:3:regular:a:b');
  });
});

describe('redis client settings', () => {
  it('fail fast: no offline queue, one retry, lazy, the given timeouts', () => {
    const options = cacheClientOptions({ commandTimeoutMs: 100, connectTimeoutMs: 500 });
    expect(options).toMatchObject({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      autoResendUnfulfilledCommands: false,
      commandTimeout: 100,
      connectTimeout: 500,
      lazyConnect: true,
    });
    expect(options.retryStrategy).toBe(reconnectDelayMs);
  });

  it('reconnects with exponential backoff capped at 2 s and never gives up', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(reconnectDelayMs)).toEqual([50, 100, 200, 400, 800, 1_600, 2_000]);
    expect(reconnectDelayMs(10_000)).toBe(2_000);
  });
});

describe('SeenGenerations', () => {
  it('hands a remembered generation out once', () => {
    const seen = new SeenGenerations();
    seen.remember('1:a', '4');
    expect(seen.take('1:a')).toBe('4');
    expect(seen.take('1:a')).toBe('');
  });

  it('keeps at most its capacity, forgetting the oldest first', () => {
    const seen = new SeenGenerations(2);
    seen.remember('1:a', '1');
    seen.remember('1:b', '2');
    seen.remember('1:a', '3');
    seen.remember('1:c', '4');
    expect(seen.size).toBe(2);
    expect(seen.take('1:b')).toBe('');
    expect(seen.take('1:a')).toBe('3');
    expect(seen.take('1:c')).toBe('4');
  });
});

describe('RedisCapacityCache construction', () => {
  it('refuses a URL that is not redis:// or rediss:// as a usage error', () => {
    for (const url of ['not a url', 'http://127.0.0.1:6379', '127.0.0.1:6379']) {
      expect(() => new RedisCapacityCache(url), url).toThrow(UsageError);
    }
  });

  it('accepts redis:// and rediss:// without connecting', async () => {
    for (const url of ['redis://127.0.0.1:1/0', 'rediss://user:pw@cache.example:6380']) {
      const cache = new RedisCapacityCache(url);
      expect(cache.breakerState()).toBe('closed');
      await cache.close();
    }
  });
});
