// The gate daemon in-process against real PostgreSQL (as parkctl_gate, through a TCP proxy that
// the tests cut to take the database "down"): local decisions, exactly-once sync, restarts offline.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import { buildAllowList } from '../src/core/gate/allow-list.js';
import { decide } from '../src/core/gate/decide.js';
import type { GateInput } from '../src/core/gate/ports.js';
import { PgGateStore } from '../src/core/gate-daemon/store.js';
import { MockBarrier, MockGateInputSource } from '../src/core/gate/test-doubles.js';
import { silentLogger, systemClock } from '../src/core/ports.js';
import { startGateRuntime, type GateRuntime } from '../src/drivers/gate-runtime/runtime.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';
import { insertConfirmed, PgProxy, pgTarget, waitFor } from './support/gate-daemon-helpers.js';

let db: TestDatabase;
let proxy: PgProxy;
let dir: string;
let lotId: number;
const barrier = new MockBarrier();
const source = new MockGateInputSource();
let runtime: GateRuntime;
let readNo = 0;

const plate = (p: string): GateInput => ({ kind: 'plate', plate: p, confidence: 0.95, source: 'test', readId: `r${++readNo}`, at: new Date() });

async function start(journalDir = dir): Promise<GateRuntime> {
  const config = parseGateDaemonConfig({
    lot: 'GATEDB', gate: 'north-in', direction: 'entry', journalDir, barrier: { driver: 'none' },
    syncIntervalSeconds: 3600, allowListRefreshSeconds: 3600,
  }, 'test');
  return startGateRuntime({ config, databaseUrl: proxy.gateUrl(db.url), barrier, inputs: [source], clock: systemClock, logger: silentLogger, listen: false });
}

/** Presents a read and waits until its record is journalled; returns opens added. */
async function present(p: string): Promise<number> {
  const before = barrier.opens.length;
  const seq = runtime.journal.lastSeq();
  source.emitInput(plate(p));
  await waitFor(() => runtime.journal.lastSeq() > seq, `journal after ${p}`);
  await new Promise((r) => setTimeout(r, 10));
  return barrier.opens.length - before;
}

const decisionsFor = async (p: string) =>
  (await db.pool.query<{ decision: string }>(`select decision from gate_events where lot_id = $1 and plate = $2 and decision is not null order by seq`, [lotId, p])).rows.map((r) => r.decision);

beforeAll(async () => {
  db = await createTestDatabase();
  lotId = (await createTestLot(db.pool, { code: 'GATEDB', policy: { walk_ins: false } })).lotId;
  const now = Date.now();
  const from = new Date(now - 30 * 60_000);
  const to = new Date(now + 2 * 3_600_000);
  for (const [i, p] of ['GOOD1', 'GOOD2', 'GOOD3', 'GOOD4'].entries()) await insertConfirmed(db.pool, lotId, i + 1, p, from, to);
  proxy = new PgProxy(pgTarget(db.url));
  await proxy.up();
  dir = await mkdtemp(join(tmpdir(), 'parkctl-gate-db-'));
  runtime = await start();
});

