// One error vocabulary for every command (STYLE.md): an expected error carries a message and a
// next step; an external failure names the service; anything else is a bug and shows its stack.

/** Exit codes. Cron and scripts branch on these. */
export const ExitCode = {
  ok: 0,
  /** expected failure that is neither bad input nor a refusal */
  failure: 1,
  /** bad input: fix the command line or the file */
  usage: 2,
  /** well-formed, but the lot says no: no spot free, hold expired, already inside */
  refused: 3,
  /** the thing named does not exist: unknown reservation, unknown lot in a lookup */
  notFound: 4,
  /** a service parkctl depends on failed (database, Stripe, broker) */
  unavailable: 69,
  /** a bug in parkctl */
  bug: 70,
} as const;

export class UserError extends Error {
  readonly exitCode: number = ExitCode.failure;
  readonly code: string;
  readonly hint: string | undefined;
  constructor(message: string, opts: { hint?: string; code?: string } = {}) {
    super(message);
    this.name = new.target.name;
    this.hint = opts.hint;
    this.code = opts.code ?? 'failed';
  }
}

/** Bad input: bad dates, unknown lot or type, malformed plate, window over the maximum. */
export class UsageError extends UserError {
  override readonly exitCode = ExitCode.usage;
  constructor(message: string, opts: { hint?: string; code?: string } = {}) {
    super(message, { code: 'bad_input', ...opts });
  }
}

/** The request is valid but the lot refuses it: no spot free, hold expired, already inside. */
export class RefusedError extends UserError {
  override readonly exitCode = ExitCode.refused;
  constructor(message: string, opts: { hint?: string; code?: string } = {}) {
    super(message, { code: 'refused', ...opts });
  }
}

export class NotFoundError extends UserError {
  override readonly exitCode = ExitCode.notFound;
  constructor(message: string, opts: { hint?: string; code?: string } = {}) {
    super(message, { code: 'not_found', ...opts });
  }
}

/**
 * A service failed. `service` names it: "PostgreSQL", "Stripe", "MQTT broker". `outcome`, when known,
 * says what became of the command's writes: not applied, applied, or unknown (a lost answer).
 */
export class ExternalError extends Error {
  readonly exitCode = ExitCode.unavailable;
  readonly service: string;
  readonly hint: string | undefined;
  readonly outcome: 'not_applied' | 'applied' | 'unknown' | undefined;
  constructor(service: string, message: string, opts: { hint?: string; cause?: unknown; outcome?: 'not_applied' | 'applied' | 'unknown' } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'ExternalError';
    this.service = service;
    this.hint = opts.hint;
    this.outcome = opts.outcome;
  }
}

/** "no such file" rather than ENOENT. */
export function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a folder', ENOTDIR: 'a part of the path is not a folder' };
  return (code && words[code]) ?? String((err as Error).message ?? err);
}
