// Idempotency-Key on every POST (Stripe's rule): the same key and body replay the first answer, the
// same key with another body is a 409. Keys are claimed in PostgreSQL before the handler runs, so two
// processes (or two retries racing) cannot both act on one key. Only successes are kept: a request that
// failed wrote nothing, and its key may be used again.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { claimIdempotencyKey, completeIdempotencyKey, pruneIdempotencyKeys, releaseIdempotencyKey } from '../core/sql/api-idempotency.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey: string | null;
  }
}

export const idempotencyHeader = 'idempotency-key';

/** How long a reply is kept for replays, ms (Stripe: 24 hours). */
export const idempotencyKeepMs = 24 * 3_600_000;
/** Each process prunes older replies at most this often, ms (on the first keyed POST after it). */
const pruneEveryMs = 60_000;

function requestHash(req: FastifyRequest): string {
  return createHash('sha256').update(JSON.stringify([req.method, req.url, req.body ?? null])).digest('hex');
}

export function registerIdempotency(app: FastifyInstance, deps: ApiDeps): void {
  app.decorateRequest('idempotencyKey', null);
  let prunedAt = -Infinity;
  app.addHook('preHandler', async (req, reply) => {
    const raw = req.headers[idempotencyHeader];
    if (req.method !== 'POST' || raw === undefined || req.routeOptions.config.public) return;
    const key = typeof raw === 'string' ? raw.trim() : '';
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new ApiError(400, 'bad_idempotency_key', 'Idempotency-Key must be 1 to 255 visible characters', 'e.g. a UUID made per logical request');
    const apiKey = req.apiKey;
    if (!apiKey) return;
    const claim = { keyId: apiKey.key_id, idempotencyKey: key, route: `${req.method} ${req.routeOptions.url}`, requestHash: requestHash(req), now: deps.clock.now() };
    if (performance.now() - prunedAt > pruneEveryMs) {
      prunedAt = performance.now();
      await pruneIdempotencyKeys(deps.pool, new Date(claim.now.getTime() - idempotencyKeepMs));
    }
    let found = await claimIdempotencyKey(deps.pool, claim);
    if (found?.status_code === 0) found = await claimIdempotencyKey(deps.pool, claim); // the first attempt failed and let go meanwhile
    if (!found) {
      req.idempotencyKey = key;
      return;
    }
    if (found.request_hash !== claim.requestHash) {
      throw new ApiError(409, 'idempotency_key_reused', 'this Idempotency-Key was used with another request', 'use a new key for a different request');
    }
    if (found.status_code === null || found.response_body === null) {
      throw new ApiError(409, 'idempotency_in_progress', 'a request with this Idempotency-Key is still running', 'retry in a moment', { 'retry-after': '1' });
    }
    return reply.code(found.status_code).header('idempotent-replayed', 'true').type('application/json; charset=utf-8').send(found.response_body);
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const key = req.idempotencyKey;
    if (!key || !req.apiKey) return payload;
    req.idempotencyKey = null;
    const ids = { keyId: req.apiKey.key_id, idempotencyKey: key };
    if (reply.statusCode < 300 && typeof payload === 'string') {
      await completeIdempotencyKey(deps.pool, { ...ids, statusCode: reply.statusCode, responseBody: payload, now: deps.clock.now() });
    } else {
      await releaseIdempotencyKey(deps.pool, ids);
    }
    return payload;
  });
}
