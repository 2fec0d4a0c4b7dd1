// Redis in tests: the CI server (PARKCTL_TEST_REDIS_URL, where tests must run) or a local one if it answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { Redis } from 'ioredis';

export const testRedisUrlFromEnv = process.env.PARKCTL_TEST_REDIS_URL;
export const testRedisUrl = testRedisUrlFromEnv ?? 'redis://127.0.0.1:6379';

/** Does a Redis answer PING at `url` within half a second? */
export async function answersPing(url: string): Promise<boolean> {
  // disconnectTimeout 0: a server paused right after this probe never answers its FIN, and the socket must not linger
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 500, retryStrategy: () => null, maxRetriesPerRequest: 0, disconnectTimeout: 0 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** A loopback port nothing listens on (a stopped Redis, or one to start there). */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Is redis-server on PATH (tests that pause or kill their own server need it)? */
export const redisServerOnPath = await new Promise<boolean>((resolve) => {
  const probe = spawn('redis-server', ['--version'], { stdio: 'ignore' });
  probe.on('error', () => resolve(false));
  probe.on('exit', (code) => resolve(code === 0));
});

/**
 * A redis-server of the test's own on a free port, to pause (SIGSTOP) or kill without touching the shared
 * one. `cleanups` gets a step that resumes and kills it. Retries on another port if one was taken meanwhile.
 */
export async function startOwnRedis(cleanups: Array<() => Promise<void> | void>): Promise<{ url: string; child: ChildProcess }> {
  for (let tries = 0; tries < 3; tries++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    cleanups.push(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await once(child, 'exit');
    });
    const url = `redis://127.0.0.1:${port}`;
    // bounded at 30 s against a hang (a busy machine starts it slowly)
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && child.exitCode === null;) {
      if (await answersPing(url)) return { url, child };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error('own redis-server did not start');
}
