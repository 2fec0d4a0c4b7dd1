// PostgreSQL for parkctl: a pg.Pool whose clients know, when their connection fails, what that means
// for the command's writes (issue 21): whether the statement had left, whether a transaction was
// open, whether COMMIT was waiting for its answer. The pool retries what is safe (src/core/db.ts).
/* eslint-disable @typescript-eslint/no-explicit-any -- the overrides below pass pg's overloaded query/connect arguments through untouched */
import './pg-stream.js';
import pg from 'pg';
import { defaultRetryPolicy, isConnectionLost, retryReason, withRetries, type ConnectionLoss, type LossPhase, type RetryPolicy, type WriteOutcome } from '../core/db.js';
import { ExternalError } from '../core/errors.js';
import type { Logger } from '../core/ports.js';

// int8 columns hold minor units and counts well inside 2^53: read them as numbers, not strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// `date` stays a 'YYYY-MM-DD' string: a calendar day has no time zone to shift it.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type Pool = pg.Pool & { readonly retryPolicy: RetryPolicy | null; readonly ledger: WriteLedger };

/** What this process has written so far, as far as PostgreSQL has told it. */
export interface WriteLedger {
  /** a write was acknowledged: a COMMIT of a writing transaction or a writing statement outside one */
  applied: boolean;
  /** a write's answer was lost: it may or may not have taken effect */
  unknown: boolean;
}

type StatementKind = 'begin' | 'commit' | 'rollback' | 'write' | 'read';

