// parkctl on a Citus cluster (issue 18): runs when PARKCTL_TEST_CITUS_URL names a Citus coordinator with
// workers (built locally from Citus's source; see README "Outgrowing one server"), skipped otherwise.
// The database is shared between runs: the suite migrates and distributes it (both idempotent) and makes
// lots of its own, with codes of this run.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConstraint, isPgError, PgCode } from '../src/core/db.js';
import { RefusedError } from '../src/core/errors.js';
import { DashboardSnapshotReader } from '../src/core/dashboard/snapshot.js';
import { loadLot } from '../src/core/lots/lot.js';
import { fixedClock } from '../src/core/ports.js';
import { reserve } from '../src/core/reservations/reserve.js';
import { selectLotNode } from '../src/core/citus/lot-node.js';
import { closeGateVisits, insertGateEvents, insertGateVisits, selectGateLotStatus } from '../src/core/sql/gate.js';
import { upsertGateHeartbeat } from '../src/core/sql/gate-control.js';
import { countBusyByHour } from '../src/core/sql/capacity.js';
import { countOverlaps } from '../src/core/sql/reservations.js';
import { lotNodeDb } from '../src/core/reservations/lot-node-db.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { CitusLotRoutes, workerUrl } from '../src/drivers/citus-lot-routes.js';
import { createPool } from '../src/drivers/postgres.js';
import { serveApi } from '../src/commands/api.js';
import { AppContext } from '../src/commands/context.js';
import { Output } from '../src/commands/output.js';
import { loadConfig } from '../src/config.js';
import { runCli } from './support/cli.js';
import { testLotFile } from './support/lots.js';

const citusUrl = process.env.PARKCTL_TEST_CITUS_URL;
const run = randomBytes(3).toString('hex').toUpperCase();
const code = (name: string) => `CT${run}-${name}`;

