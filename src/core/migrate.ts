import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { citusVersion } from './citus/cluster.js';
import { runMigrationOnCitus } from './citus/migrate-on-citus.js';
import { isPgError, PgCode, withTransaction } from './db.js';
import type { PoolLike, Queryable } from './ports.js';

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export type MigrationName = Pick<Migration, 'id' | 'name'>;

export interface MigrationState {
  id: number;
  name: string;
  appliedAt: Date | null;
}

/**
 * Every migrator takes this lock inside its transaction: two at once apply each file exactly once.
 * `db distribute` holds it for its session too: it waits for migrations, and they and a second run wait for it.
 */
export const MIGRATION_LOCK = 7_214_300_001;

/** The migration files' ids and names, in order, without their SQL. */
export async function listMigrations(dir: string): Promise<MigrationName[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  return files.map((file) => ({ id: Number(file.slice(0, 4)), name: file.replace(/\.sql$/, '') }));
}

export async function readMigrations(dir: string): Promise<Migration[]> {
  return Promise.all((await listMigrations(dir)).map(async (m) => ({ ...m, sql: await readFile(join(dir, `${m.name}.sql`), 'utf8') })));
}

/** A digest of the migration files: names a template database built from exactly these. */
export function migrationsDigest(migrations: Migration[]): string {
  const h = createHash('sha256');
  for (const m of migrations) h.update(m.name).update('\0').update(m.sql);
  return h.digest('hex').slice(0, 12);
}

async function ensureTable(db: Queryable): Promise<void> {
  await db.query(`select pg_advisory_xact_lock($1::bigint)`, [MIGRATION_LOCK]);
  await db.query(`create table if not exists parkctl_migrations (
    id integer primary key, name text not null, applied_at timestamptz not null default now())`);
}

/** Apply what is missing, each file in its own transaction, in order. Returns the names applied. */
export async function migrate(pool: PoolLike, migrations: Migration[]): Promise<string[]> {
  await withTransaction(pool, ensureTable);
  // On a Citus coordinator a file runs statement by statement, new lot-scoped tables distributed as they come
  // (citus/migrate-on-citus.ts).
  const onCitus = (await citusVersion(pool)) !== null;
  const applied: string[] = [];
  for (const m of migrations) {
    const ran = await withTransaction(pool, async (tx) => {
      await tx.query(`select pg_advisory_xact_lock($1::bigint)`, [MIGRATION_LOCK]);
      const { rowCount } = await tx.query(
        `insert into parkctl_migrations (id, name) values ($1::integer, $2::text) on conflict (id) do nothing`,
        [m.id, m.name],
      );
      if (rowCount === 0) return false;
      if (onCitus) await runMigrationOnCitus(tx, m.sql);
      else await tx.query(m.sql);
      return true;
    });
    if (ran) applied.push(m.name);
  }
  return applied;
}

/** What the migration check reads (also sent by commands/early-pool.ts with other statements). */
export const appliedMigrationsSql = 'select id, applied_at from parkctl_migrations';

/**
 * The ids and times of the migrations applied, in one round trip (issue 13): a database never migrated has
 * no table, and that error says so. Not for use inside a transaction, which that error would abort.
 */
async function appliedMigrations(db: Queryable): Promise<Map<number, Date>> {
  const done = new Map<number, Date>();
  try {
    const { rows } = await db.query<{ id: number; applied_at: Date }>(appliedMigrationsSql);
    for (const r of rows) done.set(r.id, r.applied_at);
  } catch (err) {
    if (!isPgError(err, PgCode.undefinedTable)) throw err;
  }
  return done;
}

export async function appliedMigrationIds(db: Queryable): Promise<Set<number>> {
  return new Set((await appliedMigrations(db)).keys());
}

/** What is applied of `migrations` (only their ids and names are read: a one-shot command's check reads no SQL). */
export async function migrationStatus(db: Queryable, migrations: MigrationName[]): Promise<MigrationState[]> {
  const done = await appliedMigrations(db);
  return migrations.map((m) => ({ id: m.id, name: m.name, appliedAt: done.get(m.id) ?? null }));
}
