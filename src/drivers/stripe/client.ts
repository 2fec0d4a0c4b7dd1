// Builds the Stripe SDK client. The API base is configurable (STRIPE_API_BASE, read by src/config.ts)
// so tests and stripe-mock can stand in for api.stripe.com; the SDK takes it as host/port/protocol.
import Stripe from 'stripe';
import { UsageError } from '../../core/errors.js';

export interface StripeClientOptions {
  /** secret key, `sk_live_...` / `sk_test_...` (or a restricted `rk_...` key) */
  apiKey: string;
  /** e.g. `http://127.0.0.1:12111`; default https://api.stripe.com */
  apiBase?: string;
  /** ms per request attempt */
  timeoutMs: number;
  /**
   * Retries on connection errors, 409 and 5xx, with backoff (SDK default 2). Safe: every POST we send
   * carries our own idempotency key, so a retry replays instead of charging twice.
   */
  maxNetworkRetries?: number;
}

export interface ApiBaseParts {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

/** Split `http://127.0.0.1:12111` into the parts the SDK constructor takes. */
export function parseApiBase(apiBase: string): ApiBaseParts {
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new UsageError(`Stripe API base "${apiBase}" is not a URL`, {
      hint: 'set STRIPE_API_BASE to e.g. http://127.0.0.1:12111, or unset it for api.stripe.com',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`Stripe API base "${apiBase}" must be http:// or https://`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new UsageError(`Stripe API base "${apiBase}" must not have a path (the SDK adds /v1)`);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const port = url.port ? Number(url.port) : protocol === 'http' ? 80 : 443;
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, protocol };
}

export function createStripeClient(options: StripeClientOptions): Stripe {
  if (!options.apiKey) {
    throw new UsageError('Stripe needs a secret API key', { hint: 'set STRIPE_SECRET_KEY, or use the cash provider' });
  }
  const base = options.apiBase ? parseApiBase(options.apiBase) : undefined;
  return new Stripe(options.apiKey, {
    timeout: options.timeoutMs,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    telemetry: false,
    appInfo: { name: 'parkctl' },
    ...(base ? { host: base.host, port: base.port, protocol: base.protocol } : {}),
  });
}
