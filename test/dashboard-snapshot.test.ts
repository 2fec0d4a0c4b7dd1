// The dashboard's reads and actions against real PostgreSQL: given bookings, visits, holds, gates
// and audit rows, the snapshot has the right numbers; extend and spot service go through the
// database's rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardActions } from '../src/core/dashboard/actions.js';
import { DashboardSnapshotReader } from '../src/core/dashboard/snapshot.js';
import { RefusedError } from '../src/core/errors.js';
import type { Lot } from '../src/core/lots/lot.js';
import { fixedClock } from '../src/core/ports.js';
import { completeReservation } from '../src/core/reservations/lifecycle.js';
import { reserve } from '../src/core/reservations/reserve.js';
import { extendReservationEnd } from '../src/core/sql/dashboard.js';
import { insertGateEvent } from '../src/core/sql/gate.js';
import { upsertGateHeartbeat } from '../src/core/sql/gate-control.js';
import { arrive, depart } from '../src/core/visits.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

const now = new Date('2031-03-03T10:00:00Z');
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
const payments = new CashPaymentProvider();

let db: TestDatabase;
let lot: Lot;
const ids: Record<string, string> = {};

/**
 * Spots are scanned from the lowest, except the overstayer's from the highest: an overstaying car keeps
 * a spot the allocator may hand out again once its window ended, and the counts would then (rightly)
 * show one occupied spot for two bookings.
 */
async function book(key: string, plate: string, from: number, to: number, o: { bookedAt: number; pay: boolean; fromTop?: boolean }): Promise<void> {
  const deps = { db: db.pool, pool: db.pool, clock: fixedClock(at(o.bookedAt)), payments, actor: 'test', random: () => (o.fromTop ? 0.999 : 0) };
  const r = await reserve(deps, lot, { vehicleType: 'regular', start: at(from), end: at(to), plate, customerRef: key });
  if (o.pay) await completeReservation(deps, r.reservationId, `cash:${r.reservationId}:${r.priceMinor}:${r.currency}`);
  ids[key] = r.reservationId;
}

const visitDeps = (minutes: number) => ({ pool: db.pool, clock: fixedClock(at(minutes)), actor: 'test' });

beforeAll(async () => {
  db = await createTestDatabase();
  lot = await createTestLot(db.pool, { code: 'SNAP', spots: 10 });
  await book('inside', 'INS1', -60, 60, { bookedAt: -240, pay: true });
  await arrive(visitDeps(-55), lot, { plate: 'INS1', gate: 'G-IN' });
  await book('soon', 'SOON1', 30, 120, { bookedAt: -240, pay: true });
  await book('held', 'HELD1', -5, 60, { bookedAt: -4, pay: false });
  await book('over', 'OVER1', -180, -60, { bookedAt: -240, pay: true, fromTop: true });
  await arrive(visitDeps(-170), lot, { plate: 'OVER1', gate: 'G-IN' });
  await book('noshow', 'NOSH1', -90, 60, { bookedAt: -240, pay: true });
  await arrive(visitDeps(-180), lot, { plate: 'WALK1', gate: 'G-IN', walkIn: true });
  await depart(visitDeps(-60), lot, { plate: 'WALK1', gate: 'G-OUT' });
  await upsertGateHeartbeat(db.pool, {
    lotId: lot.lotId, gateId: 'G-IN', direction: 'entry', host: 'h', pid: 1, startedAt: at(-600), seenAt: at(-10),
    journalLastSeq: 1, journalSyncedSeq: 1, barrierState: 'closed', allowListSyncedAt: null,
  });
  await insertGateEvent(db.pool, { lotId: lot.lotId, gateId: 'G-IN', seq: 1, kind: 'entry', plate: 'INS1', credential: null, decision: 'allowed', detail: {}, occurredAt: at(-55) });
  const actions = createDashboardActions({ pool: db.pool, clock: fixedClock(now), actor: 'dashboard:ann', barrierWaitMs: 0 }, lot);
  // no daemon runs G-IN: the open is requested, given up, and audited as not opened
  await expect(actions.openBarrier('G-IN', 'ticket jammed')).rejects.toThrow(/G-IN not opened: no answer from its gate daemon/);
});

