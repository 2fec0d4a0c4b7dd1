// Keys and lots kept in memory by the API (src/api/config-cache.ts, migrations/0027): used while the
// process listens on parkctl_api_config, dropped on any change of keys, lots, prices or spots (so a
// revoked key is refused and a changed lot is read again), and not used while the listener is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.js';
import { ApiConfigCache, apiConfigChannel } from '../src/api/config-cache.js';
import type { LotChangeFeed } from '../src/core/dashboard/live.js';
import { revokeApiKey } from '../src/core/api-keys.js';
import { PgLotChangeFeed } from '../src/drivers/pg-listener.js';
import { call, startApiHarness, type ApiHarness } from './support/api.js';

let h: ApiHarness;
const at = (hoursFromT0: number) => new Date(Date.UTC(2031, 2, 3, 8) + hoursFromT0 * 3_600_000).toISOString();

async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  h = await startApiHarness({
    lot: { code: 'CACHE', spots: 4 },
    deps: (db) => ({ configFeed: () => new PgLotChangeFeed(db.url, { initialBackoffMs: 50, applicationName: 'parkctl-api-test-config', channel: apiConfigChannel }), availabilityCacheMs: 60_000 }),
  });
});
afterAll(() => h.close());

const cache = () => (h.deps as { configCache?: unknown }).configCache;

