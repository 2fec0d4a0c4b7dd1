// Redis in tests: the CI server (PARKCTL_TEST_REDIS_URL, where tests must run) or a local one if it answers.
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
