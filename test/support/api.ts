// Shared set-up of the api-*.test.ts files: a test database, a lot, the API app on a free port, keys.
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/app.js';
import type { ApiDeps, ApiLimits } from '../../src/api/deps.js';
import type { GroupCommitDb } from '../../src/api/group-commit.js';
import { createApiKey, type ApiScope } from '../../src/core/api-keys.js';
import type { Lot } from '../../src/core/lots/lot.js';
import { silentLogger, type Clock, type PaymentProvider } from '../../src/core/ports.js';
import { CashPaymentProvider } from '../../src/drivers/cash-payments.js';
import { PgLotChangeFeed } from '../../src/drivers/pg-listener.js';
import { PgChangeNotifier } from '../../src/drivers/pg-notifier.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { createTestLot, type TestLotOptions } from './lots.js';
import { MovableClock, T0 } from './payments-fixture.js';

export interface ApiHarness {
  deps: ApiDeps;
  groupCommit: GroupCommitDb | null;
  db: TestDatabase;
  clock: MovableClock;
  lot: Lot;
  app: FastifyInstance;
  /** http://127.0.0.1:port */
  url: string;
  key(scope: ApiScope, lots?: string[], name?: string): Promise<string>;
  close(): Promise<void>;
}

export interface ApiHarnessOptions {
  lot?: TestLotOptions;
  limits?: Partial<ApiLimits>;
  payments?: PaymentProvider;
  stripeWebhookSecret?: string;
  redis?: unknown;
  clock?: Clock;
  poolSize?: number;
  /** anything else of the app's dependencies (a function: made once the test database exists) */
  deps?: Partial<ApiDeps> | ((db: TestDatabase) => Partial<ApiDeps>);
}

export async function startApiHarness(o: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const db = await createTestDatabase({ poolSize: o.poolSize ?? 8 });
  const clock = new MovableClock(T0);
  const lot = await createTestLot(db.pool, { spots: 3, ...o.lot });
  const notifier = new PgChangeNotifier(db.pool, 20);
  const deps: ApiDeps = {
    pool: db.pool, clock: o.clock ?? clock, payments: o.payments ?? new CashPaymentProvider(), notifier, logger: silentLogger,
    changeFeed: () => new PgLotChangeFeed(db.url, { initialBackoffMs: 50, applicationName: 'parkctl-api-test-listen' }),
    pendingMigrations: async () => 0, stripeWebhookSecret: o.stripeWebhookSecret ?? null, redis: o.redis, limits: o.limits,
    ...(typeof o.deps === 'function' ? o.deps(db) : o.deps),
  };
  const { app, groupCommit } = await buildApi(deps);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  let n = 0;
  return {
    deps, db, clock, lot, app, url, groupCommit,
    key: async (scope, lots = [], name) => (await createApiKey(db.pool, clock, { name: name ?? `${scope}-${++n}`, scope, lotCodes: lots })).secret,
    async close() {
      await app.close();
      await notifier.flush();
      await db.drop();
    },
  };
}

/** fetch with a key and a JSON body; the answer's status, headers and parsed body. */
export async function call(h: ApiHarness, method: string, path: string, o: { key?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(h.url + path, {
    method,
    headers: {
      ...(o.key ? { authorization: `Bearer ${o.key}` } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...o.headers,
    },
    body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers loosely
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (metrics)
  }
  return { status: res.status, headers: res.headers, body };
}