afterAll(async () => {
  await db?.drop();
});

describe('dashboard snapshot', () => {
  it('counts the lot by type and zone as it is now', async () => {
    const s = await new DashboardSnapshotReader(db.pool, lot).read(now);
    const regular = s.byType.find((t) => t.key === 'regular');
    // inside + overstaying are occupied, the running hold is held, the no-show's window is reserved
    expect(regular).toMatchObject({ total: 10, occupied: 2, held: 1, reserved: 1, free: 6, outOfService: 0 });
    // zones read by their code (80 columns cannot hold "Level 0, zone A"); the name and floor come along
    expect(s.byZone).toEqual([expect.objectContaining({ key: 'A', label: 'A', name: 'Zone A', floor: 0, total: 11, free: 7 })]);
    expect(s.lot).toEqual({ code: 'SNAP', name: 'Test lot', state: 'open', timeZone: 'Europe/London' });
  });

  it('lists arrivals in the next hour, holds, and the alerts an attendant acts on', async () => {
    const s = await new DashboardSnapshotReader(db.pool, lot).read(now);
    expect(s.arrivals.map((a) => a.plate)).toEqual(['SOON1']);
    expect(s.holds).toEqual([expect.objectContaining({ plate: 'HELD1', holdExpiresAt: at(11) })]);
    const byKind = (kind: string) => s.alerts.filter((a) => a.kind === kind);
    expect(byKind('overstay')).toEqual([expect.objectContaining({ reservationId: ids.over, text: expect.stringMatching(/^OVER1 60 min past end, A-\d{3}$/) })]);
    expect(byKind('no_show')).toEqual([expect.objectContaining({ reservationId: ids.noshow, text: expect.stringContaining('NOSH1 not arrived, 90 min late') })]);
    expect(byKind('payment_due')).toEqual([expect.objectContaining({ plate: 'WALK1', text: expect.stringMatching(/^WALK1 owes .*4\.00/) })]);
    expect(byKind('gate_offline')).toEqual([expect.objectContaining({ text: 'G-IN offline, silent for 10 min' })]);
    expect(byKind('manual_open')).toEqual([expect.objectContaining({ text: 'G-IN NOT opened (no answer from its gate daemon), asked by dashboard:ann: ticket jammed' })]);
    expect(s.gates).toEqual([expect.objectContaining({ gateId: 'G-IN', online: false, barrier: 'closed', manualOpensToday: 0, lastEvent: 'entry INS1 allowed' })]);
  });

  it('words the newest events first', async () => {
    const s = await new DashboardSnapshotReader(db.pool, lot).read(now);
    expect(s.feed.slice(0, 2)).toMatchObject([
      { kind: 'gate.manual_open_failed', text: 'barrier G-IN NOT opened (no answer from its gate daemon), asked by dashboard:ann: ticket jammed' },
      { kind: 'gate.manual_open_requested', text: 'barrier G-IN open requested by dashboard:ann: ticket jammed' },
    ]);
    expect(s.feed.map((f) => f.text)).toContain(`INS1 arrived, ${(await db.pool.query(`select s.label from reservations r join spots s using (lot_id, spot_id) where reservation_id = $1`, [ids.inside])).rows[0].label}`);
  });
});