/** Enough to know a transaction's edges and whether a statement can change data (conservative: unsure is a write). */
export function statementKind(text: string): StatementKind {
  if (/^\s*(begin|start\s+transaction)\b/i.test(text)) return 'begin';
  if (/^\s*(commit|end)\s*;?\s*$/i.test(text)) return 'commit';
  if (/^\s*(rollback|abort)\s*;?\s*$/i.test(text)) return 'rollback';
  const body = text.replace(/\bfor\s+(no\s+key\s+)?update\b|\bfor\s+(key\s+)?share\b/gi, '');
  if (!/^\s*(select|with|show|values|savepoint|release|rollback\s+to|set|listen|unlisten)\b/i.test(body)) return 'write';
  if (/\b(insert|update|delete|merge|truncate|copy|call)\b/i.test(body) || /\bparkctl_\w+\s*\(/i.test(body) || /\bnextval\s*\(/i.test(body)) return 'write';
  return 'read';
}

/** What the command's writes came to, given this failure and what was acknowledged before it. */
function outcomeAfter(ledger: WriteLedger, mayHaveApplied: boolean): WriteOutcome {
  if (mayHaveApplied || ledger.unknown) return 'unknown';
  return ledger.applied ? 'applied' : 'not_applied';
}

/** Puts a ConnectionLoss on a lost-connection error (once: the first, lowest layer knows best). */
export function stampLoss(err: unknown, ledger: WriteLedger, phase: LossPhase, mayHaveApplied: boolean): unknown {
  if (!isConnectionLost(err) || (err as { connectionLoss?: unknown }).connectionLoss) return err;
  if (mayHaveApplied) ledger.unknown = true;
  const loss: ConnectionLoss = { phase, mayHaveApplied, outcome: outcomeAfter(ledger, mayHaveApplied) };
  Object.defineProperty(err, 'connectionLoss', { value: loss, enumerable: false, configurable: true });
  return err;
}

interface TrackedConfig extends pg.ClientConfig {
  ledger?: WriteLedger;
}

/** A pg.Client that follows its transaction and stamps lost-connection errors. */
class TrackedClient extends pg.Client {
  private readonly ledger: WriteLedger;
  private inTransaction = false;
  private transactionWrote = false;

  constructor(config: TrackedConfig) {
    super(config);
    this.ledger = config.ledger ?? { applied: false, unknown: false };
    // A client lent out (inside a transaction, between statements) has no pool listener: a dropped
    // connection would be an uncaught 'error' and kill the process with a stack. Its next query
    // reports the loss instead (stamped 'not_sent'), and the pool discards it on release.
    this.on('error', () => {});
  }

  override connect(callback?: any): any {
    if (typeof callback === 'function') {
      return (super.connect as any)((err: Error | null, c?: unknown) => (callback as (e: Error | null, c?: unknown) => void)(err ? stampLoss(err, this.ledger, 'connect', false) as Error : err, c));
    }
    return super.connect().catch((err: unknown) => { throw stampLoss(err, this.ledger, 'connect', false); });
  }

  override query(...args: any[]): any {
    const config = args[0] as string | { text?: string; submit?: unknown } | undefined;
    if (config && typeof config === 'object' && typeof config.submit === 'function') return (super.query as any)(...args);
    const text = typeof config === 'string' ? config : config?.text ?? '';
    const kind = statementKind(text);
    const internals = this as unknown as { _queryable: boolean; _ending: boolean };
    const leaves = internals._queryable && !internals._ending;
    const wasInTransaction = this.inTransaction;
    if (kind === 'begin') { this.inTransaction = true; this.transactionWrote = false; }
    if (kind === 'write' && this.inTransaction) this.transactionWrote = true;
    const wrote = this.transactionWrote;
    if (kind === 'commit' || kind === 'rollback') this.inTransaction = false;

    const failed = (err: unknown): unknown => {
      if (!leaves) return stampLoss(err, this.ledger, 'not_sent', false);
      if (kind === 'commit') return stampLoss(err, this.ledger, 'commit', wrote);
      if (wasInTransaction || kind === 'begin') return stampLoss(err, this.ledger, 'in_transaction', false);
      return stampLoss(err, this.ledger, 'statement', kind === 'write');
    };
    const succeeded = (): void => {
      if ((kind === 'commit' && wrote) || (kind === 'write' && !wasInTransaction)) this.ledger.applied = true;
    };
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      const callback = last as (err: Error | null, res?: unknown) => void;
      args[args.length - 1] = (err: Error | null, res?: unknown) => {
        if (err) callback(failed(err) as Error, res);
        else { succeeded(); callback(err, res); }
      };
      return (super.query as any)(...args);
    }
    return ((super.query as any)(...args) as Promise<unknown>).then(
      (res) => { succeeded(); return res; },
      (err: unknown) => { throw failed(err); },
    );
  }
}

/** pg.Pool with the tracked client, a write ledger, and retries of what never took effect. */
class ParkctlPool extends pg.Pool {
  readonly ledger: WriteLedger;
  readonly retryPolicy: RetryPolicy | null;

  constructor(config: pg.PoolConfig & { ledger: WriteLedger }, retryPolicy: RetryPolicy | null) {
    super({ ...config, Client: TrackedClient as unknown as typeof pg.Client });
    this.ledger = config.ledger;
    this.retryPolicy = retryPolicy;
  }

  override connect(callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: any) => void) => void): any {
    if (callback) return super.connect((err, client, done) => callback(err ? stampLoss(err, this.ledger, 'connect', false) as Error : err, client, done));
    return super.connect().catch((err: unknown) => { throw stampLoss(err, this.ledger, 'connect', false); });
  }

  /**
   * A statement outside a transaction: retried when it cannot have taken effect (it never left, or it
   * only read), and after a lost answer when it carries its own idempotency key (NamedQuery.idempotent).
   */
  override query(...args: any[]): any {
    if (typeof args[args.length - 1] === 'function' || (args[0] && typeof args[0].submit === 'function')) return (super.query as any)(...args);
    const idempotent = Boolean(args[0] && typeof args[0] === 'object' && args[0].idempotent === true);
    const unknownBefore = this.ledger.unknown;
    const retryable = (err: unknown) => retryReason(err)
      ?? (idempotent && isConnectionLost(err) ? `lost answer to a keyed statement (${(err as Error).message}): the same key lands once` : null);
    return withRetries(this.retryPolicy, 'statement', () => (super.query as any)(...args) as Promise<unknown>, retryable).then((res: unknown) => {
      // a keyed statement that answered settles what its lost first answer left unknown
      if (idempotent) this.ledger.unknown = unknownBefore;
      return res;
    });
  }
}

export interface CreatePoolOptions {
  max?: number;
  applicationName?: string;
  /** ms to open a connection (default: the URL's connect_timeout, as libpq reads it, else 5 s) */
  connectTimeoutMs?: number;
  /** ms a statement may take before the client gives up on it (default: no limit) */
  queryTimeoutMs?: number;
  /** retry what never took effect (the CLI and daemons); off by default so tests see every failure */
  retry?: boolean | Partial<RetryPolicy>;
  logger?: Logger | undefined;
}

