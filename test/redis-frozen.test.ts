// A frozen Redis (our own redis-server stopped with SIGSTOP: it accepts TCP connections and never
// answers) must not hold a command up: `capacity check` answers from PostgreSQL with the right count,
// and once it is done no socket to the frozen server is left to keep a one-shot process alive (it
// used to linger, half-closed, for ioredis' 2 s disconnect timeout). Nothing here is timed: the cost
// is measured by bench/redis-frozen.sh.
import { join } from 'node:path';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCapacityCache } from '../src/drivers/redis/index.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { redisServerOnPath, startOwnRedis } from './support/redis.js';

const cleanups: Array<() => Promise<void> | void> = [];
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  const imported = await runCli(['lot', 'import', join(import.meta.dirname, '../fixtures/surface-lot.yaml')], { DATABASE_URL: db.url });
  expect(imported.code).toBe(0);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await db.drop();
});

/** Sockets of this process still open to `port` (what keeps a finished CLI process from exiting). */
function openSocketsTo(port: number): net.Socket[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h): h is net.Socket => h instanceof net.Socket && h.remotePort === port && !h.destroyed);
}

const portOf = (url: string): number => Number(new URL(url).port);

describe.runIf(redisServerOnPath)('a frozen Redis', () => {
  it('capacity check answers from PostgreSQL and leaves no socket to the frozen server behind', async () => {
    const { url, child } = await startOwnRedis(cleanups);
    const args = ['--json', 'capacity', 'check', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', '2030-01-07T08:00', '--to', '2030-01-07T17:30'];
    const plain = await runCli(args, { DATABASE_URL: db.url });
    expect(plain.code).toBe(0);

    child.kill('SIGSTOP');
    const frozen = await runCli(['--verbose', ...args], { DATABASE_URL: db.url, REDIS_URL: url });
    expect(frozen.code).toBe(0);
    expect(frozen.json).toMatchObject({ free: (plain.json as { free: number }).free, total: (plain.json as { total: number }).total, source: 'database' });
    expect(openSocketsTo(portOf(url))).toEqual([]);
  });

  it('a cache that never got an answer closes without leaving its socket open', async () => {
    const { url, child } = await startOwnRedis(cleanups);
    child.kill('SIGSTOP');
    const cache = new RedisCapacityCache(url, { keyPrefix: 'parkctl:test:frozen:' });
    expect(await cache.lookup('1:regular:a')).toEqual({ value: null, outcome: 'error' });
    await cache.close();
    expect(openSocketsTo(portOf(url))).toEqual([]);
  });
});
