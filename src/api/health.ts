// /healthz: the process answers. /readyz: the database answers and has every migration this build needs
// (a proxy takes a process out of rotation on 503).
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import { ApiError, retryAfterUnavailableSeconds } from './errors.js';

const okSchema = { type: 'object', properties: { status: { type: 'string' } } } as const;

export function registerHealthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/healthz', { config: { public: true, rateLimit: false }, schema: { summary: 'The process is up', tags: ['health'], response: { 200: okSchema } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    config: { public: true, rateLimit: false },
    schema: { summary: 'The database is reachable and migrated', tags: ['health'], response: { 200: okSchema, 503: { $ref: 'Error#' } } },
  }, async () => {
    let pending: number;
    try {
      await deps.pool.query('select 1');
      pending = await deps.pendingMigrations();
    } catch (err) {
      deps.logger.warn('not ready: database unreachable', { error: err instanceof Error ? err.message : String(err) });
      throw new ApiError(503, 'unavailable', 'PostgreSQL is unreachable', 'try again shortly', { 'retry-after': String(retryAfterUnavailableSeconds) });
    }
    if (pending > 0) throw new ApiError(503, 'migrations_pending', `the database needs ${pending} migration(s)`, 'run: parkctl db migrate', { 'retry-after': '30' });
    return { status: 'ready' };
  });
}
