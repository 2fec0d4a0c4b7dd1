// A payment provider's failure, named: what kind it is decides what parkctl does next. An outage (the
// provider did not answer, 5xx, rate limits) passes and retrying is safe; a configuration error (a bad or
// revoked key, a missing permission, a request the account refuses) stays until someone fixes the
// settings; an answer that was lost (the request may have taken effect) must be retried with the same
// idempotency key before anything else is tried. Exit 69 like every ExternalError.
import { ExternalError } from '../errors.js';

export type ProviderFailureKind = 'configuration' | 'unavailable' | 'answer_lost' | 'idempotency_conflict';

export class PaymentProviderError extends ExternalError {
  readonly kind: ProviderFailureKind;
  /** the provider's HTTP status, when it answered */
  readonly status: number | null;
  /** the provider's error parameter, when it named one (e.g. `expires_at`) */
  readonly param: string | null;
  constructor(service: string, kind: ProviderFailureKind, message: string, opts: { hint?: string; cause?: unknown; status?: number | null; param?: string | null } = {}) {
    super(service, message, opts);
    this.kind = kind;
    this.status = opts.status ?? null;
    this.param = opts.param ?? null;
  }
}

/** What a provider failure means for people, one phrase: "Stripe refused the API key (HTTP 401)". */
export function describeProviderFailure(err: unknown): { kind: ProviderFailureKind; service: string; message: string; hint: string | null } | null {
  if (err instanceof PaymentProviderError) return { kind: err.kind, service: err.service, message: err.message, hint: err.hint ?? null };
  if (err instanceof ExternalError) return { kind: 'unavailable', service: err.service, message: err.message, hint: err.hint ?? null };
  return null;
}
