// Configuration mistakes are usage errors at construction; only a reachable-or-not Redis is the
// cache's business once it runs.
import { UsageError } from '../../core/errors.js';

/** Throws UsageError unless `url` is a redis:// or rediss:// URL. */
export function assertRedisUrl(url: string): void {
  let protocol: string | null = null;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = null;
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new UsageError('the Redis URL is not a redis:// or rediss:// URL', {
      hint: 'set REDIS_URL like redis://127.0.0.1:6379/0, or unset it to read capacity from PostgreSQL',
    });
  }
}