describe('dashboard actions', () => {
  const actions = () => createDashboardActions({ pool: db.pool, clock: fixedClock(now), actor: 'dashboard:ann', barrierWaitMs: 0 }, lot);

  it('finds a booking by plate typed loosely or by an id prefix', async () => {
    expect((await actions().find('soon 1')).map((f) => f.reservationId)).toEqual([ids.soon]);
    expect((await actions().find(ids.inside!.slice(0, 8))).map((f) => [f.plate, f.inside])).toEqual([['INS1', true]]);
  });

  it('extends into free time, and refuses when the spot is taken after the end', async () => {
    // 30 more minutes at the test lot's 200 an hour, owed at the exit
    expect(await actions().extend(ids.soon!, 30)).toMatch(/^SOON1 extended to 12:30, A-\d{3}, 1\.00 GBP due at exit$/);
    const { rows } = await db.pool.query<{ extension_minor: number }>(`select extension_minor from reservations where reservation_id = $1`, [ids.soon]);
    expect(rows[0]!.extension_minor).toBe(100);
    await db.pool.query(
      `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
       select lot_id, 'next', 'NEXT1', vehicle_type, spot_id, tstzrange(upper(period), upper(period) + interval '1 hour', '[)'), 'CONFIRMED', 0, 'GBP', now(), now()
         from reservations where reservation_id = $1::uuid`, [ids.soon]);
    const refused = await actions().extend(ids.soon!, 30).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(RefusedError);
    expect((refused as Error).message).toBe('spot taken after 12:30');
  });

  it('does not extend from an end that has moved since the extension was priced', async () => {
    const before = await db.pool.query<{ ends_at: Date; extension_minor: number }>(
      `select upper(period) as ends_at, extension_minor from reservations where reservation_id = $1`, [ids.held]);
    const stale = new Date(before.rows[0]!.ends_at.getTime() - 30 * 60_000);
    expect(await extendReservationEnd(db.pool, { lotId: lot.lotId, reservationId: ids.held!, from: stale, minutes: 15, extensionMinor: 50, now })).toBeNull();
    const after = await db.pool.query(`select upper(period) as ends_at, extension_minor from reservations where reservation_id = $1`, [ids.held]);
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it('takes a spot out of service with a reason, and the counts and feed show it', async () => {
    expect(await actions().setSpotOutOfService('ev-1', true, 'charger broken')).toBe('EV-1 out of service');
    const s = await new DashboardSnapshotReader(db.pool, lot).read(now);
    expect(s.byType.find((t) => t.key === 'ev')).toMatchObject({ total: 1, free: 0, outOfService: 1 });
    expect(s.feed[0]).toMatchObject({ kind: 'spot.maintenance', text: 'EV-1 out of service: charger broken' });
    expect(await actions().setSpotOutOfService('EV-1', false, 'fixed')).toBe('EV-1 back in service');
  });

  it('checks in and out through the same core as the gate', async () => {
    const later = createDashboardActions({ pool: db.pool, clock: fixedClock(at(25)), actor: 'dashboard:ann' }, lot);
    expect(await later.checkIn(ids.soon!)).toMatch(/^SOON1 checked in, A-\d{3}$/);
    // leaving before its window even starts still owes the extension, as the booking itself stays paid
    expect(await later.checkOut(ids.soon!)).toBe('SOON1 checked out: 1.00 GBP to collect');
  });
});

describe('dashboard counts (issue 13: "Holds 50 (+47 more)" with 3,000 open)', () => {
  it('counts every list in full while the lists stop at their read limit', async () => {
    for (const [index, plate] of ['CNT1', 'CNT2', 'CNT3'].entries()) await book(`count${index}`, plate, 200 + index * 10, 260, { bookedAt: -2, pay: false });
    const s = await new DashboardSnapshotReader(db.pool, lot, { listLimit: 2 }).read(now);
    expect(s.holds).toHaveLength(2);
    const { rows } = await db.pool.query<{ n: number }>(`select count(*)::integer as n from reservations where lot_id = $1 and status = 'TENTATIVE'`, [lot.lotId]);
    expect(rows[0]!.n).toBeGreaterThan(2);
    expect(s.counts?.holds).toBe(rows[0]!.n);
    // every alert kind has one row here, so the list (limit 2 a kind) is whole and the count must agree with it
    expect(s.counts?.alerts).toBe(s.alerts.length);
    expect(s.counts?.arrivals).toBe(s.arrivals.length);
  });
});
