// No spot given twice on Citus, over random sequences (fast-check commands), when PARKCTL_TEST_CITUS_URL is
// set: bookings on a three-spot lot sent to the lot's worker (LotRoutes) or through the coordinator, each with
// an external ref; answers lost with the route's connections killed on the worker (the booking is asked again
// under its ref, as a client whose answer never came would); the same request asked again after a lost
// answer; cancellations. After every step: the cluster's live bookings are the model's, no two overlap on a
// spot (checked in the model and by the overlap checker), and a refusal ("no spot free") only when every
// spot has a live booking overlapping the window. The route reaches the worker through a fault proxy
// (test/support/fault-proxy.ts), which cuts a booking's connection after its statement reached the worker:
// the client never learns whether it was booked, and asks again under the same ref.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectLotNode } from '../src/core/citus/lot-node.js';
import { isConnectionLost } from '../src/core/db.js';
import { RefusedError } from '../src/core/errors.js';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { fixedClock } from '../src/core/ports.js';
import { cancelReservation } from '../src/core/reservations/lifecycle.js';
import { reserve, type ReserveResult } from '../src/core/reservations/reserve.js';
import { countOverlaps } from '../src/core/sql/reservations.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { CitusLotRoutes, workerUrl } from '../src/drivers/citus-lot-routes.js';
import { createPool } from '../src/drivers/postgres.js';
import { runCli } from './support/cli.js';
import { FaultProxy } from './support/fault-proxy.js';
import { testLotFile } from './support/lots.js';

const citusUrl = process.env.PARKCTL_TEST_CITUS_URL;
const run = randomBytes(3).toString('hex').toUpperCase();
const spots = 3;
const hour = 3_600_000;
const day0 = Date.parse('2031-03-03T00:00:00Z');
const clock = fixedClock(new Date('2031-03-02T06:00:00Z'));
const payments = new CashPaymentProvider();
const routeApp = `parkctl-model-route-${run.toLowerCase()}`;

interface Booking { id: string; spot: string; start: number; end: number; ref: string; live: boolean }
interface Model { bookings: Booking[] }
interface Real { lot: Lot; routes: CitusLotRoutes; worker: pg.Client; proxy: FaultProxy; refs: number; lastKeyed: { ref: string; start: number; end: number; plate: string } | null }

let pool: pg.Pool;
let dir: string;
let lots = 0;

const overlaps = (b: Booking, start: number, end: number) => b.live && b.start < end && start < b.end;

async function reserveKeyed(r: Real, viaWorker: boolean, req: { ref: string; start: number; end: number; plate: string }): Promise<ReserveResult> {
  return reserve({ db: pool, clock, payments, actor: 'model', lotRoutes: viaWorker ? r.routes : undefined }, r.lot, {
    vehicleType: 'regular', start: new Date(req.start), end: new Date(req.end), plate: req.plate, customerRef: 'model', externalRef: req.ref,
  });
}

/** What the model says of an answer: a new booking on a spot free in the model, or the one its ref already made. */
function record(m: Model, req: { ref: string; start: number; end: number }, res: ReserveResult): void {
  const known = m.bookings.find((b) => b.ref === req.ref && b.live);
  if (known) {
    expect(res.reservationId).toBe(known.id);
    expect(res.spotLabel).toBe(known.spot);
    return;
  }
  const clash = m.bookings.find((b) => b.spot === res.spotLabel && overlaps(b, req.start, req.end));
  expect(clash, `spot ${res.spotLabel} given twice`).toBeUndefined();
  m.bookings.push({ id: res.reservationId, spot: res.spotLabel, start: req.start, end: req.end, ref: req.ref, live: true });
}

async function check(m: Model, r: Real): Promise<void> {
  const { rows } = await pool.query<{ reservation_id: string }>(
    `select reservation_id from reservations where lot_id = $1::integer and status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') order by 1`, [r.lot.lotId]);
  expect(rows.map((x) => x.reservation_id)).toEqual(m.bookings.filter((b) => b.live).map((b) => b.id).sort());
  expect(await countOverlaps(pool)).toBe(0);
}

class Reserve implements fc.AsyncCommand<Model, Real> {
  constructor(readonly startHour: number, readonly hours: number, readonly viaWorker: boolean) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const req = { ref: `M${run}-${r.refs++}`, start: day0 + this.startHour * hour, end: day0 + (this.startHour + this.hours) * hour, plate: `MD${r.refs}` };
    r.lastKeyed = req;
    let res: ReserveResult;
    try {
      res = await reserveKeyed(r, this.viaWorker, req);
    } catch (err) {
      if (err instanceof RefusedError) {
        expect(err.code).toBe('no_spot_free');
        const labels = new Set(m.bookings.filter((b) => overlaps(b, req.start, req.end)).map((b) => b.spot));
        expect(labels.size, `refused with ${spots - labels.size} spot(s) free in the model`).toBe(spots);
        return check(m, r);
      }
      if (!isConnectionLost(err)) throw err;
      // a connection killed on the worker under the call: ask again under the same ref
      res = await reserveKeyed(r, false, req);
    }
    record(m, req, res);
    await check(m, r);
  }
  toString = () => `reserve(${this.startHour}h+${this.hours}h, ${this.viaWorker ? 'worker' : 'coordinator'})`;
}

