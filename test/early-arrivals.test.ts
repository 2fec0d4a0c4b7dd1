// A booked car that comes before its entry opens (issue 19, item 3), against real PostgreSQL.
// `visit arrive` refuses it with the booking and the time entry opens in the lot's zone, and never
// suggests a walk-in (that charges the customer twice); an attendant's `--early --reason` lets it in,
// audited with who and why; a lot whose policy says `early_entry: { mode: fee }` lets it in itself. Either
// way the early time is priced with the lot's rates and owed at the exit: at `visit depart` and at the
// exit gate, which reads it from its allow-list snapshot. The entry gate says TOO_EARLY with the
// opening time on the sign, or lets the car in with the fee when the policy allows.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectOf, LocalAllowList } from '../src/core/gate-daemon/local-allow-list.js';
import { PgGateStore } from '../src/core/gate-daemon/store.js';
import { buildAllowList } from '../src/core/gate/allow-list.js';
import { decide } from '../src/core/gate/decide.js';
import type { GateEventRecord } from '../src/core/gate/ports.js';
import { createDashboardActions } from '../src/core/dashboard/actions.js';
import { DashboardSnapshotReader } from '../src/core/dashboard/snapshot.js';
import { loadLot } from '../src/core/lots/lot.js';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { fixedClock } from '../src/core/ports.js';
import { UsageError } from '../src/core/errors.js';
import { createPool } from '../src/drivers/postgres.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase, gateRoleTestUrl } from './support/db.js';
import { insertConfirmed } from './support/gate-daemon-helpers.js';
import { createTestLot, testLotFile } from './support/lots.js';

// 2 June 2031, British Summer Time: 09:00 in Europe/London is 08:00Z. Entry opens 15 min early, at 08:45.
const start = new Date('2031-06-02T08:00:00Z');
const end = new Date('2031-06-02T10:00:00Z');
const localAt = (hhmm: string) => new Date(`2031-06-02T${hhmm}:00+01:00`);

let db: TestDatabase;
let gatePool: pg.Pool;
let refuseLot: number;
let feeLot: number;

beforeAll(async () => {
  db = await createTestDatabase();
  const u = new URL(gateRoleTestUrl(db.url));
  gatePool = createPool(u.toString(), { max: 2 });
  refuseLot = (await createTestLot(db.pool, { code: 'EARLY-NO' })).lotId;
  feeLot = (await createTestLot(db.pool, { code: 'EARLY-FEE', policy: { walk_ins: true, early_entry: { mode: 'fee', max_minutes: 60 } } })).lotId;
});

afterAll(async () => {
  await gatePool?.end();
  await db?.drop();
});

const cli = (args: string[], actor = 'attendant:ann') => runCli(args, { DATABASE_URL: db.url, PARKCTL_ACTOR: actor });

