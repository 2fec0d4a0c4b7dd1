// Who is asking: the API key (Authorization: Bearer pk_...), checked on every route that is not public,
// and what it may touch. 401: no key, or one that is unknown or revoked. 403: a real key that may not do
// this (its scope, its lots, another customer's booking). Secrets are never logged or kept.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { keyCoversLot, type ApiKeyRow, type ApiScope } from '../core/api-keys.js';
import { apiKey } from './config-cache.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';

/** Per-route access, in the route's `config`. */
export interface RouteAccess {
  /** no key needed (health, metrics, the OpenAPI document, the signed Stripe webhook) */
  public?: boolean;
  /** scopes allowed; default: operator only */
  scopes?: readonly ApiScope[];
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKeyRow | null;
  }
  interface FastifyContextConfig {
    public?: boolean;
    scopes?: readonly ApiScope[];
  }
}

/** The header a customer-scoped key's app names its customer in. */
export const customerHeader = 'parkctl-customer';

const everyone: readonly ApiScope[] = ['customer', 'partner', 'operator'];
export const scopes = {
  everyone,
  partners: ['partner', 'operator'] as readonly ApiScope[],
  operators: ['operator'] as readonly ApiScope[],
};

export function registerAccess(app: FastifyInstance, deps: ApiDeps): void {
  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config;
    if (!req.routeOptions.url || config.public) return; // not found, or public
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) {
      throw new ApiError(401, 'unauthorized', 'this route needs an API key: Authorization: Bearer pk_...', 'an operator makes one with: parkctl api key create', { 'www-authenticate': 'Bearer realm="parkctl"' });
    }
    const key = await apiKey(deps, m[1]!);
    if (!key) {
      throw new ApiError(401, 'unauthorized', 'unknown or revoked API key', 'check the key, or ask for a new one', { 'www-authenticate': 'Bearer realm="parkctl", error="invalid_token"' });
    }
    const allowed = config.scopes ?? scopes.operators;
    if (!allowed.includes(key.scope)) {
      throw new ApiError(403, 'forbidden', `a ${key.scope} key cannot use ${req.method} ${req.routeOptions.url}`, `this needs a ${allowed.join(' or ')} key`);
    }
    req.apiKey = key;
  });
}

/** The key of an authenticated route (set by the onRequest hook). */
export function keyOf(req: FastifyRequest): ApiKeyRow {
  if (!req.apiKey) throw new ApiError(401, 'unauthorized', 'this route needs an API key');
  return req.apiKey;
}

/** 403 unless the key covers this lot. */
export function checkLot(req: FastifyRequest, lotCode: string): void {
  const key = keyOf(req);
  if (!keyCoversLot(key, lotCode)) throw new ApiError(403, 'lot_forbidden', `this key may not act on lot ${lotCode.toUpperCase()}`, `it covers ${key.lot_codes.join(', ')}`);
}

/** The customer a customer key acts for (its app's Parkctl-Customer header); null for partner and operator keys. */
export function actingCustomer(req: FastifyRequest): string | null {
  const key = keyOf(req);
  if (key.scope !== 'customer') return null;
  const raw = req.headers[customerHeader];
  const ref = typeof raw === 'string' ? raw.trim() : '';
  if (!ref || ref.length > 200) throw new ApiError(400, 'customer_required', `a customer key must name its customer in the ${customerHeader} header`, `e.g. ${customerHeader}: cust_123`);
  return ref;
}

/** Who the audit trail names for this request. */
export function actorOf(req: FastifyRequest): string {
  const key = keyOf(req);
  const customer = key.scope === 'customer' ? actingCustomer(req) : null;
  return `api:${key.name}${customer ? `:${customer}` : ''}`;
}

/** 403 unless a customer key's customer owns this booking (partner and operator keys see every booking of their lots). */
export function checkBooking(req: FastifyRequest, booking: { customer_ref: string; lot_code: string }): void {
  checkLot(req, booking.lot_code);
  const customer = actingCustomer(req);
  if (customer !== null && booking.customer_ref !== customer) {
    throw new ApiError(403, 'forbidden', 'this booking belongs to another customer', `a customer key sees only bookings of the customer in ${customerHeader}`);
  }
}