describe('the API\'s cache of keys and lots', () => {
  it('serves keys and lots from memory while listening, and drops them when a key is revoked', async () => {
    const secret = await h.key('partner', [], 'cached-partner');
    const stats = () => (h.app as unknown as { parkctlConfigCache: { stats: { hits: number; clears: number } } }).parkctlConfigCache.stats;
    await until('the listener', async () => (await call(h, 'GET', '/v1/lots/CACHE/status', { key: secret })).status === 200 && stats().hits > 0);
    const hits = stats().hits;
    expect((await call(h, 'GET', '/v1/lots/CACHE/status', { key: secret })).status).toBe(200);
    expect(stats().hits).toBeGreaterThanOrEqual(hits + 2); // the key and the lot
    const clears = stats().clears;
    await revokeApiKey(h.db.pool, h.clock, 'cached-partner');
    await until('the revocation notice', () => stats().clears > clears);
    const after = await call(h, 'GET', '/v1/lots/CACHE/status', { key: secret });
    expect(after.status).toBe(401);
    expect(cache()).toBeUndefined(); // the harness's own deps are untouched: buildApi made its own
  });

  it('a changed lot is read again: the hold minutes of a new reservation follow an update at once', async () => {
    const operator = await h.key('operator');
    const stats = () => (h.app as unknown as { parkctlConfigCache: { stats: { clears: number } } }).parkctlConfigCache.stats;
    const first = await call(h, 'POST', '/v1/reservations', { key: operator, body: { lot: 'CACHE', type: 'regular', from: at(30), to: at(31), plate: 'HOLD1' } });
    expect(first.status).toBe(201);
    const clears = stats().clears;
    await h.db.pool.query(`update lots set hold_minutes = hold_minutes + 7 where code = 'CACHE'`);
    await until('the lot change notice', () => stats().clears > clears);
    const second = await call(h, 'POST', '/v1/reservations', { key: operator, body: { lot: 'CACHE', type: 'regular', from: at(32), to: at(33), plate: 'HOLD2' } });
    expect(second.status).toBe(201);
    const holdOf = (r: { body: { holdExpiresAt: string } }) => new Date(r.body.holdExpiresAt).getTime();
    expect(holdOf(second) - holdOf(first)).toBe(7 * 60_000);
  });

  it('availability answers are shared until the lot changes: a booking from anywhere makes the next read count again', async () => {
    const operator = await h.key('operator');
    const stats = () => (h.app as unknown as { parkctlAvailabilityCache: { stats: { hits: number; misses: number } } }).parkctlAvailabilityCache.stats;
    const path = `/v1/lots/CACHE/availability?type=regular&from=${at(50)}&to=${at(52)}`;
    // the first answers may come before the LISTEN connection is up (then each counts afresh)
    await until('a reused answer', async () => {
      const hits = stats().hits;
      expect((await call(h, 'GET', path, { key: operator })).status).toBe(200);
      return stats().hits > hits;
    });
    const before = await call(h, 'GET', path, { key: operator });
    expect(before.body.free).toBe(4);
    // identical reads at once: one count between them
    const misses = stats().misses;
    const together = await Promise.all(Array.from({ length: 8 }, () => call(h, 'GET', path, { key: operator })));
    expect(together.map((a) => a.body.free)).toEqual(Array(8).fill(4));
    expect(stats().misses).toBe(misses);
    // a booking written straight to the database (as another process would): its notice drops the answer
    const { rows: [spot] } = await h.db.pool.query<{ spot_id: number }>(`select min(spot_id)::int as spot_id from spots where lot_id = $1`, [h.lot.lotId]);
    await h.db.pool.query(
      `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
       values ($1, 'c', 'ELSEWHERE', 'regular', $2, tstzrange($3::timestamptz, $4::timestamptz, '[)'), 'CONFIRMED', 0, 'GBP', now(), now())`,
      [h.lot.lotId, spot!.spot_id, at(50), at(51)]);
    await h.db.pool.query(`select pg_notify('parkctl_events', $1::text)`, [String(h.lot.lotId)]);
    await until('the change to be seen', async () => (await call(h, 'GET', path, { key: operator })).body.free === 3);
  });

  it('a reused availability answer is, byte for byte and with the same content type, the one counted afresh', async () => {
    const operator = await h.key('operator');
    const stats = () => (h.app as unknown as { parkctlAvailabilityCache: { stats: { hits: number } } }).parkctlAvailabilityCache.stats;
    const path = `/v1/lots/CACHE/availability?type=regular&from=${at(60)}&to=${at(63)}`;
    const raw = async () => {
      const res = await fetch(h.url + path, { headers: { authorization: `Bearer ${operator}` } });
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    };
    await until('a reused answer', async () => {
      const hits = stats().hits;
      expect((await raw()).status).toBe(200);
      return stats().hits > hits;
    });
    const hits = stats().hits;
    const reused = await raw();
    expect(stats().hits).toBe(hits + 1);
    // the same app without the availability cache: the answer object through the route's serializer
    const { app: plain } = await buildApi({ ...h.deps, configFeed: undefined, configCache: undefined, availabilityCacheMs: 0 });
    try {
      const fresh = await plain.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${operator}` } });
      expect(fresh.statusCode).toBe(200);
      expect(reused.type).toBe(fresh.headers['content-type']);
      expect(reused.text).toBe(fresh.body);
      expect(JSON.parse(reused.text)).toMatchObject({ lotCode: 'CACHE', free: 4, quote: { segments: expect.any(Array) } });
    } finally {
      await plain.close();
    }
  });

  it('while the listener is down nothing is served from memory: a key revoked meanwhile is refused', async () => {
    // a feed this test drives: up, then lost (no notice can arrive while it is down)
    let handlers: Parameters<LotChangeFeed['start']>[0] | null = null;
    const fake: LotChangeFeed = { start: (hs) => { handlers = hs; }, stop: async () => {} };
    const c = new ApiConfigCache(h.db.pool, fake);
    const secret = await h.key('partner', [], 'down-partner');
    handlers!.onConnection(true);
    expect(await c.key(secret)).not.toBeNull();
    expect((await c.key(secret))?.name).toBe('down-partner');
    expect(c.stats.hits).toBe(1);
    handlers!.onConnection(false);
    await h.db.pool.query(`update api_keys set revoked_at = now() where name = 'down-partner'`);
    expect(await c.key(secret)).toBeNull();
    expect(c.stats.hits).toBe(1);
    // back up: read afresh, still refused
    handlers!.onConnection(true);
    expect(await c.key(secret)).toBeNull();
    await c.stop();
  });
});
