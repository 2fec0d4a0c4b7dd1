// Redis in tests: the CI server (PARKCTL_TEST_REDIS_URL, where tests must run) or a local one if it answers.
import { once } from 'node:events';
import net from 'node:net';
import { Redis } from 'ioredis';

export const testRedisUrlFromEnv = process.env.PARKCTL_TEST_REDIS_URL;
export const testRedisUrl = testRedisUrlFromEnv ?? 'redis://127.0.0.1:6379';

/** Does a Redis answer PING at `url` within half a second? */
export async function answersPing(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 500, retryStrategy: () => null, maxRetriesPerRequest: 0 });
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