describe.skipIf(!citusUrl)('parkctl on Citus (PARKCTL_TEST_CITUS_URL)', () => {
  let pool: pg.Pool;
  let dir: string;
  const cli = (args: string[], now = '2030-06-03T06:00:00Z') => runCli(args, { DATABASE_URL: citusUrl, PARKCTL_NOW: now });
  const ok = async (args: string[], now?: string) => {
    const r = await cli(args, now);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  const importLot = async (name: string, spots: number, title = 'Test lot') => {
    const file = join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify({ ...testLotFile({ code: code(name), spots, holdMinutes: 15 }), name: title }));
    return ok(['lot', 'import', file]);
  };

  beforeAll(async () => {
    pool = createPool(citusUrl!, { max: 32, applicationName: 'parkctl-citus-test' });
    dir = await mkdtemp(join(tmpdir(), 'parkctl-citus-'));
    await ok(['db', 'migrate']);
    await ok(['db', 'distribute']);
  });
  afterAll(async () => {
    await pool?.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('db distribute', () => {
    it('two runs at once on a fresh database: one distributes, the other waits for it and finds nothing to do', async () => {
      const name = `parkctl_race_${run.toLowerCase()}`;
      const { rows: workers } = await pool.query<{ nodename: string; nodeport: number }>(`select nodename, nodeport from pg_dist_node where groupid <> 0`);
      const nodeUrls = [citusUrl!, ...workers.map((w) => workerUrl(citusUrl!, { host: w.nodename, port: w.nodeport }))];
      const inDb = (url: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();
      const sql = async (url: string, ...statements: string[]) => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try { for (const s of statements) await c.query(s); } finally { await c.end(); }
      };
      try {
        // Citus does not propagate CREATE DATABASE: each node gets it, and the extension, by hand
        for (const u of nodeUrls) await sql(u, `create database ${name}`);
        for (const u of nodeUrls) await sql(inDb(u), 'create extension citus');
        const coordinator = new URL(citusUrl!);
        await sql(inDb(citusUrl!), `select citus_set_coordinator_host('${coordinator.hostname}', ${Number(coordinator.port || 5432)})`,
          ...workers.map((w) => `select citus_add_node('${w.nodename}', ${w.nodeport})`));
        const env = { DATABASE_URL: inDb(citusUrl!) };
        const migrated = await runCli(['db', 'migrate'], env);
        expect(migrated.code, migrated.stderr).toBe(0);
        const both = await Promise.all([runCli(['--json', 'db', 'distribute'], env), runCli(['--json', 'db', 'distribute'], env)]);
        for (const r of both) expect(r.code, r.stderr).toBe(0);
        const said = both.map((r) => (r.json as { alreadyDistributed: boolean; distributedTables: unknown[] }));
        expect(said.map((d) => d.alreadyDistributed).sort()).toEqual([false, true]);
        expect(said.find((d) => !d.alreadyDistributed)!.distributedTables.length).toBeGreaterThan(10);
      } finally {
        for (const u of nodeUrls) await sql(u, `drop database if exists ${name} with (force)`).catch(() => undefined);
      }
    }, 180_000);

    it('left lots a reference table and every lot-scoped table distributed by lot_id in one colocation group', async () => {
      const { rows } = await pool.query<{ table_name: string; citus_table_type: string; distribution_column: string; colocation_id: number }>(
        `select table_name::text, citus_table_type, distribution_column, colocation_id from citus_tables`,
      );
      const byName = new Map(rows.map((r) => [r.table_name, r]));
      expect(byName.get('lots')?.citus_table_type).toBe('reference');
      const sharded = ['reservations', 'spots', 'spot_days', 'visits', 'payments', 'events', 'gate_commands', 'gate_events'];
      for (const t of sharded) expect(byName.get(t), t).toMatchObject({ citus_table_type: 'distributed', distribution_column: 'lot_id' });
      expect(new Set(sharded.map((t) => byName.get(t)!.colocation_id)).size).toBe(1);
      expect(byName.has('parkctl_migrations')).toBe(false); // stays on the coordinator
    });

    it('run again, it says the schema is already distributed and changes nothing', async () => {
      const r = await ok(['db', 'distribute', '--json']);
      expect(r.json).toMatchObject({ alreadyDistributed: true, referenceTables: [], distributedTables: [] });
      expect((r.json as { workers: string[] }).workers.length).toBeGreaterThan(0);
      expect((r.json as { delegatedFunctions: string[] }).delegatedFunctions.some((f) => f.startsWith('parkctl_reserve('))).toBe(true);
      const print = await ok(['db', 'distribute', '--print']);
      expect(print.stdout).not.toContain('create_distributed_table');
    });

    it('parkctl_reserve is delegated to the worker that holds the lot, by its p_lot argument', async () => {
      const { rows } = await pool.query<{ distribution_argument_index: number; colocated: boolean }>(
        `select o.distribution_argument_index,
                o.colocationid = (select colocationid from pg_dist_partition where logicalrelid = 'reservations'::regclass) as colocated
           from pg_dist_object o where o.objid = 'parkctl_reserve'::regproc`,
      );
      expect(rows[0]).toEqual({ distribution_argument_index: 0, colocated: true });
      // planned per call on the workers too (Citus 13.2 re-plans and keeps every local plan otherwise)
      const { rows: config } = await pool.query<{ result: string }>(
        `select result from run_command_on_workers($$select array_to_string(proconfig, ',') from pg_proc where oid = 'parkctl_reserve'::regproc$$)`,
      );
      expect(config.length).toBeGreaterThan(0);
      for (const c of config) expect(c.result).toContain('plan_cache_mode=force_custom_plan');
    });

    it('db migrate on the distributed database: a second run applies nothing', async () => {
      const r = await ok(['db', 'migrate', '--json']);
      expect(r.json).toEqual({ applied: [] });
    });
  });

  describe('the everyday commands', () => {
    it('lots, capacity, bookings, visits, payments, sweepers, import and export', async () => {
      await importLot('DAY', 6);
      // a changed file updates the reference table's row (ON CONFLICT ... DO UPDATE, no now() in it)
      expect((await importLot('DAY', 6, 'Renamed lot')).stdout).toMatch(/0 added/);
      expect((await ok(['lot', 'show', code('DAY'), '--json'])).stdout).toContain('Renamed lot');
      const lot = code('DAY');
      expect((await ok(['lot', 'list'])).stdout).toContain(lot);
      await ok(['lot', 'show', lot]);
      const cap = await ok(['capacity', 'check', '--lot', lot, '--type', 'regular', '--from', '2030-06-03T08:00', '--to', '2030-06-03T10:00', '--json']);
      expect(cap.json).toMatchObject({ free: 6 });

      const booked = await ok(['booking', 'reserve', '--lot', lot, '--type', 'regular', '--from', '2030-06-03T08:00', '--to', '2030-06-03T10:00', '--plate', 'AB12 CDE', '--json']);
      const b = booked.json as { reservationId: string; priceMinor: number };
      // the same plate again: the shard's constraint (reservations_one_per_plate_1022xx) is a clean refusal
      const twice = await cli(['booking', 'reserve', '--lot', lot, '--type', 'regular', '--from', '2030-06-03T09:00', '--to', '2030-06-03T11:00', '--plate', 'AB12CDE']);
      expect(twice.code, twice.stderr).toBe(3);
      expect(twice.stderr).toContain('already has a booking');

      await ok(['booking', 'complete', b.reservationId, '--payment-token', `cash:${b.reservationId}:${b.priceMinor}:GBP`]);
      expect((await ok(['booking', 'list', '--lot', lot, '--day', '2030-06-03', '--json'])).json).toMatchObject([{ reservationId: b.reservationId, status: 'CONFIRMED' }]);
      await ok(['visit', 'arrive', '--lot', lot, '--plate', 'AB12CDE'], '2030-06-03T08:05:00Z');
      // an overstay: the booked car leaves 40 minutes late and pays at the exit
      const left = await ok(['visit', 'depart', '--lot', lot, '--plate', 'AB12CDE', '--json'], '2030-06-03T10:40:00Z');
      const visit = left.json as { visit: { visitId: string }; amountDueMinor: number };
      expect(visit.amountDueMinor).toBeGreaterThan(0);
      await ok(['payments', 'collect', visit.visit.visitId, '--method', 'cash', '--json'], '2030-06-03T10:41:00Z');

      // a booking cancelled with a reason: the audit row (written on the worker) has the actor and reason
      const other = (await ok(['booking', 'reserve', '--lot', lot, '--type', 'regular', '--from', '2030-06-04T08:00', '--to', '2030-06-04T09:00', '--plate', 'CANC1', '--json'])).json as { reservationId: string };
      await ok(['booking', 'cancel', other.reservationId, '--reason', 'customer called']);
      const { rows: audit } = await pool.query(`select kind, actor, reason from events where reservation_id = $1 order by event_id`, [other.reservationId]);
      expect(audit).toEqual([
        { kind: 'reservation.tentative', actor: 'test', reason: null },
        { kind: 'reservation.cancelled', actor: 'test', reason: 'customer called' },
      ]);

      // holds run out: the sweeper expires them; the spot is free again for the same window
      await ok(['booking', 'reserve', '--lot', lot, '--type', 'regular', '--from', '2030-06-05T08:00', '--to', '2030-06-05T09:00', '--plate', 'HOLD1']);
      const swept = await ok(['sweeper', 'run', '--holds', '--once', '--json'], '2030-06-03T07:00:00Z');
      expect(swept.json).toMatchObject({ holdsExpired: expect.any(Number) });
      expect((swept.json as { holdsExpired: number }).holdsExpired).toBeGreaterThanOrEqual(1);
      await ok(['sweeper', 'run', '--no-shows', '--overstays', '--once'], '2030-06-05T12:00:00Z');
      const free = await ok(['capacity', 'check', '--lot', lot, '--type', 'regular', '--from', '2030-06-05T08:00', '--to', '2030-06-05T09:00', '--json'], '2030-06-03T07:00:00Z');
      expect(free.json).toMatchObject({ free: 6 });

      const csv = join(dir, 'bookings.csv');
      await writeFile(csv, [
        'lot,vehicle_type,start,end,plate,customer_ref,external_ref,payment',
        `${lot},regular,2030-06-06T10:00,2030-06-06T12:00,IMP1,c1,ord-1,unpaid`,
        `${lot},regular,2030-06-06T10:00,2030-06-06T12:00,IMP2,c2,ord-2,paid:cash:400:GBP`,
      ].join('\n') + '\n');
      await ok(['booking', 'import', csv]);
      // the paid row was confirmed by the import (a status change: the trigger ran on the worker)
      const { rows: paid } = await pool.query(`select status from reservations where plate = 'IMP2' and external_ref = 'ord-2' and lot_id = (select lot_id from lots where code = $1)`, [lot]);
      expect(paid).toEqual([{ status: 'CONFIRMED' }]);
      expect((await ok(['booking', 'import', csv])).stdout).toMatch(/0 booked, 2 already there/);
      const exported = await ok(['booking', 'export', '--lot', lot]);
      expect(exported.stdout).toContain('IMP2');
      expect(await countOverlaps(pool)).toBe(0);
    }, 240_000); // some 25 commands, each a process's worth of work against the cluster
  });

  describe('the gate daemon and the dashboard', () => {
    it('a walk-in by hand and the gate sync statements (events, visits in and out, heartbeat, lot status), then a dashboard screen', async () => {
      await importLot('GATE', 3);
      const lot = await loadLot(pool, code('GATE'));
      const at = new Date('2030-06-03T09:00:00Z');
      // a walk-in takes a spot through parkctl_hold_walk_in and parkctl_free_spot, run on the worker by the visits trigger
      await ok(['visit', 'arrive', '--lot', lot.code, '--walk-in', '--plate', 'WALK1'], at.toISOString());
      expect(await selectGateLotStatus(pool, lot.lotId, at)).toMatchObject({ active_spots: 4, open_visits: 1 }) // 3 regular + 1 ev;
      expect(await insertGateEvents(pool, lot.lotId, 'west-in', [{ seq: 1, kind: 'entry', plate: 'GATE1', credential: null, decision: 'allow', detail: {}, occurredAt: at }]))
        .toEqual(new Set([1]));
      const visitId = '6a0e7d1c-6f1e-4a59-8f43-0d3f5a4e2b11';
      expect(await insertGateVisits(pool, lot.lotId, 'west-in', [{ seq: 1, visitId, reservationId: null, plate: 'GATE1', enteredAt: at, amountDueMinor: 0 }])).toEqual(new Set([1]));
      expect(await closeGateVisits(pool, lot.lotId, 'west-out', [{ seq: 2, visitId, exitedAt: new Date(at.getTime() + 3_600_000), overstayMinutes: 0, amountDueMinor: 200 }])).toEqual(new Set([2]));
      await upsertGateHeartbeat(pool, { lotId: lot.lotId, gateId: 'west-in', direction: 'entry', host: 'h', pid: 1, startedAt: at, seenAt: at, journalLastSeq: 1, journalSyncedSeq: 1, barrierState: 'closed', allowListSyncedAt: at });
      const screen = await new DashboardSnapshotReader(pool, lot).read(at);
      expect(screen.gates.map((g) => g.gateId)).toContain('west-in');
      expect(screen.feed.length).toBeGreaterThan(0);
      expect(await countOverlaps(pool)).toBe(0);
    }, 120_000);
  });

  describe("bookings sent straight to the lot's worker (LotRoutes)", () => {
    const clock = fixedClock(new Date('2030-06-03T06:00:00Z'));
    const payments = new CashPaymentProvider();
    const hour = (day: number, h: number) => ({
      vehicleType: 'regular' as const, customerRef: 'c',
      start: new Date(`2030-06-${String(day).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00Z`),
      end: new Date(`2030-06-${String(day).padStart(2, '0')}T${String(h + 2).padStart(2, '0')}:00:00Z`),
    });
    const workers = async () => (await pool.query<{ nodename: string; nodeport: number; groupid: number }>(
      `select nodename, nodeport, groupid from pg_dist_node where groupid <> 0 and noderole = 'primary' and isactive order by groupid`)).rows;

    it("the lot's node is the worker that holds its shard, as Citus's own view of the shards says", async () => {
      await importLot('NODE', 2);
      const lot = await loadLot(pool, code('NODE'));
      const { rows: [shard] } = await pool.query<{ nodename: string; nodeport: number }>(
        `select nodename, nodeport from citus_shards where shardid = get_shard_id_for_distribution_column('reservations', $1::integer)`, [lot.lotId]);
      expect(await selectLotNode(pool, lot.lotId)).toMatchObject({ host: shard!.nodename, port: shard!.nodeport });
    });

    it('a booking routed to the worker: made there, seen on the coordinator, and the overlaps refused there', async () => {
      await importLot('ROUTE', 2);
      const lot = await loadLot(pool, code('ROUTE'));
      const routes = new CitusLotRoutes(pool, { url: citusUrl!, max: 4 });
      try {
        const deps = { db: pool, clock, payments, actor: 'test', lotRoutes: routes };
        const first = await reserve(deps, lot, { ...hour(13, 8), plate: 'ROUTE1' });
        expect(routes.counts).toEqual({ routed: 1, unreachable: 0 });
        const { rows } = await pool.query(`select plate, status, spot_id from reservations where lot_id = $1 and reservation_id = $2`, [lot.lotId, first.reservationId]);
        expect(rows).toEqual([{ plate: 'ROUTE1', status: 'TENTATIVE', spot_id: expect.any(Number) }]);
        // its audit row was written by the trigger on the worker, with the actor
        const { rows: audit } = await pool.query(`select kind, actor from events where lot_id = $1 and reservation_id = $2`, [lot.lotId, first.reservationId]);
        expect(audit).toEqual([{ kind: 'reservation.tentative', actor: 'test' }]);
        await expect(reserve(deps, lot, { ...hour(13, 9), plate: 'ROUTE1' })).rejects.toMatchObject({ code: 'plate_already_booked' });
        await reserve(deps, lot, { ...hour(13, 9), plate: 'ROUTE2' });
        await expect(reserve(deps, lot, { ...hour(13, 8), plate: 'ROUTE3' })).rejects.toMatchObject({ code: 'no_spot_free' });
        // back to back on the same spots is legal
        await reserve(deps, lot, { ...hour(13, 11), plate: 'ROUTE4' });
        expect(routes.counts).toEqual({ routed: 5, unreachable: 0 });
        // a direct overlapping insert on the worker's connection meets the shard's constraint
        const node = await routes.connect(lot.lotId);
        try {
          const err = await node!.query(
            `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
             values ($1, 'c', 'ROUTE9', 'regular', $2, tstzrange('2030-06-13T09:00Z', '2030-06-13T10:00Z', '[)'), 'CONFIRMED', 0, 'GBP', now(), now())`,
            [lot.lotId, rows[0]!.spot_id]).catch((e: unknown) => e);
          expect(isPgError(err, PgCode.exclusionViolation) && isConstraint(err, 'reservations_no_double_booking'), String(err)).toBe(true);
        } finally {
          node?.release();
        }
        expect(await countOverlaps(pool)).toBe(0);
      } finally {
        await routes.end();
      }
    });

    it("the occupancy memo's day count runs on the lot's shards through its route: the same 24 counts as through the coordinator", async () => {
      await importLot('HOURS', 3);
      const lot = await loadLot(pool, code('HOURS'));
      const routes = new CitusLotRoutes(pool, { url: citusUrl!, max: 1 });
      try {
        const deps = { db: pool, clock, payments, actor: 'test', lotRoutes: routes };
        await reserve(deps, lot, { ...hour(14, 8), plate: 'HOURS1' }); // 08:00-10:00
        await reserve(deps, lot, { ...hour(14, 9), plate: 'HOURS2' }); // 09:00-11:00
        const q = { lotId: lot.lotId, vehicleType: 'regular' as const, day: '2030-06-14' };
        const onShards = await countBusyByHour(lotNodeDb(deps, lot.lotId), q);
        expect(onShards.slice(7, 12)).toEqual([0, 1, 2, 1, 0]);
        expect(await countBusyByHour(pool, q)).toEqual(onShards);
        // it went to the worker as the shard statement (one connection in the route's pool: this one)
        const node = await routes.connect(lot.lotId);
        try {
          const { rows } = await node!.query<{ name: string }>(`select name from pg_prepared_statements where name like 'parkctl_capacity_busy_by_hour_on_%'`);
          expect(rows).toHaveLength(1);
        } finally {
          node?.release();
        }
      } finally {
        await routes.end();
      }
    });

    it('routed to a worker that does not hold the lot (as after a shard move): Citus passes the call on, same answers', async () => {
      await importLot('MOVED', 2);
      const lot = await loadLot(pool, code('MOVED'));
      const holder = await selectLotNode(pool, lot.lotId);
      const other = (await workers()).find((w) => w.groupid !== holder!.groupId);
      expect(other, 'needs two workers').toBeDefined();
      const routes = new CitusLotRoutes(pool, { url: citusUrl!, max: 4, locate: async () => ({ host: other!.nodename, port: other!.nodeport, groupId: other!.groupid }) });
      try {
        const deps = { db: pool, clock, payments, actor: 'test', lotRoutes: routes };
        const a = await reserve(deps, lot, { ...hour(14, 8), plate: 'MOVED1' });
        const b = await reserve(deps, lot, { ...hour(14, 8), plate: 'MOVED2' });
        expect(a.spotLabel).not.toBe(b.spotLabel);
        await expect(reserve(deps, lot, { ...hour(14, 9), plate: 'MOVED3' })).rejects.toMatchObject({ code: 'no_spot_free' });
        await expect(reserve(deps, lot, { ...hour(15, 8), plate: 'MOVED1' })).resolves.toMatchObject({ created: true });
        await expect(reserve(deps, lot, { ...hour(15, 9), plate: 'MOVED1' })).rejects.toMatchObject({ code: 'plate_already_booked' });
        expect(routes.counts).toEqual({ routed: 5, unreachable: 0 });
        const { rows } = await pool.query(`select count(*)::int as n from reservations where lot_id = $1`, [lot.lotId]);
        expect(rows).toEqual([{ n: 3 }]);
        expect(await countOverlaps(pool)).toBe(0);
      } finally {
        await routes.end();
      }
    });

    it('a worker this process cannot reach: the booking goes through the coordinator', async () => {
      await importLot('UNREACH', 2);
      const lot = await loadLot(pool, code('UNREACH'));
      // port 1 on this host refuses, as a worker name only the cluster resolves would fail here
      const routes = new CitusLotRoutes(pool, { url: citusUrl!, max: 2, locate: async () => ({ host: '127.0.0.1', port: 1, groupId: 1 }) });
      try {
        const r = await reserve({ db: pool, clock, payments, actor: 'test', lotRoutes: routes }, lot, { ...hour(16, 8), plate: 'UNR1' });
        expect(routes.counts).toEqual({ routed: 0, unreachable: 1 });
        const { rows } = await pool.query(`select plate from reservations where lot_id = $1 and reservation_id = $2`, [lot.lotId, r.reservationId]);
        expect(rows).toEqual([{ plate: 'UNR1' }]);
      } finally {
        await routes.end();
      }
    });

    it('32 reservers for 10 spots, half through the worker and half through the coordinator: exactly 10 win, nothing overlaps', async () => {
      await importLot('MIXED', 10);
      const lot = await loadLot(pool, code('MIXED'));
      const routes = new CitusLotRoutes(pool, { url: citusUrl!, max: 16 });
      try {
        const outcomes = await Promise.allSettled(Array.from({ length: 32 }, (_, i) =>
          reserve({ db: pool, clock, payments, actor: 'test', lotRoutes: i % 2 === 0 ? routes : undefined }, lot, {
            vehicleType: 'regular', start: new Date(`2030-06-10T${String(8 + (i % 3)).padStart(2, '0')}:00:00Z`),
            end: new Date(`2030-06-10T${String(11 + (i % 2)).padStart(2, '0')}:00:00Z`), plate: `MIX${i}`, customerRef: `c${i}`,
          })));
        const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
        expect(won).toHaveLength(10);
        expect(new Set(won.map((w) => w.spotLabel)).size).toBe(10);
        for (const o of outcomes) {
          if (o.status === 'rejected') expect((o.reason as RefusedError).code, String(o.reason)).toBe('no_spot_free');
        }
        expect(routes.counts.routed).toBeGreaterThanOrEqual(16);
        expect(await countOverlaps(pool)).toBe(0);
      } finally {
        await routes.end();
      }
    });
  });

  describe('api serve on Citus', () => {
    it('books through the worker holding the lot, one booking a statement (no group-commit batch), and refuses the same plate cleanly', async () => {
      await importLot('API', 5);
      const key = (await ok(['api', 'key', 'create', '--name', `citus-${run.toLowerCase()}`, '--scope', 'operator', '--json'])).json as { secret: string };
      let logged = '';
      const ctx = new AppContext(loadConfig({ DATABASE_URL: citusUrl, PARKCTL_NOW: '2030-06-03T06:00:00Z' }, false), {}, new Output(true, () => {}, (t) => { logged += t; }));
      const stop = new AbortController();
      let url = '';
      const serving = serveApi(ctx, { listen: '127.0.0.1:0', rateLimit: '600', bodyLimit: '65536', watchdogSeconds: '30' }, stop.signal, (u) => { url = u; });
      try {
        for (const deadline = Date.now() + 60_000; !url && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 25));
        const post = (plate: string) => fetch(`${url}/v1/reservations`, {
          method: 'POST', headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ lot: code('API'), type: 'regular', from: '2030-06-10T08:00:00Z', to: '2030-06-10T10:00:00Z', plate }),
        });
        const first = await post('CITUSAPI1');
        expect(first.status).toBe(201);
        const booked = (await first.json()) as { reservationId: string; spotLabel: string };
        const again = await post('CITUSAPI1');
        expect(again.status).toBe(409);
        expect(((await again.json()) as { error: { code: string } }).error.code).toBe('plate_already_booked');
        // the booking was made on the lot's worker, over the API's own connection to it
        const node = (await selectLotNode(pool, (await loadLot(pool, code('API'))).lotId))!;
        const worker = new pg.Client({ connectionString: citusUrl!.replace(/\/\/([^/@]*@)?[^/]+\//, `//$1${node.host}:${node.port}/`) });
        await worker.connect();
        try {
          const { rows } = await worker.query(`select count(*)::int as n from pg_stat_activity where application_name = 'parkctl-api-route'`);
          expect(rows[0]!.n).toBeGreaterThan(0);
        } finally {
          await worker.end();
        }
        const { rows } = await pool.query(`select spot_id, status from reservations where reservation_id = $1::uuid`, [booked.reservationId]);
        expect(rows[0]).toMatchObject({ status: 'TENTATIVE' });
      } finally {
        stop.abort();
        await serving;
        await ctx.close();
      }
      expect(logged).toContain('on Citus: no group commit');
      expect(await countOverlaps(pool)).toBe(0);
    });
  });

  describe('no double booking across the cluster', () => {
    it('32 reservers racing for 10 spots: exactly 10 win, the rest are told no spot is free, nothing overlaps', async () => {
      await importLot('RACE', 10);
      const lot = await loadLot(pool, code('RACE'));
      const clock = fixedClock(new Date('2030-06-03T06:00:00Z'));
      const payments = new CashPaymentProvider();
      const outcomes = await Promise.allSettled(Array.from({ length: 32 }, (_, i) =>
        reserve({ db: pool, clock, payments, actor: 'test' }, lot, {
          vehicleType: 'regular', start: new Date(`2030-06-10T${String(8 + (i % 3)).padStart(2, '0')}:00:00Z`),
          end: new Date(`2030-06-10T${String(11 + (i % 2)).padStart(2, '0')}:00:00Z`), plate: `RACE${i}`, customerRef: `c${i}`,
        })));
      const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      expect(won).toHaveLength(10);
      expect(new Set(won.map((w) => w.spotLabel)).size).toBe(10);
      for (const o of outcomes) {
        if (o.status === 'rejected') expect((o.reason as RefusedError).code, String(o.reason)).toBe('no_spot_free');
      }
      expect(await countOverlaps(pool)).toBe(0);
    });

    it('bookings on the lot\'s worker, one day and over midnight: each takes a free spot, the spot-day bits of both days and the audit rows follow', async () => {
      // migration 0050: on the worker, these run as statements prepared on the lot's shards (the first call
      // prepares the days through Citus; the later ones find them ready)
      await importLot('NIGHT', 2);
      const lot = await loadLot(pool, code('NIGHT'));
      const deps = { db: pool, clock: fixedClock(new Date('2030-06-03T06:00:00Z')), payments: new CashPaymentProvider(), actor: 'night-test' };
      const book = (plate: string, start: string, end: string) =>
        reserve(deps, lot, { vehicleType: 'regular', start: new Date(start), end: new Date(end), plate, customerRef: 'c' });
      const morning = await book('NIGHT0', '2030-06-11T08:00:00Z', '2030-06-11T09:00:00Z');
      const late = await book('NIGHT1', '2030-06-11T08:30:00Z', '2030-06-11T10:00:00Z');
      expect(late.spotLabel).not.toBe(morning.spotLabel);
      const night = await book('NIGHT2', '2030-06-11T22:00:00Z', '2030-06-12T02:00:00Z');
      const night2 = await book('NIGHT3', '2030-06-11T22:30:00Z', '2030-06-12T01:00:00Z');
      expect(night2.spotLabel).not.toBe(night.spotLabel);
      await expect(book('NIGHT4', '2030-06-11T23:00:00Z', '2030-06-12T00:30:00Z')).rejects.toMatchObject({ code: 'no_spot_free' });
      const { rows: [bits] } = await pool.query<{ days: number; wrong: number }>(
        `select count(*)::integer as days,
                count(*) filter (where sd.mask <> coalesce((
                  select bit_or(parkctl_day_mask(sd.day, r.spot_period)) from reservations r
                   where r.lot_id = sd.lot_id and r.spot_id = sd.spot_id
                     and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')), 0::bit(96)))::integer as wrong
           from spot_days sd where sd.lot_id = $1 and sd.vehicle_type = 'regular' and sd.day in ('2030-06-11', '2030-06-12')`, [lot.lotId]);
      expect(bits).toEqual({ days: 4, wrong: 0 });
      const { rows: events } = await pool.query<{ plate: string }>(
        `select detail->>'plate' as plate from events where lot_id = $1 and kind = 'reservation.tentative' and actor = 'night-test' order by 1`, [lot.lotId]);
      expect(events.map((e) => e.plate)).toEqual(['NIGHT0', 'NIGHT1', 'NIGHT2', 'NIGHT3']);
      expect(await countOverlaps(pool)).toBe(0);
    });

    it('direct overlapping inserts on the coordinator are refused by the shard constraints (spot and plate)', async () => {
      await importLot('DIRECT', 2);
      const lot = await loadLot(pool, code('DIRECT'));
      const insert = (plate: string, spot: number, from: string, to: string) => pool.query(
        `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
         values ($1, 'c', $2, 'regular', $3, tstzrange($4::timestamptz, $5::timestamptz, '[)'), 'CONFIRMED', 0, 'GBP', now(), now())`,
        [lot.lotId, plate, spot, from, to]);
      const spot = lot.spotRanges.get('regular')!.minSpotId;
      await insert('DIR1', spot, '2030-06-11T08:00Z', '2030-06-11T10:00Z');
      const sameSpot = await insert('DIR2', spot, '2030-06-11T09:00Z', '2030-06-11T11:00Z').catch((e: unknown) => e);
      expect(isPgError(sameSpot, PgCode.exclusionViolation) && isConstraint(sameSpot, 'reservations_no_double_booking'), String(sameSpot)).toBe(true);
      const samePlate = await insert('DIR1', spot + 1, '2030-06-11T09:00Z', '2030-06-11T11:00Z').catch((e: unknown) => e);
      expect(isPgError(samePlate, PgCode.exclusionViolation) && isConstraint(samePlate, 'reservations_one_per_plate'), String(samePlate)).toBe(true);
      // back to back is legal
      await insert('DIR3', spot, '2030-06-11T10:00Z', '2030-06-11T12:00Z');
      expect(await countOverlaps(pool)).toBe(0);
    });

    it('the overlap checker counts overlaps on a distributed table without the constraint (negative control)', async () => {
      const table = `naive_${run.toLowerCase()}`;
      await pool.query(`create table ${table} (like reservations including defaults including generated)`);
      try {
        await pool.query(`select create_distributed_table($1, 'lot_id', colocate_with => 'reservations')`, [table]);
        const lot = await loadLot(pool, code('RACE'));
        const row = (plate: string) => pool.query(
          `insert into ${table} (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
           values ($1, 'c', $2, 'regular', $3, tstzrange('2030-06-12T08:00Z', '2030-06-12T10:00Z', '[)'), 'CONFIRMED', 0, 'GBP', now(), now())`,
          [lot.lotId, plate, lot.spotRanges.get('regular')!.minSpotId]);
        await row('NAIVE1');
        await row('NAIVE2');
        await row('NAIVE3');
        expect(await countOverlaps(pool, table)).toBe(3);
      } finally {
        await pool.query(`drop table ${table}`);
      }
    });
  });
});
