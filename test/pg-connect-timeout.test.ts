// DATABASE_URL's connect_timeout (libpq's parameter, seconds) sets how long a pool waits for a connection.
import { describe, expect, it } from 'vitest';
import { createPool, urlConnectTimeoutMs } from '../src/drivers/postgres.js';

describe('connect_timeout in the URL', () => {
  it('is read in seconds; absent, zero or not a number leaves the 5 s default; the caller’s own value wins', async () => {
    expect(urlConnectTimeoutMs('postgres://u@h/db?connect_timeout=60')).toBe(60_000);
    for (const url of ['postgres://u@h/db', 'postgres://u@h/db?connect_timeout=0', 'postgres://u@h/db?connect_timeout=soon', 'not a url']) {
      expect(urlConnectTimeoutMs(url), url).toBeUndefined();
    }
    const timeoutOf = (pool: unknown) => (pool as { options: { connectionTimeoutMillis: number } }).options.connectionTimeoutMillis;
    const pools = [createPool('postgres://u@h/db?connect_timeout=60'), createPool('postgres://u@h/db'), createPool('postgres://u@h/db?connect_timeout=60', { connectTimeoutMs: 3_000 })];
    expect(pools.map(timeoutOf)).toEqual([60_000, 5_000, 3_000]);
    await Promise.all(pools.map((p) => p.end()));
  });
});
