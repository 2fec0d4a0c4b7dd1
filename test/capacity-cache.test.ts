// `parkctl capacity check` with REDIS_URL set, end to end in-process: a miss then a hit, invalidation by
// reserve and by cancel, and answers from PostgreSQL when Redis is stopped or paused (invariant 7).
// Against PARKCTL_TEST_REDIS_URL when set (then this must run), else 127.0.0.1:6379 if it answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { answersPing, freePort, testRedisUrl, testRedisUrlFromEnv } from './support/redis.js';

const envUrl = testRedisUrlFromEnv;
const sharedRedisUrl = testRedisUrl;



const reachable = envUrl !== undefined || (await answersPing(sharedRedisUrl));
if (!reachable) console.warn(`capacity-cache: skipped, no Redis answers at ${sharedRedisUrl} and PARKCTL_TEST_REDIS_URL is not set`);
const redisServerOnPath = await new Promise<boolean>((resolve) => {
  const probe = spawn('redis-server', ['--version'], { stdio: 'ignore' });
  probe.on('error', () => resolve(false));
  probe.on('exit', (code) => resolve(code === 0));
});
if (!redisServerOnPath) console.warn('capacity-cache: paused-Redis test skipped, no redis-server on PATH');

const now = '2031-06-01T00:00:00Z';
const window = ['--from', '2031-06-03T10:00', '--to', '2031-06-03T12:00'];
let db: TestDatabase;
let ownRedis: ChildProcess | null = null;

beforeAll(async () => {
  db = await createTestDatabase();
  // A lot id no other test database uses, so its cache keys in the shared Redis are ours alone.
  await db.pool.query(`select setval('lot_id_seq', $1::bigint)`, [1_000_000 + Math.floor(Math.random() * 1_000_000_000)]);
  expect((await runCli(['lot', 'import', 'fixtures/surface-lot.yaml'], { DATABASE_URL: db.url })).code).toBe(0);
});
afterAll(async () => {
  if (ownRedis && ownRedis.exitCode === null && ownRedis.signalCode === null) {
    ownRedis.kill('SIGCONT');
    ownRedis.kill('SIGKILL');
    await once(ownRedis, 'exit');
  }
  await db?.drop();
});

interface Answer { free: number; total: number; source: 'cache' | 'database' }

async function check(redisUrl: string | undefined, extra: string[] = []): Promise<Answer> {
  const r = await runCli(['capacity', 'check', '--lot', 'RIVERSIDE', '--type', 'regular', ...window, '--json', ...extra], { DATABASE_URL: db.url, PARKCTL_NOW: now, REDIS_URL: redisUrl });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.json as Answer;
}

/**
 * Checks until one answers from the cache (bounded at 30 s against a hang). A one-shot command gives
 * Redis 100 ms (bench/redis-frozen.sh), then answers from PostgreSQL, rightly: at load 20 a fresh
 * process' first Redis round trip sometimes took longer, so "the next answer is from the cache" became
 * "an answer soon is", with the same count.
 */
async function checkUntilCached(redisUrl: string): Promise<Answer> {
  let answer = await check(redisUrl);
  for (const deadline = Date.now() + 30_000; Date.now() < deadline && answer.source !== 'cache';) {
    await sleep(100);
    answer = await check(redisUrl);
  }
  return answer;
}

describe.skipIf(!reachable)('capacity check with the Redis cache', () => {
  it('answers from the database on a miss, then from the cache', async () => {
    const first = await check(sharedRedisUrl);
    expect(first).toMatchObject({ source: 'database', free: 28, total: 28 });
    expect(await checkUntilCached(sharedRedisUrl)).toMatchObject({ source: 'cache', free: 28, total: 28 });
  });

  it('--verbose says where the answer came from', async () => {
    const r = await runCli(['capacity', 'check', '--lot', 'RIVERSIDE', '--type', 'regular', ...window, '--verbose'], { DATABASE_URL: db.url, PARKCTL_NOW: now, REDIS_URL: sharedRedisUrl });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/source:\s+cache/);
  });

  it('a reserve invalidates the lot: the next answer is from the database with one spot fewer; a cancel gives it back', async () => {
    expect((await checkUntilCached(sharedRedisUrl)).source).toBe('cache');
    const env = { DATABASE_URL: db.url, PARKCTL_NOW: now, REDIS_URL: sharedRedisUrl };
    const reserved = await runCli(['booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular', ...window, '--plate', 'CACHE1', '--json'], env);
    expect(reserved.code, reserved.stdout + reserved.stderr).toBe(0);
    expect(await check(sharedRedisUrl)).toMatchObject({ source: 'database', free: 27 });
    expect(await checkUntilCached(sharedRedisUrl)).toMatchObject({ source: 'cache', free: 27 });
    const id = (reserved.json as { reservationId: string }).reservationId;
    expect((await runCli(['booking', 'cancel', id], env)).code).toBe(0);
    expect(await check(sharedRedisUrl)).toMatchObject({ source: 'database', free: 28 });
  });

  it('Redis stopped (nothing listens): the answer comes from the database, right and without error', async () => {
    expect(await check(sharedRedisUrl)).toMatchObject({ free: 28 }); // cached: 28
    // booked without REDIS_URL: nothing invalidates the cached 28, only the database knows it is 27 now
    const env = { DATABASE_URL: db.url, PARKCTL_NOW: now };
    const reserved = await runCli(['booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular', ...window, '--plate', 'CACHE2', '--json'], env);
    expect(reserved.code).toBe(0);
    expect(await check(`redis://127.0.0.1:${await freePort()}`)).toMatchObject({ source: 'database', free: 27, total: 28 });
    expect((await runCli(['booking', 'cancel', (reserved.json as { reservationId: string }).reservationId], env)).code).toBe(0);
  });
});

describe.skipIf(!redisServerOnPath)('capacity check when its Redis is paused (SIGSTOP)', () => {
  it('answers from the database while paused, and from the cache again once resumed', async () => {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    ownRedis = child;
    const url = `redis://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && !(await answersPing(url));) await sleep(100);
    expect(await check(url)).toMatchObject({ source: 'database', free: 28 });
    expect(await checkUntilCached(url)).toMatchObject({ source: 'cache', free: 28 });
    child.kill('SIGSTOP');
    expect(await check(url)).toMatchObject({ source: 'database', free: 28, total: 28 });
    child.kill('SIGCONT');
    expect(await checkUntilCached(url)).toMatchObject({ source: 'cache', free: 28 });
  });
});
