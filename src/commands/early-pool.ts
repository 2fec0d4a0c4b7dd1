// The database connection of a one-shot command, opened while the program is still loading (issue 13).
// In the time Node takes to compile the command's code, PostgreSQL forks a backend, authenticates it,
// answers the migration check and plans a capacity count (busyCountWarmUpSql: most commands count, and
// planning a first statement is what a fresh backend is slow at). bin/parkctl starts this before it loads
// the program (main() does, when it is called without); AppContext.pool() adopts it. Nothing here decides
// anything: a connection or check that fails early is simply not used, and the command connects and
// checks the usual way (with its retries).
import type { Logger } from '../core/ports.js';
import { commandNamed } from './command-named.js';
import type { Pool } from '../drivers/postgres.js';

/** The command groups whose commands all read or write the database. */
const databaseGroups = new Set(['lot', 'capacity', 'booking', 'visit', 'price', 'payments', 'permit', 'ticket', 'validation', 'shift', 'report']);

/** Logs of the pool's retries go where the command's logger says, once it has one. */
class LaterLogger implements Logger {
  target: Logger | null = null;
  info(msg: string, fields?: Record<string, unknown>): void { this.target?.info(msg, fields); }
  warn(msg: string, fields?: Record<string, unknown>): void { this.target?.warn(msg, fields); }
  error(msg: string, fields?: Record<string, unknown>): void { this.target?.error(msg, fields); }
}

export interface EarlyPool {
  url: string;
  pool: Pool;
  logger: LaterLogger;
  /** parkctl_migrations' ids, read on the early connection; null when that did not work out */
  applied: Promise<Set<number> | null>;
}

/**
 * One run's early pool, claimed at most once: by the run's AppContext (takeEarlyPool) or, when it never
 * asked, by main()'s clean-up (abandonEarlyPool). Kept per run, not per process: commands run side by side
 * in one process (tests, scripts using main()) each have their own.
 */
export class EarlyPoolSlot {
  private claimed = false;
  constructor(private readonly opening: Promise<EarlyPool | null> | null) {}

  /** The pool, to this caller only; null when there is none or it was claimed already. */
  claim(): Promise<EarlyPool | null> {
    if (this.claimed || !this.opening) return Promise.resolve(null);
    this.claimed = true;
    return this.opening;
  }
}

/**
 * Starts connecting when `args` run a command of a database group against DATABASE_URL (not for help,
 * which never connects). Returns at once.
 */
export function startEarlyPool(args: string[], env: Record<string, string | undefined>): EarlyPoolSlot {
  const url = env.DATABASE_URL?.trim();
  if (!url || !/^postgres(ql)?:\/\//i.test(url)) return new EarlyPoolSlot(null);
  if (args.some((a) => a === '-h' || a === '--help' || a === 'help')) return new EarlyPoolSlot(null);
  const word = commandNamed(args);
  if (!word || !databaseGroups.has(word)) return new EarlyPoolSlot(null);
  return new EarlyPoolSlot((async () => {
    const [{ createPool }, { appliedMigrationIds, appliedMigrationsSql }, { busyCountWarmUpSql }] = await Promise.all([
      import('../drivers/postgres.js'), import('../core/migrate.js'), import('../core/sql/capacity.js'),
    ]);
    const logger = new LaterLogger();
    const pool = createPool(url, { max: 8, retry: true, logger });
    // one attempt, no retries: a failure here only means the usual path runs
    const applied = pool.connect().then(async (client) => {
      try {
        // one round trip: the migration check, and the server's caches warmed while Node loads
        const results = await client.query(`${appliedMigrationsSql};\n${busyCountWarmUpSql()}`).catch(() => null) as unknown as { rows: { id: number }[] }[] | null;
        return results ? new Set(results[0]!.rows.map((r) => r.id)) : await appliedMigrationIds(client);
      } finally {
        client.release();
      }
    }).catch(() => null);
    return { url, pool, logger, applied };
  })().catch(() => null));
}

/** The early pool when it was opened for `url`: the caller owns it from now on. */
export async function takeEarlyPool(slot: EarlyPoolSlot | null, url: string, logger: Logger): Promise<EarlyPool | null> {
  const early = await (slot?.claim() ?? null);
  if (!early) return null;
  if (early.url !== url) {
    void early.pool.end().catch(() => {});
    return null;
  }
  early.logger.target = logger;
  return early;
}

/**
 * A command that ended without asking for the database (bad input, say) closes what was opened for it,
 * also a connection still under way: the process must not wait on a server that does not answer.
 */
export async function abandonEarlyPool(slot: EarlyPoolSlot): Promise<void> {
  const early = await slot.claim();
  if (!early) return;
  // pg-pool keeps its clients in _clients and each pg client its socket in connection.stream
  const clients = (early.pool as unknown as { _clients?: { connection?: { stream?: { destroy(): void } } }[] })._clients ?? [];
  for (const c of clients) c.connection?.stream?.destroy();
  await early.pool.end().catch(() => {});
}
