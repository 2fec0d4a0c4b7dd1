// The demo's own database (issue 19, item 4): `parkctl demo` plays its morning in a scratch database on
// the same server (the embedded one, or DATABASE_URL's), named after the operator's with `_demo` added,
// dropped and made afresh on every run and migrated. The operator's database is only connected to, to
// create and drop that one: none of its rows change (before, the demo's bookings, visits, phantom gates
// and simulated clock landed there and expired a real hold ten minutes early).
import '../drivers/pg-stream.js';
import pg from 'pg';
import { UsageError } from '../core/errors.js';
import { isPgError, PgCode } from '../core/db.js';
import { migrate, readMigrations } from '../core/migrate.js';
import { createPool, describeConnectionError, type Pool } from '../drivers/postgres.js';
import { withSpinner } from './spinner.js';
import type { AppContext } from './context.js';
import { migrationsDir } from './context.js';

export interface DemoDatabase {
  pool: Pool;
  /** e.g. parkctl_demo */
  name: string;
  /** where to look at it afterwards (DATABASE_URL=... parkctl lot show CITY-GARAGE) */
  url: string;
}

/** PostgreSQL's limit on identifiers, bytes */
const maxNameLength = 63;

/** The operator's database URL: DATABASE_URL, else the embedded server's (started if need be). */
async function serverUrl(ctx: AppContext): Promise<string> {
  if (ctx.config.databaseUrl) return ctx.config.databaseUrl;
  const { ensureEmbeddedPostgres } = await import('../drivers/embedded-postgres/index.js');
  const start = () => ensureEmbeddedPostgres(ctx.config.home, { log: (line) => ctx.logger.info(line) });
  return (await withSpinner(ctx.spinnerTarget, 'starting the embedded PostgreSQL (the first start sets it up)', start)).url;
}

/** The same server and credentials, another database: postgres://... by its path, socket:... by its db parameter. */
export function demoDatabaseUrl(url: string): { url: string; name: string } {
  const u = new URL(url);
  const socket = u.protocol === 'socket:';
  const base = (socket ? u.searchParams.get('db') : decodeURIComponent(u.pathname.replace(/^\//, ''))) || (u.username ? decodeURIComponent(u.username) : 'postgres');
  const name = `${base.slice(0, maxNameLength - '_demo'.length)}_demo`;
  if (socket) u.searchParams.set('db', name);
  else u.pathname = `/${encodeURIComponent(name)}`;
  return { url: u.toString(), name };
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Drops and creates the demo database next to the operator's, migrates it and opens a pool on it. */
export async function openDemoDatabase(ctx: AppContext): Promise<DemoDatabase> {
  const operatorUrl = await serverUrl(ctx);
  const demo = demoDatabaseUrl(operatorUrl);
  const admin = new pg.Client({ connectionString: operatorUrl, connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
    await admin.query(`drop database if exists ${quoteIdent(demo.name)} with (force)`);
    await admin.query(`create database ${quoteIdent(demo.name)}`);
  } catch (err) {
    if (isPgError(err, PgCode.insufficientPrivilege)) {
      throw new UsageError(`the demo needs a database of its own (${demo.name}), and this user may not create one`, {
        hint: 'grant it CREATEDB, or unset DATABASE_URL to run the demo on the embedded server',
        code: 'demo_needs_createdb',
      });
    }
    throw describeConnectionError(err, operatorUrl);
  } finally {
    await admin.end().catch(() => undefined);
  }
  const pool = createPool(demo.url, { max: 8, applicationName: 'parkctl-demo' });
  ctx.onClose(() => pool.end());
  try {
    await migrate(pool, await readMigrations(migrationsDir));
  } catch (err) {
    throw describeConnectionError(err, demo.url);
  }
  return { pool, name: demo.name, url: demo.url };
}