afterAll(async () => {
  await runtime?.stop();
  await proxy?.down();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('gate daemon with the database up', () => {
  it('opens for a valid reservation, checks it in and records the event', async () => {
    expect(await present('GOOD1')).toBe(1);
    await runtime.sync.pass();
    expect(await decisionsFor('GOOD1')).toEqual(['RESERVATION']);
    const r = await db.pool.query(`select r.status, v.entry_gate from reservations r join visits v using (lot_id, reservation_id) where r.lot_id = $1 and r.plate = 'GOOD1'`, [lotId]);
    expect(r.rows).toEqual([{ status: 'CHECKED_IN', entry_gate: 'north-in' }]);
  });

  it('keeps an unknown plate out, with an event saying why', async () => {
    expect(await present('NOPE99')).toBe(0);
    await runtime.sync.pass();
    expect(await decisionsFor('NOPE99')).toEqual(['NO_BOOKING']);
  });

  it('anti-passback: the same car cannot enter twice', async () => {
    expect(await present('GOOD1')).toBe(0);
    await runtime.sync.pass();
    expect(await decisionsFor('GOOD1')).toEqual(['RESERVATION', 'ALREADY_INSIDE']);
  });

  it('a crash after a push, before the reload it asked for was saved: restarted offline, the car is still inside', async () => {
    await waitFor(() => existsSync(join(dir, 'allow-list.json')), 'the first allow-list save');
    expect(await present('GOOD4')).toBe(1);
    await waitFor(() => runtime.journal.syncedUpTo() === runtime.journal.lastSeq(), 'the push the entry woke');
    // The disk as a power cut right now leaves it: the entry is in the database and marked synced,
    // and the saved allow-list (written some time after a reload) does not show it yet.
    const image = await mkdtemp(join(tmpdir(), 'parkctl-gate-db-crash-'));
    try {
      await cp(dir, image, { recursive: true });
      await runtime.stop();
      await proxy.down();
      runtime = await start(image);
      expect(runtime.sync.online).toBe(false);
      expect(await present('GOOD4')).toBe(0);
      await runtime.stop();
    } finally {
      await proxy.up();
      runtime = await start();
      await rm(image, { recursive: true, force: true });
    }
  });

  it('the gate role cannot touch reservations (42501)', async () => {
    const client = new pg.Client({ connectionString: proxy.gateUrl(db.url) });
    await client.connect();
    try {
      await expect(client.query(`update reservations set status = 'CANCELLED'`)).rejects.toMatchObject({ code: '42501' });
      await expect(client.query(`select * from payments`)).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
  });

  it('reads the lot\'s prices into its snapshot and prices a walk-in\'s stay at the exit with them', async () => {
    const enteredAt = new Date(Date.now() - 90 * 60_000);
    await db.pool.query(
      `insert into visits (lot_id, plate, vehicle_type, entry_gate, entered_at) values ($1, 'WALKDB', 'regular', 'attendant', $2)`, [lotId, enteredAt]);
    const pool = new pg.Pool({ connectionString: proxy.gateUrl(db.url), max: 2 });
    try {
      const snapshot = await new PgGateStore(pool, { lotCode: 'GATEDB', gateId: 'south-out', direction: 'exit' }).loadSnapshot(new Date(), 24);
      expect(snapshot.policy.walkInPrices).toMatchObject({ timeZone: 'Europe/London', pricing: { rules: [expect.objectContaining({ ratePerHourMinor: 200 })] } });
      expect(snapshot.openVisits.find((v) => v.plate === 'WALKDB')).toMatchObject({ reservationId: null, vehicleType: 'regular' });
      // 90 minutes at the test lot's 200 an hour, no tax: 300
      const d = decide(buildAllowList(snapshot), plate('WALKDB'), { direction: 'exit', now: new Date(enteredAt.getTime() + 90 * 60_000), armed: true });
      expect(d).toMatchObject({ allow: false, reason: 'PAYMENT_DUE', amountDueMinor: 300 });
    } finally {
      await pool.end();
      // the walk-in leaves (its spot, held since its entry, is released), then neither row is kept
      await db.pool.query(`update visits set exited_at = now() where lot_id = $1 and plate = 'WALKDB'`, [lotId]);
      await db.pool.query(`delete from reservations where lot_id = $1 and plate = 'WALKDB' and walk_in_visit_id is not null`, [lotId]);
      await db.pool.query(`delete from visits where lot_id = $1 and plate = 'WALKDB'`, [lotId]);
    }
  });
});

describe('gate daemon with the database down', () => {
  it('lets valid cars in and keeps invalid ones out, across a restart, then syncs every event once', async () => {
    await proxy.down();
    expect(await present('GOOD2')).toBe(1);
    expect(await present('STRANGER')).toBe(0);
    expect(await present('GOOD2')).toBe(0); // anti-passback from the local list alone
    await runtime.sync.pass();
    expect(runtime.sync.online).toBe(false);

    // Restart with the database still down: the persisted allow-list and the journal decide.
    await runtime.stop();
    runtime = await start();
    expect(runtime.sync.online).toBe(false);
    expect(await present('GOOD3')).toBe(1);
    expect(await present('GOOD2')).toBe(0);
    expect(await present('STRANGER')).toBe(0);

    await proxy.up();
    await runtime.sync.pass();
    await runtime.sync.pass(); // a second pass changes nothing
    expect(runtime.sync.online).toBe(true);
    const last = runtime.journal.lastSeq();
    expect(runtime.journal.syncedUpTo()).toBe(last);
    const counts = await db.pool.query<{ n: number; distinct_seq: number; max_seq: number }>(
      `select count(*)::int as n, count(distinct seq)::int as distinct_seq, max(seq)::int as max_seq from gate_events where lot_id = $1 and gate_id = 'north-in'`, [lotId]);
    expect(counts.rows[0]).toEqual({ n: last, distinct_seq: last, max_seq: last });
    expect(await decisionsFor('GOOD2')).toEqual(['RESERVATION', 'ALREADY_INSIDE', 'ALREADY_INSIDE']);
    expect(await decisionsFor('STRANGER')).toEqual(['NO_BOOKING', 'NO_BOOKING']);
    const visits = await db.pool.query(`select plate from visits where lot_id = $1 order by plate`, [lotId]);
    expect(visits.rows.map((r) => r.plate)).toEqual(['GOOD1', 'GOOD2', 'GOOD3', 'GOOD4']);
    const statuses = await db.pool.query(`select status::text, count(*)::int as n from reservations where lot_id = $1 group by 1`, [lotId]);
    expect(statuses.rows).toEqual([{ status: 'CHECKED_IN', n: 4 }]);
  });
});
