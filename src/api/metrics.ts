// /metrics in Prometheus text format (prom-client): requests and latency by route and status,
// reservations made, refusals by code, the database pool. One registry per app, not the global one,
// so several apps in one process (tests) keep their own counts.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ApiDeps } from './deps.js';

export interface ApiMetrics {
  registry: Registry;
  reservations: Counter<'outcome'>;
  refusals: Counter<'route' | 'code'>;
  /** report a group-commit batcher's counts */
  watchGroupCommit(stats: { batches: number; calls: number; setBased: number; fallbacks: number }): void;
}

export function registerMetrics(app: FastifyInstance, deps: ApiDeps): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parkctl_api_' });
  const requests = new Counter({ name: 'parkctl_api_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'parkctl_api_request_duration_seconds', help: 'HTTP request latency by route, method and status', labelNames: ['route', 'method', 'status'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  const reservations = new Counter({ name: 'parkctl_api_reservations_total', help: 'reservations answered by POST /v1/reservations (created or replayed by external ref)', labelNames: ['outcome'], registers: [registry] });
  const refusals = new Counter({ name: 'parkctl_api_refusals_total', help: '4xx answers by route and error code', labelNames: ['route', 'code'], registers: [registry] });
  new Gauge({
    name: 'parkctl_api_db_pool_connections', help: 'database pool connections by state', labelNames: ['state'], registers: [registry],
    collect() {
      this.set({ state: 'total' }, deps.pool.totalCount ?? 0);
      this.set({ state: 'idle' }, deps.pool.idleCount ?? 0);
      this.set({ state: 'waiting' }, deps.pool.waitingCount ?? 0);
    },
  });
  app.addHook('onResponse', async (req, reply) => {
    const labels = { route: req.routeOptions.url ?? 'unknown', method: req.method, status: String(reply.statusCode) };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { config: { public: true, rateLimit: false }, schema: { hide: true } }, async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  const watchGroupCommit = (stats: { batches: number; calls: number; setBased: number; fallbacks: number }) => {
    new Gauge({
      name: 'parkctl_api_group_commit', help: 'group commit since start: statements sent (batches), reservations carried (calls), those the batch booked set-based (set_based), batches that went one booking at a time after an error (fallbacks)', labelNames: ['what'], registers: [registry],
      collect() {
        this.set({ what: 'batches' }, stats.batches);
        this.set({ what: 'calls' }, stats.calls);
        this.set({ what: 'set_based' }, stats.setBased);
        this.set({ what: 'fallbacks' }, stats.fallbacks);
      },
    });
  };
  return { registry, reservations, refusals, watchGroupCommit };
}