describe('visit arrive, early, on a lot that refuses early cars', () => {
  it('refuses with the booking and when entry opens (lot time), hints at the override, never at a walk-in', async () => {
    const id = await insertConfirmed(db.pool, refuseLot, 1, 'EARLY1', start, end);
    const r = await cli(['--now', localAt('07:30').toISOString(), 'visit', 'arrive', '--lot', 'EARLY-NO', '--plate', 'EARLY1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`booking ${id}`);
    expect(r.stderr).toContain('starts at 09:00; entry opens at 08:45 (Europe/London)');
    expect(r.stderr).toContain('--early --reason');
    expect(r.stderr).not.toMatch(/walk-in/i);
    const json = await cli(['--json', '--now', localAt('07:30').toISOString(), 'visit', 'arrive', '--lot', 'EARLY-NO', '--reservation', id]);
    expect(json.json).toMatchObject({ error: { code: 'too_early', exitCode: 3 } });
    expect((await db.pool.query(`select 1 from visits where plate = 'EARLY1'`)).rowCount).toBe(0);
  });

  it('lets the car in on an attendant override, audited with who and why, and asks for the early time at departure', async () => {
    await insertConfirmed(db.pool, refuseLot, 2, 'EARLY2', start, end);
    const a = await cli(['--json', '--now', localAt('07:30').toISOString(), 'visit', 'arrive', '--lot', 'EARLY-NO', '--plate', 'EARLY2', '--early', '--reason', 'flight landed early']);
    expect(a.code).toBe(0);
    // 75 minutes before 08:45 at 2.00/h
    expect(a.json).toMatchObject({ earlyEntry: { earlyMinutes: 75, feeMinor: 250, override: true, reason: 'flight landed early' } });
    const audit = await db.pool.query(`select actor, reason, detail->>'fee_minor' as fee from events where kind = 'visit.early_entry' and detail->>'plate' = 'EARLY2'`);
    expect(audit.rows).toEqual([{ actor: 'attendant:ann', reason: 'flight landed early', fee: '250' }]);

    const d = await cli(['--json', '--now', localAt('10:00').toISOString(), 'visit', 'depart', '--lot', 'EARLY-NO', '--plate', 'EARLY2']);
    expect(d.code).toBe(0);
    expect(d.json).toMatchObject({ earlyEntryMinor: 250, amountDueMinor: 250, amountOutstandingMinor: 250, overstayMinutes: 0 });
  });

  it('wants a reason for the override', async () => {
    const r = await cli(['visit', 'arrive', '--lot', 'EARLY-NO', '--plate', 'EARLY1', '--early']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--early needs --reason/);
  });
});

describe('visit arrive, early, on a lot whose policy lets early cars in with a fee', () => {
  it('lets the car in up to max_minutes before entry opens, the early time owed at departure', async () => {
    await insertConfirmed(db.pool, feeLot, 1, 'FEE1', start, end);
    const a = await cli(['--json', '--now', localAt('08:15').toISOString(), 'visit', 'arrive', '--lot', 'EARLY-FEE', '--plate', 'FEE1']);
    expect(a.code).toBe(0);
    expect(a.json).toMatchObject({ earlyEntry: { earlyMinutes: 30, feeMinor: 100, override: false } });
    const d = await cli(['--json', '--now', localAt('09:30').toISOString(), 'visit', 'depart', '--lot', 'EARLY-FEE', '--plate', 'FEE1']);
    expect(d.json).toMatchObject({ earlyEntryMinor: 100, amountDueMinor: 100 });
  });

  it('still refuses a car earlier than that', async () => {
    await insertConfirmed(db.pool, feeLot, 2, 'FEE2', start, end);
    const r = await cli(['--now', localAt('07:30').toISOString(), 'visit', 'arrive', '--lot', 'EARLY-FEE', '--plate', 'FEE2']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('entry opens at 08:45 (Europe/London)');
  });
});

describe('the dashboard\'s check-in (i)', () => {
  it('is refused as too early, then lets the car in on the override with a reason, audited', async () => {
    const id = await insertConfirmed(db.pool, refuseLot, 4, 'DASH1', start, end);
    const lot = await loadLot(db.pool, 'EARLY-NO');
    const actions = createDashboardActions({ pool: db.pool, clock: fixedClock(localAt('08:30')), actor: 'dashboard:ann' }, lot);
    await expect(actions.checkIn(id)).rejects.toMatchObject({ code: 'too_early', message: expect.stringContaining('entry opens at 08:45') });
    expect(await actions.checkIn(id, { reason: 'regular customer' })).toBe(`DASH1 checked in, A-004 (early: 0.50 GBP due at exit)`);
    const audit = await db.pool.query(`select actor, reason from events where kind = 'visit.early_entry' and detail->>'plate' = 'DASH1'`);
    expect(audit.rows).toEqual([{ actor: 'dashboard:ann', reason: 'regular customer' }]);
    const snapshot = await new DashboardSnapshotReader(db.pool, lot).read(localAt('08:31'));
    expect(snapshot.feed.map((f) => f.text)).toContain('DASH1 let in before entry opened by dashboard:ann, 0.50 GBP due at exit: regular customer');
  });
});

describe('the lot file checks policy.early_entry', () => {
  it('refuses a mode it does not know, naming the key', () => {
    const file = { ...testLotFile(), policy: { early_entry: { mode: 'sometimes' } } };
    expect(() => parseLotFile(file, 'lot.yaml')).toThrow(UsageError);
    expect(() => parseLotFile(file, 'lot.yaml')).toThrow(/policy\.early_entry\.mode/);
  });
});

describe('the gates, from the allow-list snapshot', () => {
  const store = (code: string, direction: 'entry' | 'exit') => new PgGateStore(gatePool, { lotCode: code, gateId: `${direction}-1`, direction });

  it('the entry gate refuses an early car with the opening time on the sign when the policy says refuse', async () => {
    await insertConfirmed(db.pool, refuseLot, 3, 'GATE1', start, end);
    const now = localAt('08:15');
    const list = buildAllowList(await store('EARLY-NO', 'entry').loadSnapshot(now, 12));
    const d = decide(list, { kind: 'plate', plate: 'GATE1', confidence: 0.99, source: 'cam', readId: 'r1', at: now }, { direction: 'entry', now, armed: true });
    expect(d).toMatchObject({ allow: false, reason: 'TOO_EARLY', sign: 'OPENS 08:45', opensAt: localAt('08:45') });
  });

  it('the entry gate lets it in with the fee when the policy allows, and the exit gate asks for it', async () => {
    const reservationId = await insertConfirmed(db.pool, feeLot, 3, 'GATE2', start, end);
    const inAt = localAt('08:15');
    const entryStore = store('EARLY-FEE', 'entry');
    const list = buildAllowList(await entryStore.loadSnapshot(inAt, 12));
    const d = decide(list, { kind: 'plate', plate: 'GATE2', confidence: 0.99, source: 'cam', readId: 'r2', at: inAt }, { direction: 'entry', now: inAt, armed: true });
    expect(d).toMatchObject({ allow: true, reason: 'EARLY_ENTRY', reservationId, amountDueMinor: 100, opensAt: localAt('08:45') });

    // journalled and synced as the daemon does it: the visit owes the fee from the start
    const record: GateEventRecord = {
      kind: 'entry', occurredAt: inAt.toISOString(), plate: d.plate, credential: null, decision: d.reason, allow: true,
      reservationId: d.reservationId, visitId: randomUUID(), amountDueMinor: d.amountDueMinor, detail: { reservationEnd: end.toISOString() },
    };
    expect(await entryStore.pushEvents([{ seq: 1, record }])).toEqual({ inserted: 1, skipped: 0 });
    expect((await db.pool.query(`select amount_due_minor from visits where plate = 'GATE2'`)).rows).toEqual([{ amount_due_minor: 100 }]);

    const outAt = localAt('10:00');
    const exitList = buildAllowList(await store('EARLY-FEE', 'exit').loadSnapshot(outAt, 12));
    const out = decide(exitList, { kind: 'plate', plate: 'GATE2', confidence: 0.99, source: 'cam', readId: 'r3', at: outAt }, { direction: 'exit', now: outAt, armed: true });
    expect(out).toMatchObject({ allow: false, reason: 'PAYMENT_DUE', amountDueMinor: 100 });
  });

  it('the exit gate asks for the fee of an early entry decided while the database was away (local allow-list)', async () => {
    await insertConfirmed(db.pool, feeLot, 5, 'GATE3', start, end);
    const inAt = localAt('08:25');
    const local = new LocalAllowList(await store('EARLY-FEE', 'entry').loadSnapshot(inAt, 12), 0);
    const d = decide(local.current, { kind: 'plate', plate: 'GATE3', confidence: 0.99, source: 'cam', readId: 'r4', at: inAt }, { direction: 'entry', now: inAt, armed: true });
    expect(d).toMatchObject({ allow: true, reason: 'EARLY_ENTRY', amountDueMinor: 100 }); // 20 min early, billed as two 15-minute slots at 2.00/h
    const record: GateEventRecord = {
      kind: 'entry', occurredAt: inAt.toISOString(), plate: d.plate, credential: null, decision: d.reason, allow: true,
      reservationId: d.reservationId, visitId: randomUUID(), amountDueMinor: d.amountDueMinor, detail: { reservationEnd: end.toISOString() },
    };
    local.apply(effectOf(record)!);
    const outAt = localAt('10:00');
    const out = decide(local.current, { kind: 'plate', plate: 'GATE3', confidence: 0.99, source: 'cam', readId: 'r5', at: outAt }, { direction: 'exit', now: outAt, armed: true });
    expect(out).toMatchObject({ allow: false, reason: 'PAYMENT_DUE', amountDueMinor: 100 });
  });
});
