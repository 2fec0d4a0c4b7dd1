// What every command needs, built lazily from the config: a clock, the database, a payment provider,
// a capacity cache. Commands receive it; tests build one against their own database.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { UsageError } from '../core/errors.js';
import { listMigrations, migrate, migrationStatus, readMigrations } from '../core/migrate.js';
import { OccupancyMemo } from '../core/occupancy-memo.js';
import { fixedClock, systemClock, type CapacityCache, type ChangeNotifier, type Clock, type Logger, type PaymentProvider } from '../core/ports.js';
import { parseNow } from '../core/input.js';
import { CashPaymentProvider } from '../drivers/cash-payments.js';
import { PgChangeNotifier } from '../drivers/pg-notifier.js';
import { createPool, describeConnectionError, type Pool } from '../drivers/postgres.js';
import { processLogger } from '../drivers/process-logger.js';
import { Output, type OutputFormat } from './output.js';
import { withSpinner, type SpinnerTarget } from './spinner.js';
import { takeEarlyPool, type EarlyPoolSlot } from './early-pool.js';
import { packageRoot } from '../package-root.js';

export const migrationsDir = join(packageRoot(), 'migrations');

export interface GlobalOptions {
  json?: boolean;
  /** -o: table, wide, json, yaml, csv */
  output?: OutputFormat;
  /** --fields a,b,c */
  fields?: string;
  /** false with --no-headers */
  headers?: boolean;
  quiet?: boolean;
  now?: string;
  verbose?: boolean;
}

export class AppContext {
  readonly clock: Clock;
  readonly out: Output;
  readonly logger: Logger;
  readonly occupancy = new OccupancyMemo();
  /** a command that finished but wants a non-zero exit (a partly failed import) sets this; main() returns it */
  exitCode: number = 0;
  /** the idempotency key of this run's write (given or generated): printed when its outcome is unknown */
  writeKey: { flag: string; value: string; generated: boolean } | null = null;
  private poolPromise: Promise<Pool> | null = null;
  private paymentProvider: PaymentProvider | null = null;
  private cachePromise: Promise<CapacityCache | undefined> | null = null;
  private notifier: ChangeNotifier | null = null;
  private closers: (() => Promise<void>)[] = [];

  /** the pool opened while the program loaded, by bin/parkctl or main() (early-pool.ts) */
  earlyPool: EarlyPoolSlot | null = null;

  constructor(readonly config: Config, readonly options: GlobalOptions, out?: Output) {
    const now = options.now ? parseNow(options.now) : config.now;
    this.clock = now ? fixedClock(now) : systemClock;
    this.out = out ?? new Output(Boolean(options.json));
    // -v: lines for people on a terminal, JSON lines elsewhere (README "Output")
    this.logger = processLogger(options.verbose ? 'info' : 'warn', { human: config.stderrIsTty, colour: config.stderrIsTty && !config.noColor });
  }

  /**
   * The write's idempotency key: the one given, else a fresh one, so that a run whose answer was lost
   * can be repeated with the same key and land once (issue 21).
   */
  idempotencyKey(given: string | null | undefined, flag = '--external-ref'): string {
    const value = given ?? `parkctl-${randomUUID()}`;
    this.writeKey = { flag, value, generated: given == null };
    return value;
  }

  /** Where spinners draw: stderr, only when it is a terminal (spinner.ts). */
  get spinnerTarget(): SpinnerTarget {
    return { enabled: this.config.stderrIsTty, write: (text) => this.out.progress(text) };
  }

  get actor(): string {
    return this.config.actor;
  }

  /** The database: DATABASE_URL, else the embedded server (started and migrated if need be). */
  pool(): Promise<Pool> {
    this.poolPromise ??= this.openPool();
    return this.poolPromise;
  }

  private async openPool(): Promise<Pool> {
    let url = this.config.databaseUrl;
    const embedded = !url;
    if (!url) {
      const { ensureEmbeddedPostgres } = await import('../drivers/embedded-postgres/index.js');
      const home = this.config.home;
      url = (await withSpinner(this.spinnerTarget, 'starting the embedded PostgreSQL (the first start sets it up)', () => ensureEmbeddedPostgres(home, { log: (line) => this.logger.info(line) }))).url;
    }
    // opened while the program loaded, when bin/parkctl or main() saw this coming (early-pool.ts)
    const early = embedded ? null : await takeEarlyPool(this.earlyPool, url, this.logger);
    const pool = early?.pool ?? createPool(url, { max: 8, retry: true, logger: this.logger });
    this.closers.push(() => pool.end());
    // the check before every command needs the files' names, not their 200 KB of SQL (issue 13)
    const toCheck = await listMigrations(migrationsDir);
    try {
      const applied = early ? await early.applied : null;
      const pending = applied ? toCheck.filter((m) => !applied.has(m.id)) : (await migrationStatus(pool, toCheck)).filter((m) => !m.appliedAt);
      if (embedded) {
        // the embedded database migrates itself, reading the SQL only when a file is new to it
        if (pending.length > 0) await migrate(pool, await readMigrations(migrationsDir));
      } else if (pending.length > 0) {
        throw new UsageError(`the database needs ${pending.length} migration(s): ${pending.map((m) => m.name).join(', ')}`, {
          hint: 'run: parkctl db migrate',
          code: 'migrations_pending',
        });
      }
    } catch (err) {
      throw describeConnectionError(err, url);
    }
    return pool;
  }

  /** The payment port: Stripe when configured, else the attendant takes cash. */
  async payments(): Promise<PaymentProvider> {
    if (this.paymentProvider) return this.paymentProvider;
    if (this.config.stripe) {
      const { StripePaymentProvider } = await import('../drivers/stripe/index.js');
      this.paymentProvider = new StripePaymentProvider({
        apiKey: this.config.stripe.secretKey,
        apiBase: this.config.stripe.apiBase ?? undefined,
        successUrl: this.config.stripe.successUrl,
        cancelUrl: this.config.stripe.cancelUrl,
        timeoutMs: 10_000,
      }) as PaymentProvider;
    } else {
      this.paymentProvider = new CashPaymentProvider();
    }
    return this.paymentProvider;
  }

  /** Redis when REDIS_URL is set; the cache only ever speeds answers up. */
  cache(): Promise<CapacityCache | undefined> {
    this.cachePromise ??= (async () => {
      if (!this.config.redisUrl) return undefined;
      const { RedisCapacityCache } = await import('../drivers/redis/index.js');
      const cache = new RedisCapacityCache(this.config.redisUrl, { logger: this.logger });
      this.closers.push(async () => cache.close());
      cache.startConnecting();
      return cache;
    })();
    return this.cachePromise;
  }

  /** What core calls after a write: the cache to invalidate and the notifier that wakes live screens. */
  async changeDeps(): Promise<{ cache: CapacityCache | undefined; notifier: ChangeNotifier }> {
    const pool = await this.pool();
    if (!this.notifier) {
      const notifier = new PgChangeNotifier(pool, 100, this.logger);
      this.notifier = notifier;
      // before the pool closes (closers run in reverse order)
      this.closers.push(() => notifier.flush());
    }
    return { cache: await this.cache(), notifier: this.notifier };
  }

  onClose(fn: () => Promise<void>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    const closers = this.closers.reverse();
    this.closers = [];
    for (const c of closers) await c().catch(() => {});
  }
}