/** The client never saw the answer and asks again with the same request and ref. */
class AskAgain implements fc.AsyncCommand<Model, Real> {
  constructor(readonly viaWorker: boolean) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const req = r.lastKeyed;
    if (!req || !m.bookings.some((b) => b.ref === req.ref && b.live)) return;
    const res = await reserveKeyed(r, this.viaWorker, req);
    expect(res.created).toBe(false);
    record(m, req, res);
    await check(m, r);
  }
  toString = () => `askAgain(${this.viaWorker ? 'worker' : 'coordinator'})`;
}

/** The booking's statement reaches the worker and its connection is cut before the answer comes back. */
class LoseAnswer implements fc.AsyncCommand<Model, Real> {
  constructor(readonly startHour: number, readonly hours: number, readonly askVia: 'worker' | 'coordinator') {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const req = { ref: `M${run}-${r.refs++}`, start: day0 + this.startHour * hour, end: day0 + (this.startHour + this.hours) * hour, plate: `MD${r.refs}` };
    r.lastKeyed = req;
    await r.routes.end(); // a new connection, so the call is parsed ('P') where the proxy counts it
    r.proxy.arm({ point: 'after_query', nth: 1, action: 'reset' });
    const lost = await reserveKeyed(r, true, req).then(() => null, (err: unknown) => err);
    r.proxy.arm(null);
    expect(isConnectionLost(lost), `the cut call: ${String(lost)}`).toBe(true);
    await r.proxy.released(r.worker); // the cut session has ended on the worker, committed or rolled back
    let res: ReserveResult;
    try {
      res = await reserveKeyed(r, this.askVia === 'worker', req);
    } catch (err) {
      if (!(err instanceof RefusedError)) throw err;
      const labels = new Set(m.bookings.filter((b) => overlaps(b, req.start, req.end)).map((b) => b.spot));
      expect(labels.size, `refused with ${spots - labels.size} spot(s) free in the model`).toBe(spots);
      return check(m, r);
    }
    record(m, req, res);
    await check(m, r);
  }
  toString = () => `loseAnswer(${this.startHour}h+${this.hours}h, ask again via ${this.askVia})`;
}

/** The worker drops the route's connections (a restart, a network cut): the next routed call reconnects. */
class KillRouteConnections implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    await r.worker.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [routeApp]);
    await check(m, r);
  }
  toString = () => 'killRouteConnections';
}

class Cancel implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.bookings.some((b) => b.live);
  async run(m: Model, r: Real): Promise<void> {
    const live = m.bookings.filter((b) => b.live);
    const b = live[this.pick % live.length]!;
    await cancelReservation({ pool, clock, payments, actor: 'model' }, b.id, 'model');
    b.live = false;
    await check(m, r);
  }
  toString = () => `cancel(${this.pick})`;
}

const window = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 5 }));
const commands = [
  fc.tuple(window, fc.boolean()).map(([[s, h], w]) => new Reserve(s, h, w)),
  fc.tuple(window, fc.boolean()).map(([[s, h], w]) => new Reserve(s, h, w)),
  fc.tuple(window, fc.constantFrom('worker' as const, 'coordinator' as const)).map(([[s, h], via]) => new LoseAnswer(s, h, via)),
  fc.boolean().map((w) => new AskAgain(w)),
  fc.constant(new KillRouteConnections()),
  fc.nat(20).map((i) => new Cancel(i)),
];

describe.skipIf(!citusUrl)('no spot given twice on Citus, over random sequences (PARKCTL_TEST_CITUS_URL)', () => {
  beforeAll(async () => {
    pool = createPool(citusUrl!, { max: 8, applicationName: 'parkctl-citus-model' });
    dir = await mkdtemp(join(tmpdir(), 'parkctl-citus-model-'));
    for (const args of [['db', 'migrate'], ['db', 'distribute']]) {
      const r = await runCli(args, { DATABASE_URL: citusUrl });
      expect(r.code, r.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    await pool?.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('bookings routed to the worker or through the coordinator, lost answers asked again, cancellations', async () => {
    await fc.assert(fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
      const code = `CM${run}-${++lots}`;
      const file = join(dir, `${code}.json`);
      await writeFile(file, JSON.stringify(testLotFile({ code, spots })));
      const imported = await runCli(['lot', 'import', file], { DATABASE_URL: citusUrl });
      expect(imported.code, imported.stderr).toBe(0);
      const lot = await loadLot(pool, code);
      const node = await selectLotNode(pool, lot.lotId);
      expect(node, 'the lot has a worker').not.toBeNull();
      const worker = new pg.Client({ connectionString: workerUrl(citusUrl!, node!) });
      await worker.connect();
      const proxy = new FaultProxy({ host: node!.host, port: node!.port });
      const proxyPort = await proxy.start();
      // the lot's worker, reached through the proxy
      const routes = new CitusLotRoutes(pool, { url: citusUrl!, max: 4, applicationName: routeApp, locate: async () => ({ host: '127.0.0.1', port: proxyPort, groupId: node!.groupId }) });
      try {
        await fc.asyncModelRun(() => ({ model: { bookings: [] }, real: { lot, routes, worker, proxy, refs: 0, lastKeyed: null } }), cmds);
        expect(routes.counts.unreachable).toBe(0);
      } finally {
        await routes.end();
        await proxy.stop();
        await worker.end();
      }
    }), { numRuns: 12 });
  }, 300_000);
});
