import { refuseControlCharacters } from './control-characters.js';
import type { PoolLike, Queryable } from './ports.js';

/** PostgreSQL error codes parkctl branches on. */
export const PgCode = {
  uniqueViolation: '23505',
  exclusionViolation: '23P01',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  deadlockDetected: '40P01',
  serializationFailure: '40001',
  insufficientPrivilege: '42501',
  undefinedTable: '42P01',
} as const;

export interface PgError extends Error {
  code?: string;
  constraint?: string;
  detail?: string;
}

export function isPgError(err: unknown, code?: string): err is PgError {
  return err instanceof Error && typeof (err as PgError).code === 'string' && (code === undefined || (err as PgError).code === code);
}

/** One owner of BEGIN / COMMIT / ROLLBACK / release (STYLE.md, pg-boss). */
export async function withTransaction<T>(pool: PoolLike, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    client.release();
    return result;
  } catch (err) {
    try {
      await client.query('rollback');
      client.release();
    } catch (rollbackErr) {
      client.release(rollbackErr as Error);
    }
    throw err;
  }
}

/** Who did it, for the audit trail of this transaction (read by the events triggers). */
export async function setActor(tx: Queryable, actor: string, reason?: string): Promise<void> {
  // Every typed or imported reason passes here on its way to the audit trail: refused (exit 2) when it
  // holds a control character, before anything is written, so no screen ever shows one.
  if (reason !== undefined) refuseControlCharacters(reason, 'the reason');
  await tx.query(`select set_config('parkctl.actor', $1::text, true), set_config('parkctl.reason', $2::text, true)`, [actor, reason ?? '']);
}
