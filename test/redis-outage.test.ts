// Redis down, silent or paused: every call resolves with null / nothing, never throws, the
// breaker opens, and a resumed Redis is used again after the half-open probe. No wall-clock
// assertions: the breaker runs on a fake clock, timeouts are ioredis' own.
//
// Paused Redis two ways: our own `redis-server` child stopped with SIGSTOP (never the shared
// machine Redis), and a TCP proxy that stops forwarding (runs wherever a Redis answers).
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisCapacityCache, type CacheOutcome } from '../src/drivers/redis/index.js';
import type { Logger } from '../src/core/ports.js';
import { answersPing, freePort, redisServerOnPath, startOwnRedis } from './support/redis.js';

const openForMs = 5_000;
const keyPrefix = `parkctl:test:${randomUUID()}:cap:`;
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function fakeClock() {
  let nowMs = Date.now();
  return { now: () => new Date(nowMs), advance: (ms: number) => void (nowMs += ms) };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (msg: string) => void lines.push(msg);
  return { lines, info: push, warn: push, error: push };
}

function openCache(url: string) {
  const clock = fakeClock();
  const logger = recordingLogger();
  const cache = new RedisCapacityCache(url, { keyPrefix, clock, logger, breaker: { failureThreshold: 3, openForMs } });
  cleanups.push(() => cache.close());
  return { cache, clock, logger };
}



/** Four lookups against a dead Redis: three failures open the breaker, the fourth is not even sent. */
async function expectBreakerOpens(cache: RedisCapacityCache): Promise<void> {
  const outcomes: CacheOutcome[] = [];
  for (let i = 0; i < 4; i++) {
    const answer = await cache.lookup('1:regular:a');
    expect(answer.value).toBeNull();
    outcomes.push(answer.outcome);
  }
  expect(outcomes).toEqual(['error', 'error', 'error', 'breaker-open']);
  expect(cache.breakerState()).toBe('open');
  await expect(cache.set('1:regular:b', '3', 60_000)).resolves.toBeUndefined();
  await expect(cache.invalidateLot(1)).resolves.toBeUndefined();
}

/** Hit, pause, fail fast, probe while paused, resume, recover after half-open. */
async function pauseScenario(url: string, pause: () => void, resume: () => void): Promise<void> {
  const { cache, clock, logger } = openCache(url);
  await cache.set('1:regular:a', '12', 60_000);
  expect(await cache.lookup('1:regular:a')).toEqual({ value: '12', outcome: 'hit' });

  pause();
  await expectBreakerOpens(cache);
  clock.advance(openForMs);
  expect(await cache.lookup('1:regular:a')).toEqual({ value: null, outcome: 'error' });
  expect(cache.breakerState()).toBe('open');

  resume();
  expect((await cache.lookup('1:regular:a')).outcome).toBe('breaker-open');
  let answer = await cache.lookup('1:regular:a');
  for (let attempt = 0; attempt < 60 && answer.outcome !== 'hit'; attempt++) {
    await sleep(50);
    clock.advance(openForMs);
    answer = await cache.lookup('1:regular:a');
  }
  expect(answer).toEqual({ value: '12', outcome: 'hit' });
  expect(cache.breakerState()).toBe('closed');
  expect(logger.lines).toContain('redis capacity cache breaker open: reading PostgreSQL');
  expect(logger.lines).toContain('redis capacity cache breaker closed: Redis answers again');
}

describe('RedisCapacityCache when Redis is unreachable', () => {
  it('nothing listens: null, no throw, the breaker opens', async () => {
    const { cache, logger } = openCache(`redis://127.0.0.1:${await freePort()}`);
    await expectBreakerOpens(cache);
    expect(logger.lines).toContain('capacity cache invalidation dropped');
  });

  it('a peer accepts but never answers: null, no throw, the breaker opens', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });
    const { cache } = openCache(`redis://127.0.0.1:${(silent.address() as net.AddressInfo).port}`);
    await expectBreakerOpens(cache);
  });
});

if (!redisServerOnPath) console.warn('redis-outage: SIGSTOP test skipped, no redis-server on PATH (the proxy test covers pauses)');

describe.skipIf(!redisServerOnPath)('RedisCapacityCache when its own redis-server is SIGSTOPped', () => {
  it('answers null at once while paused and uses Redis again after the half-open probe', async () => {
    const { url, child } = await startOwnRedis(cleanups);
    await pauseScenario(url, () => child.kill('SIGSTOP'), () => child.kill('SIGCONT'));
  });
});

/** A TCP proxy that can stop forwarding (holding the bytes) like a paused peer, then flush. */
async function startPausableProxy(upstream: URL) {
  let paused = false;
  const held: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on('data', (chunk) => (paused ? held.push(() => to.write(chunk)) : to.write(chunk)));
  const server = net.createServer((client) => {
    const up = net.connect(Number(upstream.port || 6379), upstream.hostname);
    for (const socket of [client, up]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        client.destroy();
        up.destroy();
      });
    }
    forward(client, up);
    forward(up, client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const url = new URL(upstream);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    pause: () => void (paused = true),
    resume: () => {
      paused = false;
      for (const flush of held.splice(0)) flush();
    },
  };
}

const sharedRedisUrl = process.env.PARKCTL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const sharedRedisAnswers = process.env.PARKCTL_TEST_REDIS_URL !== undefined || (await answersPing(sharedRedisUrl));
if (!sharedRedisAnswers) console.warn(`redis-outage: proxy test skipped, no Redis answers at ${sharedRedisUrl}`);

describe.skipIf(!sharedRedisAnswers)('RedisCapacityCache behind a proxy that stops forwarding', () => {
  it('answers null at once while paused and uses Redis again after the half-open probe', async () => {
    cleanups.push(async () => {
      const admin = new Redis(sharedRedisUrl, { connectTimeout: 2_000, maxRetriesPerRequest: 1 });
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
    });
    const proxy = await startPausableProxy(new URL(sharedRedisUrl));
    await pauseScenario(proxy.url, proxy.pause, proxy.resume);
  });
});
