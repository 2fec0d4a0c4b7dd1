// What keeps the API honest under misuse: Idempotency-Key replays (shared through PostgreSQL), per-key
// rate limits (shared through Redis when there is one), body limits, the database going away (503 with
// Retry-After), health and readiness, /metrics, and the OpenAPI document checked against real answers.
import { Validator } from '@seriousme/openapi-schema-validator';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { createPool } from '../src/drivers/postgres.js';
import { testRedisUrl } from './support/redis.js';
import { call, startApiHarness, type ApiHarness } from './support/api.js';

// Ajv 8 (the top-level ajv is eslint's 6): the one ajv-formats, a dependency of Fastify, brings
const ajvRequire = createRequire(join(import.meta.dirname, '..', 'node_modules', 'ajv-formats', 'package.json'));
const { Ajv2020 } = ajvRequire('ajv/dist/2020') as { Ajv2020: new (o: object) => { addSchema(s: object): void; compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } } };
const addFormats = ajvRequire('ajv-formats') as { default: (ajv: unknown) => void };

let h: ApiHarness;
let operator: string;
const at = (hoursFromT0: number) => new Date(Date.UTC(2031, 2, 3, 8) + hoursFromT0 * 3_600_000).toISOString();
const count = async () => (await h.db.pool.query<{ n: number }>(`select count(*)::int as n from reservations`)).rows[0]!.n;

beforeAll(async () => {
  h = await startApiHarness({ lot: { code: 'LIMS', spots: 5 }, limits: { bodyLimitBytes: 2048 } });
  operator = await h.key('operator');
});
afterAll(() => h.close());

describe('Idempotency-Key', () => {
  it('the same key and body replay the first answer; another body is 409; nothing is booked twice', async () => {
    const body = { lot: 'LIMS', type: 'regular', from: at(2), to: at(3), plate: 'IDEM1' };
    const before = await count();
    const first = await call(h, 'POST', '/v1/reservations', { key: operator, body, headers: { 'idempotency-key': 'k-1' } });
    expect(first.status).toBe(201);
    const replay = await call(h, 'POST', '/v1/reservations', { key: operator, body, headers: { 'idempotency-key': 'k-1' } });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const other = await call(h, 'POST', '/v1/reservations', { key: operator, body: { ...body, plate: 'IDEM2' }, headers: { 'idempotency-key': 'k-1' } });
    expect(other).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_reused' } } });
    expect(await count()).toBe(before + 1);
  });

  it('racing retries with one key book once', async () => {
    const body = { lot: 'LIMS', type: 'regular', from: at(5), to: at(6), plate: 'RACE1' };
    const before = await count();
    const answers = await Promise.all(Array.from({ length: 8 }, () => call(h, 'POST', '/v1/reservations', { key: operator, body, headers: { 'idempotency-key': 'race-1' } })));
    const ok = answers.filter((a) => a.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((a) => a.body.reservationId)).size).toBe(1);
    for (const a of answers.filter((x) => x.status !== 201)) expect(a).toMatchObject({ status: 409, body: { error: { code: 'idempotency_in_progress' } } });
    expect(await count()).toBe(before + 1);
  });

  it('a failed request keeps nothing: its key may be used again', async () => {
    const bad = await call(h, 'POST', '/v1/reservations', { key: operator, body: { lot: 'LIMS', type: 'regular', from: at(9), to: at(8), plate: 'FAIL1' }, headers: { 'idempotency-key': 'k-fail' } });
    expect(bad.status).toBe(422);
    const good = await call(h, 'POST', '/v1/reservations', { key: operator, body: { lot: 'LIMS', type: 'regular', from: at(8), to: at(9), plate: 'FAIL1' }, headers: { 'idempotency-key': 'k-fail' } });
    expect(good.status).toBe(201);
  });

  it('replies are kept 24 hours: older ones are pruned, and their key books anew', async () => {
    const { app } = await buildApi({ ...h.deps });
    const { rows: [k] } = await h.db.pool.query<{ key_id: string }>(`select key_id from api_keys limit 1`);
    await h.db.pool.query(`insert into api_idempotency (key_id, idempotency_key, route, request_hash, status_code, response_body, created_at)
      values ($1, 'ancient', 'POST /v1/reservations', 'x', 201, '{}', $2::timestamptz - interval '25 hours')`, [k!.key_id, h.clock.now()]);
    const res = await app.inject({ method: 'POST', url: '/v1/reservations', headers: { authorization: `Bearer ${operator}`, 'idempotency-key': 'prune-trigger' },
      payload: { lot: 'LIMS', type: 'regular', from: at(15), to: at(16), plate: 'PRUNE1' } });
    expect(res.statusCode).toBe(201);
    expect((await h.db.pool.query(`select count(*)::int as n from api_idempotency where idempotency_key = 'ancient'`)).rows[0]!.n).toBe(0);
    expect((await h.db.pool.query(`select count(*)::int as n from api_idempotency where idempotency_key = 'prune-trigger'`)).rows[0]!.n).toBe(1);
    await app.close();
  });

  it('keys are per API key: another key with the same Idempotency-Key is another request', async () => {
    const other = await h.key('operator');
    const body = { lot: 'LIMS', type: 'regular', from: at(12), to: at(13), plate: 'PERKEY' };
    expect((await call(h, 'POST', '/v1/reservations', { key: operator, body, headers: { 'idempotency-key': 'shared' } })).status).toBe(201);
    expect(await call(h, 'POST', '/v1/reservations', { key: other, body, headers: { 'idempotency-key': 'shared' } })).toMatchObject({ status: 409, body: { error: { code: 'plate_already_booked' } } });
  });
});

