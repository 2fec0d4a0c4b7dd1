// The HTTP API (DESIGN.md section 1): Fastify, a JSON schema on every route (validation, serialisation
// and the OpenAPI document at /v1/openapi.json come from it), API keys, per-key rate limits (shared
// through Redis when there is one), Idempotency-Key replays in PostgreSQL, and the CLI's error object.
import Fastify, { type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { registerAccess } from './access.js';
import { AvailabilityCache } from './availability-cache.js';
import { ApiConfigCache } from './config-cache.js';
import { defaultApiLimits, type ApiDeps } from './deps.js';
import { mapError } from './errors.js';
import { registerEventRoutes } from './events.js';
import { GroupCommitDb } from './group-commit.js';
import { registerHealthRoutes } from './health.js';
import { registerIdempotency } from './idempotency.js';
import { LotEventHub } from './lot-events.js';
import { registerLotRoutes } from './lots.js';
import { registerMetrics, type ApiMetrics } from './metrics.js';
import { registerReservationRoutes } from './reservations.js';
import { sharedSchemas } from './schemas.js';
import { registerVisitRoutes } from './visits.js';
import { registerWebhookRoutes } from './webhook.js';

export interface ApiApp {
  app: FastifyInstance;
  metrics: ApiMetrics;
  /** null when group commit is off */
  groupCommit: GroupCommitDb | null;
}

export async function buildApi(given: ApiDeps, opts: { trustProxy?: boolean | string; version?: string } = {}): Promise<ApiApp> {
  const configCache = given.configFeed ? new ApiConfigCache(given.pool, given.configFeed()) : given.configCache;
  const deps: ApiDeps = { ...given, configCache };
  const limits = { ...defaultApiLimits, ...deps.limits };
  const app = Fastify({
    logger: false,
    bodyLimit: limits.bodyLimitBytes,
    trustProxy: opts.trustProxy ?? false,
    // unknown fields are an error (400), not silently dropped
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });
  if (configCache && given.configFeed) app.addHook('onClose', () => configCache.stop());
  app.decorate('parkctlConfigCache', configCache ?? null);
  for (const schema of sharedSchemas) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'parkctl API', version: opts.version ?? '1', description: 'Lots, availability, reservations, visits and payments of parkctl. Errors are `{"error": {"code", "message", "hint"}}`.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'a key from `parkctl api key create`' } } },
      security: [{ apiKey: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  registerAccess(app, deps);
  const metrics = registerMetrics(app, deps);
  await app.register(rateLimit, {
    global: true,
    // after the key is known (onRequest): counted per key, per address for the few public routes
    hook: 'preHandler',
    max: limits.rateMax,
    timeWindow: limits.rateWindowMs,
    keyGenerator: (req) => (req.apiKey ? `key:${req.apiKey.key_id}` : `ip:${req.ip}`),
    ...(deps.redis ? { redis: deps.redis as never, nameSpace: 'parkctl-api-rate:', skipOnError: true } : {}),
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, code: 'rate_limited', message: `rate limit reached: ${ctx.max} requests per ${ctx.after}` }),
  });
  registerIdempotency(app, deps);

  app.setErrorHandler(async (err, req, reply) => {
    const mapped = mapError(err);
    if (mapped.bug) deps.logger.error('request failed with a bug', { method: req.method, route: req.routeOptions.url, error: err instanceof Error ? err.stack : String(err) });
    if (mapped.status < 500) metrics.refusals.inc({ route: req.routeOptions.url ?? 'unknown', code: mapped.body.error.code });
    return reply.code(mapped.status).headers(mapped.headers).type('application/json; charset=utf-8').send(mapped.body);
  });
  app.setNotFoundHandler(async (req, reply) => reply.code(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}`, hint: 'see /v1/openapi.json' } }));
  if (deps.logRequests !== false) app.addHook('onResponse', async (req, reply) => {
    // never the Authorization header: the key's name is enough to find the caller
    deps.logger.info('request', { method: req.method, route: req.routeOptions.url ?? req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime), key: req.apiKey?.name ?? null });
  });

  const hub = new LotEventHub(deps.changeFeed);
  if (deps.availabilityCacheMs) {
    const availabilityCache = new AvailabilityCache(hub, deps.availabilityCacheMs);
    deps.availabilityCache = availabilityCache;
    app.addHook('onClose', () => availabilityCache.stop());
  }
  app.decorate('parkctlAvailabilityCache', deps.availabilityCache ?? null);
  registerHealthRoutes(app, deps);
  registerLotRoutes(app, deps);
  const groupCommit = deps.groupCommit ? new GroupCommitDb(deps.pool, deps.groupCommit.maxInFlight, deps.groupCommit.maxBatch) : null;
  if (groupCommit) metrics.watchGroupCommit(groupCommit.stats);
  registerReservationRoutes(app, deps, metrics, groupCommit ?? deps.pool);
  registerVisitRoutes(app, deps);
  registerEventRoutes(app, deps, hub);
  registerWebhookRoutes(app, deps);
  app.get('/v1/openapi.json', { config: { public: true, rateLimit: false }, schema: { hide: true } }, async () => app.swagger());
  return { app, metrics, groupCommit };
}
