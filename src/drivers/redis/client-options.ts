// ioredis settings for a cache that must fail fast (DESIGN.md invariant 7: Redis being down
// makes capacity checks slower, never wrong and never failing).

import type { RedisOptions } from 'ioredis';

export interface RedisTimeouts {
  /** ms a single command may take before it counts as a failure; the issue asks for <= 100 */
  commandTimeoutMs: number;
  /** ms for the TCP connect (and, in the driver, the first handshake) */
  connectTimeoutMs: number;
}

export const defaultTimeouts: RedisTimeouts = { commandTimeoutMs: 100, connectTimeoutMs: 500 };

/** ms before reconnect attempt `attempt` (1-based): 50, 100, 200, ... capped at 2 s, never gives up. */
export function reconnectDelayMs(attempt: number): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 10);
  return Math.min(50 * 2 ** exponent, 2_000);
}

export function cacheClientOptions(timeouts: RedisTimeouts): RedisOptions {
  return {
    // Nothing waits for a connection: a command on a connection that is not ready fails at once.
    enableOfflineQueue: false,
    // At most one retry for a command caught by a reconnect.
    maxRetriesPerRequest: 1,
    // A cache write lost with its connection is dropped, never replayed later out of order.
    autoResendUnfulfilledCommands: false,
    commandTimeout: timeouts.commandTimeoutMs,
    connectTimeout: timeouts.connectTimeoutMs,
    // No socket until the first cache call: commands that never touch capacity never connect.
    lazyConnect: true,
    retryStrategy: reconnectDelayMs,
    // ioredis would otherwise print a warning per reconnect; the driver logs through its Logger.
    showFriendlyErrorStack: false,
    // disconnect() half-closes the socket and waits this long for the server's FIN before destroying
    // it (ioredis' default: 2 s). A frozen (SIGSTOPped) Redis never sends one, and the open socket
    // kept a one-shot CLI process alive 1.7 s after its answer was printed: nothing is lost by
    // dropping a cache connection at once.
    disconnectTimeout: 0,
  };
}