describe('limits', () => {
  it('a body over the limit is 413 with the error object', async () => {
    const res = await call(h, 'POST', '/v1/reservations', { key: operator, body: { lot: 'LIMS', plate: 'X'.repeat(5000) } });
    expect(res).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } });
  });

  it('per-key rate limits: 429 with Retry-After for that key only', async () => {
    const small = await startApiHarness({ lot: { code: 'RATE' }, limits: { rateMax: 3, rateWindowMs: 60_000 } });
    try {
      const a = await small.key('operator');
      const b = await small.key('operator');
      for (let i = 0; i < 3; i++) expect((await call(small, 'GET', '/v1/lots', { key: a })).status).toBe(200);
      const limited = await call(small, 'GET', '/v1/lots', { key: a });
      expect(limited).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await call(small, 'GET', '/v1/lots', { key: b })).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('with Redis, two API processes share one key\'s budget', async () => {
    const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: 1 });
    const one = await startApiHarness({ lot: { code: 'RED1' }, limits: { rateMax: 4 }, redis });
    try {
      const second = await buildApi({ ...one.deps });
      const key = await one.key('operator');
      const auth = { authorization: `Bearer ${key}` };
      expect((await call(one, 'GET', '/v1/lots', { key })).status).toBe(200);
      expect((await call(one, 'GET', '/v1/lots', { key })).status).toBe(200);
      expect((await second.app.inject({ method: 'GET', url: '/v1/lots', headers: auth })).statusCode).toBe(200);
      expect((await second.app.inject({ method: 'GET', url: '/v1/lots', headers: auth })).statusCode).toBe(200);
      expect((await call(one, 'GET', '/v1/lots', { key })).status).toBe(429);
      expect((await second.app.inject({ method: 'GET', url: '/v1/lots', headers: auth })).statusCode).toBe(429);
      await second.app.close();
    } finally {
      await one.close();
      redis.disconnect();
    }
  });
});

