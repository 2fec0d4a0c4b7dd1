import pg from 'pg';
import { ExternalError } from '../core/errors.js';

// int8 columns hold minor units and counts well inside 2^53: read them as numbers, not strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// `date` stays a 'YYYY-MM-DD' string: a calendar day has no time zone to shift it.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type Pool = pg.Pool;

export function createPool(url: string, opts: { max?: number; applicationName?: string } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 4,
    application_name: opts.applicationName ?? 'parkctl',
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its server must not crash the process: the next query reports it.
  pool.on('error', () => {});
  return pool;
}

const connectionCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', '57P01', '57P03', '3D000', '28P01', '28000']);

/** Turn "cannot reach the database" into an error that names the service and what to check. */
export function describeConnectionError(err: unknown, url: string): unknown {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  if ((code && connectionCodes.has(code)) || /timeout exceeded when trying to connect|Connection terminated/i.test(message)) {
    const safeUrl = url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
    return new ExternalError('PostgreSQL', `cannot connect to ${safeUrl}: ${message}`, {
      hint: 'check DATABASE_URL, or unset it to use the embedded database (parkctl db start)',
      cause: err,
    });
  }
  return err;
}