export function createPool(url: string, opts: CreatePoolOptions = {}): Pool {
  const retry = opts.retry ? { ...defaultRetryPolicy, ...(opts.retry === true ? {} : opts.retry), logger: opts.logger } : null;
  const pool = new ParkctlPool({
    connectionString: url,
    max: opts.max ?? 4,
    application_name: opts.applicationName ?? 'parkctl',
    connectionTimeoutMillis: opts.connectTimeoutMs ?? urlConnectTimeoutMs(url) ?? 5_000,
    ...(opts.queryTimeoutMs ? { query_timeout: opts.queryTimeoutMs } : {}),
    ledger: { applied: false, unknown: false },
  }, retry);
  // An idle client losing its server must not crash the process: the next query reports it.
  pool.on('error', () => {});
  return pool as unknown as Pool;
}

/**
 * The URL's `connect_timeout` (seconds, libpq's parameter) in ms, when it has a positive one: a site whose
 * database answers slowly sets it in DATABASE_URL, as it would for psql. node-postgres ignores it otherwise.
 */
export function urlConnectTimeoutMs(url: string): number | undefined {
  try {
    const seconds = Number(new URL(url).searchParams.get('connect_timeout') ?? NaN);
    return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
  } catch {
    return undefined;
  }
}

const startupCodes = new Set(['3D000', '28P01', '28000']);

function safe(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

/** The words for what a lost connection did to the command's writes. */
export const outcomeWords: Record<WriteOutcome, string> = {
  not_applied: 'nothing was written',
  applied: 'the write was applied before the connection was lost',
  unknown: 'the answer to a write was lost: it may or may not have been applied',
};

/**
 * Turn "the database went away" into an error that names the service and what to check: refused
 * or failed while connecting, and also reset or terminated mid-query or mid-COMMIT (57P01, 57P02,
 * 57P03, 08xxx). The outcome for the command's writes rides along (ExternalError.outcome).
 */
export function describeConnectionError(err: unknown, url: string): unknown {
  if (err instanceof ExternalError) return err;
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const loss = (err as { connectionLoss?: ConnectionLoss } | null)?.connectionLoss ?? null;
  if (code && startupCodes.has(code)) {
    return new ExternalError('PostgreSQL', `cannot connect to ${safe(url)}: ${message}`, {
      hint: 'check DATABASE_URL, or unset it to use the embedded database (parkctl db start)', cause: err,
    });
  }
  // TLS set up one way and the server the other (sslmode=require against a server without SSL, an
  // unknown certificate): a connection that cannot be made, named as such, not a bug.
  if (!/^[0-9A-Z]{5}$/.test(code ?? '') && /SSL|certificate/i.test(message)) {
    return new ExternalError('PostgreSQL', `cannot connect to ${safe(url)}: ${message}`, {
      hint: 'check sslmode in DATABASE_URL against the server\'s TLS settings', cause: err,
    });
  }
  if (!isConnectionLost(err)) return err;
  const connecting = !loss || loss.phase === 'connect' || loss.phase === 'not_sent';
  const outcome: WriteOutcome = loss?.outcome ?? 'not_applied';
  return new ExternalError('PostgreSQL', `${connecting ? 'cannot connect to' : 'lost the connection to'} ${safe(url)}: ${message}`, {
    hint: connecting
      ? 'is PostgreSQL running? check DATABASE_URL, or unset it to use the embedded database (parkctl db start)'
      : 'is PostgreSQL restarting? run the command again once it answers (parkctl db status)',
    cause: err,
    outcome,
  });
}

/**
 * Any lost connection that reached the top: PostgreSQL when the error is one of its own (stamped by
 * this pool, or carrying a SQLSTATE), else the network.
 */
export function describeOutage(err: unknown, url: string | null): unknown {
  const pgShaped = Boolean((err as { connectionLoss?: unknown }).connectionLoss) || /^[0-9A-Z]{5}$/.test(String((err as { code?: unknown }).code ?? ''))
    || /Connection terminated|not queryable|terminating connection|database system|trying to connect/i.test(err instanceof Error ? err.message : '');
  if (pgShaped || !url) return describeConnectionError(err, url ?? 'PostgreSQL');
  return new ExternalError('network', err instanceof Error ? err.message : String(err), { hint: 'a service parkctl needs did not answer: check the network and run the command again', cause: err });
}
