// One error object for the API, the CLI's `{"error": {"code", "message", "hint"}}`, with the status that
// says what went wrong: 400 malformed, 401 no/unknown key, 403 not this key's, 404 unknown, 409 refused
// or a conflict, 413 too big, 422 well-formed but not acceptable, 429 slow down, 503 a service is down.
import { ExternalError, NotFoundError, RefusedError, UserError } from '../core/errors.js';
import { describeConnectionError } from '../drivers/postgres.js';

export interface ApiErrorBody {
  error: { code: string; message: string; hint?: string };
}

/** An error the API raises itself, with its status. */
export class ApiError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string, readonly hint?: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Seconds a client should wait before retrying when a service behind us is down. */
export const retryAfterUnavailableSeconds = 5;

/** UserError codes that name something missing rather than something wrong. */
const notFoundCodes = new Set(['unknown_lot', 'unknown_reservation', 'unknown_visit', 'unknown_api_key']);

export interface MappedError {
  status: number;
  body: ApiErrorBody;
  headers: Record<string, string>;
  /** a bug: log its stack */
  bug: boolean;
}

function body(code: string, message: string, hint?: string): ApiErrorBody {
  return { error: { code, message, ...(hint ? { hint } : {}) } };
}

export function mapError(err: unknown): MappedError {
  if (err instanceof ApiError) return { status: err.statusCode, body: body(err.code, err.message, err.hint), headers: err.headers, bug: false };
  const fastifyErr = err as { statusCode?: number; code?: string; validation?: unknown; message?: string; validationContext?: string };
  if (fastifyErr?.validation) {
    return { status: 400, body: body('bad_request', fastifyErr.message ?? 'bad request', 'see /v1/openapi.json for what this route takes'), headers: {}, bug: false };
  }
  if (err instanceof NotFoundError || (err instanceof UserError && notFoundCodes.has(err.code))) {
    return { status: 404, body: body(err.code, err.message, err.hint), headers: {}, bug: false };
  }
  if (err instanceof RefusedError) return { status: 409, body: body(err.code, err.message, err.hint), headers: {}, bug: false };
  if (err instanceof UserError) return { status: 422, body: body(err.code, err.message, err.hint), headers: {}, bug: false };
  const external = err instanceof ExternalError ? err : describeConnectionError(err, '');
  if (external instanceof ExternalError) {
    // the message names the service, never a URL with a password (describeConnectionError hides it)
    return {
      status: 503, body: body('unavailable', `${external.service} is unavailable`, 'try again shortly'),
      headers: { 'retry-after': String(retryAfterUnavailableSeconds) }, bug: false,
    };
  }
  const pgCode = typeof fastifyErr?.code === 'string' && /^[0-9A-Z]{5}$/.test(fastifyErr.code) ? fastifyErr.code : null;
  // input PostgreSQL would not take (a date out of range, a number too big): the request's fault, never a 500
  if (pgCode?.startsWith('22')) return { status: 422, body: body('bad_input', 'a value in the request is out of range', 'check the times and numbers sent'), headers: {}, bug: false };
  // a race with another writer (exclusion, unique, serialization, deadlock) that core did not turn into a refusal
  if (pgCode === '40001' || pgCode === '40P01' || pgCode === '23P01' || pgCode === '23505') {
    return { status: 409, body: body('conflict', 'a concurrent change got in the way', 'send the request again'), headers: { 'retry-after': '1' }, bug: false };
  }
  if (fastifyErr?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, body: body('body_too_large', 'the request body is too large'), headers: {}, bug: false };
  if (fastifyErr?.statusCode === 429) return { status: 429, body: body('rate_limited', fastifyErr.message ?? 'too many requests', 'wait for Retry-After seconds'), headers: {}, bug: false };
  if (typeof fastifyErr?.statusCode === 'number' && fastifyErr.statusCode >= 400 && fastifyErr.statusCode < 500) {
    // Fastify's own: a body that is not JSON, a media type the route does not take, ...
    const code = fastifyErr.statusCode === 415 ? 'unsupported_media_type' : 'bad_request';
    return { status: fastifyErr.statusCode === 415 ? 415 : 400, body: body(code, fastifyErr.message ?? 'bad request'), headers: {}, bug: false };
  }
  return { status: 500, body: body('bug', 'internal error', 'this is a bug in parkctl: please report it'), headers: {}, bug: true };
}
