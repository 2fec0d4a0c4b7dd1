// What the API needs from the outside world, built once per process by `parkctl api serve` (or by a test).
// Nothing here is the only copy of anything: keys, replays and rate counters live in PostgreSQL / Redis.
import type { CapacityCache, ChangeNotifier, Clock, Logger, LotRoutes, PaymentProvider, PoolLike } from '../core/ports.js';
import type { OccupancyMemo } from '../core/occupancy-memo.js';
import type { LotChangeFeed } from '../core/dashboard/live.js';
import type { AvailabilityCache } from './availability-cache.js';
import type { ApiConfigCache } from './config-cache.js';

export interface ApiLimits {
  /** requests per key (or per address without a key) per window */
  rateMax: number;
  /** ms */
  rateWindowMs: number;
  /** largest request body, bytes */
  bodyLimitBytes: number;
}

export const defaultApiLimits: ApiLimits = { rateMax: 600, rateWindowMs: 60_000, bodyLimitBytes: 64 * 1024 };

export interface ApiPoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export interface ApiDeps {
  pool: PoolLike & Partial<ApiPoolStats>;
  clock: Clock;
  payments: PaymentProvider;
  cache?: CapacityCache | undefined;
  notifier?: ChangeNotifier | undefined;
  occupancy?: OccupancyMemo | undefined;
  logger: Logger;
  /** a fresh LISTEN feed for the Server-Sent Events streams (one per process, shared by its streams) */
  changeFeed: () => LotChangeFeed;
  /** a LISTEN feed on parkctl_api_config (migrations/0027): with it, keys and lots are kept in memory while it listens */
  configFeed?: () => LotChangeFeed;
  /** made by buildApi from configFeed; read through apiLot() and the access hook */
  configCache?: ApiConfigCache | undefined;
  /** made by buildApi from availabilityCacheMs */
  availabilityCache?: AvailabilityCache | undefined;
  /** reuse an availability answer this long (ms) unless its lot changes (src/api/availability-cache.ts); off when 0 or absent */
  availabilityCacheMs?: number;
  /** a log line per request (default true) */
  logRequests?: boolean;
  /** migrations the database still lacks (readyz) */
  pendingMigrations: () => Promise<number>;
  /** STRIPE_WEBHOOK_SECRET; null: the webhook route answers 503 */
  stripeWebhookSecret: string | null;
  /** an ioredis client for shared rate-limit counters (REDIS_URL); undefined: counted in this process */
  redis?: unknown;
  limits?: Partial<ApiLimits>;
  /** batch concurrent reservations into one statement and one commit (src/api/group-commit.ts); off when false or absent */
  groupCommit?: { maxInFlight: number; maxBatch: number } | false;
  /** on Citus: a booking's allocator call and counts go straight to the worker holding its lot (src/drivers/citus-lot-routes.ts) */
  lotRoutes?: LotRoutes | undefined;
}
