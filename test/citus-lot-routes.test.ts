// LotRoutes (issue 18) without a Citus cluster: on plain PostgreSQL no lot has a node (bookings stay on the
// main pool); the driver's bookkeeping (the node believed for a while, an unreachable node sends its lots
// through the main database and is not knocked on again at once) with an injected locator. The cluster
// side (the lot's worker, a wrong worker, shard constraints) is in citus.test.ts.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectLotNode } from '../src/core/citus/lot-node.js';
import { fixedClock } from '../src/core/ports.js';
import { reserve } from '../src/core/reservations/reserve.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { CitusLotRoutes, workerUrl } from '../src/drivers/citus-lot-routes.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

describe('workerUrl', () => {
  it('keeps the user, password, database and parameters; takes the node host and port', () => {
    expect(workerUrl('postgres://app:s%40cret@coord.example:5432/parkctl?sslmode=require&connect_timeout=5', { host: 'worker-1', port: 6432 }))
      .toBe('postgres://app:s%40cret@worker-1:6432/parkctl?sslmode=require&connect_timeout=5');
    expect(workerUrl('postgres://app@coord/parkctl?host=/var/run/postgresql&port=5433', { host: '10.0.0.7', port: 5432 }))
      .toBe('postgres://app@10.0.0.7:5432/parkctl');
    expect(workerUrl('postgres://app@coord:5432/parkctl', { host: 'fd00::7', port: 5432 })).toBe('postgres://app@[fd00::7]:5432/parkctl');
  });
});

describe('CitusLotRoutes', () => {
  let db: TestDatabase;
  let silent: Server;
  let deadPort: number;
  const clock = fixedClock(new Date('2030-06-03T06:00:00Z'));
  const payments = new CashPaymentProvider();
  const window = (h: number) => ({ vehicleType: 'regular' as const, start: new Date(`2030-06-04T${String(h).padStart(2, '0')}:00:00Z`), end: new Date(`2030-06-04T${String(h + 1).padStart(2, '0')}:00:00Z`), customerRef: 'c' });

  beforeAll(async () => {
    db = await createTestDatabase();
    // a port that refuses: a listener closed at once
    silent = createServer();
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    deadPort = (silent.address() as { port: number }).port;
    await new Promise<void>((r) => silent.close(() => r()));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('on plain PostgreSQL a lot has no node: the booking is made on the main database', async () => {
    const lot = await createTestLot(db.pool, { code: 'PLAIN', spots: 2 });
    expect(await selectLotNode(db.pool, lot.lotId)).toBeNull();
    const routes = new CitusLotRoutes(db.pool, { url: db.url, max: 2 });
    try {
      const r = await reserve({ db: db.pool, clock, payments, actor: 'test', lotRoutes: routes }, lot, { ...window(8), plate: 'PLAIN1' });
      expect(r.created).toBe(true);
      expect(routes.counts).toEqual({ routed: 0, unreachable: 0 });
      const { rows } = await db.pool.query(`select plate from reservations where reservation_id = $1`, [r.reservationId]);
      expect(rows).toEqual([{ plate: 'PLAIN1' }]);
    } finally {
      await routes.end();
    }
  });

  it('a node that refuses connections: the booking goes through the main database, and the node is left alone for a while', async () => {
    const lot = await createTestLot(db.pool, { code: 'DEAD', spots: 2 });
    let nowMs = 1_000_000;
    let located = 0;
    const routes = new CitusLotRoutes(db.pool, {
      url: db.url, max: 2, ttlMs: 60_000, downForMs: 30_000, nowMs: () => nowMs,
      locate: async () => { located++; return { host: '127.0.0.1', port: deadPort, groupId: 9 }; },
    });
    try {
      const deps = { db: db.pool, clock, payments, actor: 'test', lotRoutes: routes };
      const first = await reserve(deps, lot, { ...window(8), plate: 'DEAD1' });
      expect(first.created).toBe(true);
      expect(routes.counts).toEqual({ routed: 0, unreachable: 1 });
      // still down 10 s later: no new attempt, no new look-up (the node is believed for ttlMs)
      nowMs += 10_000;
      await reserve(deps, lot, { ...window(10), plate: 'DEAD2' });
      expect(routes.counts).toEqual({ routed: 0, unreachable: 2 });
      expect(located).toBe(1);
      // the overlap is still refused (the main database's constraint): two spots, a third booking for the same hour
      await reserve(deps, lot, { ...window(8), plate: 'DEAD3' });
      await expect(reserve(deps, lot, { ...window(8), plate: 'DEAD4' })).rejects.toMatchObject({ code: 'no_spot_free' });
    } finally {
      await routes.end();
    }
  });

  it('a reachable node gets the call; the node is read again once its time is up', async () => {
    const lot = await createTestLot(db.pool, { code: 'LIVE', spots: 2 });
    const u = new URL(db.url);
    let nowMs = 1_000_000;
    let located = 0;
    const routes = new CitusLotRoutes(db.pool, {
      url: db.url, max: 2, ttlMs: 10_000, nowMs: () => nowMs,
      // the same server under its own name: what a Citus worker is to the coordinator's URL
      locate: async () => { located++; return { host: u.hostname, port: Number(u.port || 5432), groupId: 1 }; },
    });
    try {
      const deps = { db: db.pool, clock, payments, actor: 'test', lotRoutes: routes };
      const booked = await reserve(deps, lot, { ...window(8), plate: 'LIVE1' });
      expect(routes.counts).toEqual({ routed: 1, unreachable: 0 });
      // the same plate again, through the route: the refusal is the same clean one
      await expect(reserve(deps, lot, { ...window(8), plate: 'LIVE1' })).rejects.toMatchObject({ code: 'plate_already_booked' });
      nowMs += 11_000;
      await reserve(deps, lot, { ...window(12), plate: 'LIVE2' });
      expect(located).toBe(2);
      expect(routes.counts.routed).toBe(3);
      const { rows } = await db.pool.query(`select plate, status from reservations where reservation_id = $1`, [booked.reservationId]);
      expect(rows).toEqual([{ plate: 'LIVE1', status: 'TENTATIVE' }]);
    } finally {
      await routes.end();
    }
  });
});
