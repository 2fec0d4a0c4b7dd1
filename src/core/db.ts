import { refuseControlCharacters } from './control-characters.js';
import type { Logger, PoolLike, Queryable } from './ports.js';

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
  /** terminating connection due to administrator command (a fast or immediate shutdown, pg_terminate_backend) */
  adminShutdown: '57P01',
  /** the server crashed or was stopped immediately */
  crashShutdown: '57P02',
  /** the database system is starting up / shutting down: try again shortly */
  cannotConnectNow: '57P03',
} as const;

export interface PgError extends Error {
  code?: string;
  constraint?: string;
  detail?: string;
}

/**
 * Whether a constraint error names `name`. On Citus the error comes from a shard, which names the shard's
 * copy of the constraint (`reservations_one_per_plate_102289`), so a numeric shard suffix is accepted.
 */
export function isConstraint(err: PgError, name: string): boolean {
  // An error raised inside a function Citus delegated to a worker reaches the client without its constraint
  // field: only the message names it.
  const c = err.constraint ?? /constraint "([^"]+)"/.exec(err.message)?.[1];
  return c !== undefined && (c === name || (c.startsWith(`${name}_`) && /^\d+$/.test(c.slice(name.length + 1))));
}

/**
 * An answer from PostgreSQL (a SQLSTATE), optionally a given one. A lost connection is not an answer:
 * without a code asked for, `read ECONNRESET` or 57P01 never passes for a constraint or a conflict.
 */
export function isPgError(err: unknown, code?: string): err is PgError {
  if (!(err instanceof Error) || typeof (err as PgError).code !== 'string') return false;
  if (code !== undefined) return (err as PgError).code === code;
  return /^[0-9A-Z]{5}$/.test((err as PgError).code!) && !isConnectionLost(err);
}

// What a lost connection means for a write (issue 21). The driver stamps a `connectionLoss` on the
// error at the moment it happens, because only it knows whether the statement had left and whether a
// transaction was open; the CLI turns it into words.

/** What became of the command's writes when its connection failed. */
export type WriteOutcome = 'not_applied' | 'applied' | 'unknown';

/** Where in a statement's life the connection failed. */
export type LossPhase =
  /** opening the connection: nothing was sent */
  | 'connect'
  /** the connection was already broken when the statement was handed over: it never left */
  | 'not_sent'
  /** inside an open transaction, before COMMIT: PostgreSQL rolls it back */
  | 'in_transaction'
  /** COMMIT was sent and its answer lost: committed or not, nobody knows */
  | 'commit'
  /** a statement outside a transaction was sent and its answer lost */
  | 'statement';

export interface ConnectionLoss {
  phase: LossPhase;
  /** this statement (or transaction) may have taken effect */
  mayHaveApplied: boolean;
  /** the command's writes so far: applied (acknowledged earlier), not applied, or unknown */
  outcome: WriteOutcome;
}

const lostCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN',
  PgCode.adminShutdown, PgCode.crashShutdown, PgCode.cannotConnectNow,
]);
const lostMessages = /Connection terminated|timeout exceeded when trying to connect|not queryable|connection error|Connection ended|server closed the connection|terminating connection|socket hang up|write after end|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/i;

/**
 * The error means the database (or the way to it) went away: refused, reset, terminated by an
 * administrator or a crash (57P01, 57P02), still starting (57P03), or any connection exception (08xxx).
 * Not a bug in parkctl: exit 69.
 */
export function isConnectionLost(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (lostCodes.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return false; // any other SQLSTATE is an answer
  return lostMessages.test(err.message);
}

/** The stamp a driver put on a lost-connection error, if any. */
export function connectionLossOf(err: unknown): ConnectionLoss | null {
  return (err as { connectionLoss?: ConnectionLoss } | null)?.connectionLoss ?? null;
}

/** How a pool retries what is safe to retry (bounded, backoff with jitter); a pool without one never retries. */
export interface RetryPolicy {
  /** attempts in all, the first included */
  attempts: number;
  /** ms: the first delay; it doubles each time up to maxDelayMs, each delay jittered to [d/2, d) */
  baseDelayMs: number;
  maxDelayMs: number;
  /** ms: no new attempt starts after this much time since the first */
  budgetMs: number;
  logger?: Logger | undefined;
  /** [0, 1) for the jitter; injectable */
  random?: () => number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 6, baseDelayMs: 100, maxDelayMs: 2_000, budgetMs: 6_000 };

/** A pool that carries its retry policy (src/drivers/postgres.ts createPool({ retry })). */
export function retryPolicyOf(pool: unknown): RetryPolicy | null {
  return (pool as { retryPolicy?: RetryPolicy | null } | null)?.retryPolicy ?? null;
}

/**
 * Why this failure is safe to run again, or null. Safe: serialization failures and deadlocks (the
 * transaction was rolled back), a server that is starting (57P03), and a lost connection where
 * nothing can have taken effect (before the statement left, or inside a transaction before COMMIT).
 * A lost answer to COMMIT or to a write outside a transaction is never retried here.
 */
export function retryReason(err: unknown): string | null {
  if (isPgError(err, PgCode.serializationFailure)) return 'serialization failure (40001)';
  if (isPgError(err, PgCode.deadlockDetected)) return 'deadlock (40P01)';
  const loss = connectionLossOf(err);
  if (isPgError(err, PgCode.cannotConnectNow) && (!loss || !loss.mayHaveApplied)) return 'the database is starting (57P03)';
  if (loss && !loss.mayHaveApplied) return `connection lost (${loss.phase.replace('_', ' ')}): ${(err as Error).message}`;
  return null;
}

/** Runs `op`, again after a retryable failure, within the policy's bounds; logs each retry. */
export async function withRetries<T>(policy: RetryPolicy | null, what: string, op: () => Promise<T>, retryable: (err: unknown) => string | null = retryReason): Promise<T> {
  const started = Date.now();
  const random = policy?.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      const reason = policy ? retryable(err) : null;
      if (!policy || !reason || attempt >= policy.attempts) throw err;
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(ceiling / 2 + random() * (ceiling / 2));
      if (Date.now() - started + delayMs > policy.budgetMs) throw err;
      policy.logger?.warn(`retrying ${what}`, { reason, attempt, of: policy.attempts, delayMs });
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/**
 * One owner of BEGIN / COMMIT / ROLLBACK / release (STYLE.md, pg-boss). When the pool carries a retry
 * policy, a transaction that failed without committing (deadlock, serialization failure, a connection
 * lost before COMMIT) runs again from the start on a fresh connection: `fn` must touch nothing but `tx`.
 */
export async function withTransaction<T>(pool: PoolLike, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return withRetries(retryPolicyOf(pool), 'transaction', () => transactionOnce(pool, fn));
}

async function transactionOnce<T>(pool: PoolLike, fn: (tx: Queryable) => Promise<T>): Promise<T> {
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
  await setLocals(tx, { 'parkctl.actor': actor, 'parkctl.reason': reason ?? '' });
}

/**
 * Transaction-local settings the triggers read (actor, reason, the hold clock), as SET LOCAL commands in one
 * round trip. Not set_config(): on Citus the triggers run on the workers, and only SET LOCAL commands reach
 * them (with citus.propagate_set_commands = 'local', which `parkctl db distribute` sets on the database).
 * A literal in standard SQL quoting (standard_conforming_strings, on since PostgreSQL 9.1).
 */
export async function setLocals(tx: Queryable, settings: Record<string, string>): Promise<void> {
  const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;
  await tx.query(Object.entries(settings).map(([k, v]) => `set local ${k} = ${literal(v)}`).join('; '));
}