describe('the database away, health, metrics', () => {
  it('503 with Retry-After when PostgreSQL is unreachable (never a 500); /readyz says so, /healthz still answers', async () => {
    const dead = createPool('postgres://postgres@127.0.0.1:1/none', { max: 1 });
    const { app } = await buildApi({ ...h.deps, pool: dead });
    try {
      const res = await app.inject({ method: 'GET', url: '/v1/lots', headers: { authorization: `Bearer ${operator}` } });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchObject({ error: { code: 'unavailable', message: 'PostgreSQL is unavailable' } });
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await dead.end();
    }
  });

  it('/readyz is 503 while migrations are pending and 200 when current', async () => {
    expect((await call(h, 'GET', '/readyz')).body).toEqual({ status: 'ready' });
    const { app } = await buildApi({ ...h.deps, pendingMigrations: async () => 2 });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'migrations_pending' } });
    await app.close();
  });

  it('/metrics: requests and latency by route and status, reservations, refusals, pool use (Prometheus text)', async () => {
    await call(h, 'GET', '/v1/reservations/00000000-0000-4000-8000-000000000000', { key: operator });
    const res = await fetch(`${h.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/parkctl_api_requests_total\{route="\/v1\/reservations",method="POST",status="201"\} \d+/);
    expect(text).toMatch(/parkctl_api_request_duration_seconds_bucket\{le="0.005",route="\/v1\/reservations"/);
    expect(text).toMatch(/parkctl_api_reservations_total\{outcome="created"\} \d+/);
    expect(text).toMatch(/parkctl_api_refusals_total\{route="\/v1\/reservations\/:id",code="unknown_reservation"\} 1/);
    expect(text).toMatch(/parkctl_api_db_pool_connections\{state="total"\} \d+/);
  });
});

describe('OpenAPI', () => {
  it('/v1/openapi.json is a valid OpenAPI 3.1 document, and real answers match the schemas it gives', async () => {
    const doc = (await call(h, 'GET', '/v1/openapi.json')).body;
    const verdict = await new Validator().validate(doc);
    expect(verdict.errors ?? []).toEqual([]);
    expect(verdict.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/v1/lots', '/v1/lots/{code}/availability', '/v1/reservations', '/v1/reservations/{id}', '/v1/reservations/{id}/complete',
      '/v1/reservations/{id}/cancel', '/v1/reservations/{id}/extend', '/v1/lots/{code}/arrivals', '/v1/lots/{code}/departures', '/v1/visits/{id}',
      '/v1/visits/{id}/payments', '/v1/webhooks/stripe', '/v1/lots/{code}/status', '/v1/lots/{code}/events', '/healthz', '/readyz']) {
      expect(doc.paths[path], path).toBeDefined();
    }

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...doc, $id: 'openapi' });
    const check = (path: string, method: string, status: number, body: unknown) => {
      const pointer = `openapi#/paths/${path.replace(/\//g, '~1')}/${method}/responses/${status}/content/application~1json/schema`;
      const validate = ajv.compile({ $ref: pointer });
      expect(validate(body), `${method} ${path} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
    const created = await call(h, 'POST', '/v1/reservations', { key: operator, body: { lot: 'LIMS', type: 'regular', from: at(20), to: at(21), plate: 'DOC1' } });
    check('/v1/reservations', 'post', 201, created.body);
    check('/v1/reservations/{id}', 'get', 200, (await call(h, 'GET', `/v1/reservations/${created.body.reservationId}`, { key: operator })).body);
    check('/v1/lots', 'get', 200, (await call(h, 'GET', '/v1/lots?near=51,0', { key: operator })).body);
    check('/v1/lots/{code}/availability', 'get', 200, (await call(h, 'GET', `/v1/lots/LIMS/availability?type=regular&from=${at(20)}&to=${at(21)}`, { key: operator })).body);
    check('/v1/lots/{code}/status', 'get', 200, (await call(h, 'GET', '/v1/lots/LIMS/status', { key: operator })).body);
    const refused = await call(h, 'POST', '/v1/reservations', { key: operator, body: { lot: 'LIMS', type: 'regular', from: at(20), to: at(21), plate: 'DOC1' } });
    expect(refused.status).toBe(409);
    check('/v1/reservations', 'post', 409, refused.body);
    check('/v1/reservations', 'post', 401, (await call(h, 'POST', '/v1/reservations', { body: {} })).body);
  });
});
