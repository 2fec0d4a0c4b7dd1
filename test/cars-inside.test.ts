// Cars are facts too (DESIGN.md invariant 8, issue 19 items 1, 2 and 4b): a car inside holds its spot until it
// leaves, walk-ins and overstays included; capacity counts windows off the quarter hour as the allocator does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardSnapshotReader } from '../src/core/dashboard/snapshot.js';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { fixedClock } from '../src/core/ports.js';
import { completeReservation } from '../src/core/reservations/lifecycle.js';
import { reserve } from '../src/core/reservations/reserve.js';
import { arrive } from '../src/core/visits.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let env: Record<string, string>;
beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
});
afterAll(async () => { await db.drop(); });

const cli = (args: string[], now: string) => runCli([...args, '--now', now], env);
const payments = new CashPaymentProvider();

interface Free { free: number; total: number }
async function capacity(lot: string, from: string, to: string, now: string): Promise<Free> {
  const r = await cli(['capacity', 'check', '--lot', lot, '--type', 'regular', '--from', from, '--to', to, '--json'], now);
  expect(r.code, r.stderr).toBe(0);
  return r.json as Free;
}
async function freeNow(lot: string, now: string): Promise<{ total: number; regular: number }> {
  const r = await cli(['lot', 'show', lot, '--json'], now);
  expect(r.code, r.stderr).toBe(0);
  const j = r.json as { totals: { free: number }; byType: { key: string; free: number }[] };
  return { total: j.totals.free, regular: j.byType.find((t) => t.key === 'regular')!.free };
}

describe('a walk-in holds a spot (item 1)', () => {
  it('counts against free now and the next hour, is never given to a booking, and frees its spot when it leaves', async () => {
    expect((await runCli(['lot', 'import', 'fixtures/surface-lot.yaml'], env)).code).toBe(0);
    const now = '2026-12-07T10:05:00Z';
    expect(await freeNow('RIVERSIDE', now)).toEqual({ total: 40, regular: 28 });

    const walkIn = await cli(['visit', 'arrive', '--lot', 'RIVERSIDE', '--walk-in', '--plate', 'WALK2', '--json'], now);
    expect(walkIn.code, walkIn.stderr).toBe(0);
    expect(await freeNow('RIVERSIDE', now)).toEqual({ total: 39, regular: 27 });
    expect(await capacity('RIVERSIDE', '2026-12-07T10:15:00Z', '2026-12-07T11:15:00Z', now)).toMatchObject({ free: 27, total: 28 });
    expect(await capacity('RIVERSIDE', '2026-12-07T10:05:00Z', '2026-12-07T10:20:00Z', now)).toMatchObject({ free: 27, total: 28 });

    // the next hour sells 27 regular spots, not 28, and none is the walk-in's
    for (let i = 0; i < 27; i++) {
      const r = await cli(['booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', '2026-12-07T10:15:00Z',
        '--to', '2026-12-07T11:15:00Z', '--plate', `BK${i}`, '--json'], now);
      expect(r.code, r.stderr).toBe(0);
    }
    const refused = await cli(['booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', '2026-12-07T10:15:00Z',
      '--to', '2026-12-07T11:15:00Z', '--plate', 'BK27'], now);
    expect(refused.code).toBe(3);
    const { rows } = await db.pool.query<{ n: number }>(
      `select count(*)::integer as n from reservations b join visits v on v.lot_id = b.lot_id and v.spot_id = b.spot_id
        where v.plate = 'WALK2' and b.walk_in_visit_id is null and b.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')`);
    expect(rows[0]!.n).toBe(0);

    // the car leaves: its spot is free again from then on
    const leave = '2026-12-07T10:10:00Z'; // the 27 holds still run
    expect((await cli(['visit', 'depart', '--lot', 'RIVERSIDE', '--plate', 'WALK2'], leave)).code).toBe(0);
    expect(await capacity('RIVERSIDE', '2026-12-07T10:15:00Z', '2026-12-07T11:15:00Z', leave)).toMatchObject({ free: 1 });
  });
});

describe('windows off the quarter hour (item 4b)', () => {
  it('a one-spot lot after 10:00 -> 10:15:00.001: capacity and reserve agree on the next window, and on one that overlaps', async () => {
    await createTestLot(db.pool, { code: 'ONE', spots: 1 });
    const now = '2026-12-07T09:00:00Z';
    const book = (plate: string, from: string, to: string) =>
      cli(['booking', 'reserve', '--lot', 'ONE', '--type', 'regular', '--from', from, '--to', to, '--plate', plate, '--json'], now);
    expect((await book('FIRST1', '2026-12-07T10:00:00Z', '2026-12-07T10:15:00.001Z')).code).toBe(0);

    // overlaps by a millisecond: both say no
    expect(await capacity('ONE', '2026-12-07T10:15:00Z', '2026-12-07T10:30:00Z', now)).toMatchObject({ free: 0, total: 1 });
    expect((await book('CLASH1', '2026-12-07T10:15:00Z', '2026-12-07T10:30:00Z')).code).toBe(3);
    // back to back: both say yes
    expect(await capacity('ONE', '2026-12-07T10:15:00.001Z', '2026-12-07T10:30:00.001Z', now)).toMatchObject({ free: 1, total: 1 });
    const next = await book('NEXT1', '2026-12-07T10:15:00.001Z', '2026-12-07T10:30:00.001Z');
    expect(next.code, next.stderr).toBe(0);
    expect(await capacity('ONE', '2026-12-07T10:30:00.001Z', '2026-12-07T10:45:00Z', now)).toMatchObject({ free: 1 });
    expect(await capacity('ONE', '2026-12-07T10:30:00Z', '2026-12-07T10:45:00Z', now)).toMatchObject({ free: 0 });
  });
});

describe('an overstaying car keeps its spot (item 2)', () => {
  const t = (hhmm: string) => new Date(`2026-12-08T${hhmm}:00Z`);

  async function book(lot: Lot, plate: string, from: string, to: string, o: { at: string; spotFromTop?: boolean }): Promise<string> {
    const deps = { db: db.pool, pool: db.pool, clock: fixedClock(t(o.at)), payments, actor: 'test', random: () => (o.spotFromTop ? 0.999 : 0) };
    const r = await reserve(deps, lot, { vehicleType: 'regular', start: t(from), end: t(to), plate, customerRef: plate });
    await completeReservation(deps, r.reservationId, `cash:${r.reservationId}:${r.priceMinor}:${r.currency}`);
    return r.reservationId;
  }
  const arriveAt = (lot: Lot, plate: string, at: string) => arrive({ pool: db.pool, clock: fixedClock(t(at)), actor: 'test' }, lot, { plate, gate: 'G-IN' });
  const spotOf = async (id: string) =>
    (await db.pool.query<{ label: string }>(`select s.label from reservations r join spots s using (lot_id, spot_id) where r.reservation_id = $1`, [id])).rows[0]!.label;

  it('one spot: past its end the car still holds it, so the spot is neither counted free nor sold; the next booking is alerted ahead', async () => {
    const lot = await createTestLot(db.pool, { code: 'OVER1', spots: 1 });
    await book(lot, 'STAY1', '10:00', '11:00', { at: '08:00' });
    const next = await book(lot, 'NEXT2', '12:00', '13:00', { at: '08:00' });
    await arriveAt(lot, 'STAY1', '10:00');

    const now = '2026-12-08T11:05:00Z';
    expect(await capacity('OVER1', '2026-12-08T11:15:00Z', '2026-12-08T11:45:00Z', now)).toMatchObject({ free: 0, total: 1 });
    expect(await freeNow('OVER1', now)).toMatchObject({ regular: 0 });
    const sold = await cli(['booking', 'reserve', '--lot', 'OVER1', '--type', 'regular', '--from', '2026-12-08T11:15:00Z',
      '--to', '2026-12-08T11:45:00Z', '--plate', 'LATE1'], now);
    expect(sold.code).toBe(3);

    // the sweep finds nowhere to move the next booking: the attendant hears of it 45 minutes before it starts
    const sweep = await cli(['sweeper', 'run', '--overstays', '--lot', 'OVER1', '--json'], '2026-12-08T11:15:00Z');
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.json).toMatchObject({ bookingsMoved: 0, bookingsUnplaced: 1 });
    const snapshot = await new DashboardSnapshotReader(db.pool, await loadLot(db.pool, 'OVER1')).read(t('11:15'));
    expect(snapshot.alerts.filter((a) => a.kind === 'no_spot').map((a) => [a.reservationId, a.plate])).toEqual([[next, 'NEXT2']]);
  });

  it('two spots: a later booking on the overstayer\'s spot is moved to the other spot before it starts, audited, alerted, on the allow-list', async () => {
    const lot = await createTestLot(db.pool, { code: 'OVER2', spots: 2 });
    const stay = await book(lot, 'STAY2', '10:00', '11:00', { at: '08:00' });
    const stayLabel = await spotOf(stay);
    // the next booking lands on the same spot: the other one is taken in its window when it books
    const filler = await book(lot, 'FILL2', '11:30', '12:30', { at: '08:00', spotFromTop: stayLabel === 'A-001' });
    const next = await book(lot, 'NEXT3', '11:30', '12:30', { at: '08:00' });
    expect(await spotOf(next)).toBe(stayLabel);
    expect((await cli(['booking', 'cancel', filler], '2026-12-08T08:30:00Z')).code).toBe(0);
    await arriveAt(lot, 'STAY2', '10:00');

    const sweep = await cli(['sweeper', 'run', '--overstays', '--lot', 'OVER2', '--json'], '2026-12-08T11:05:00Z');
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.json).toMatchObject({ bookingsMoved: 1, bookingsUnplaced: 0 });
    const moved = await spotOf(next);
    expect(moved).not.toBe(stayLabel);

    const { rows: events } = await db.pool.query<{ detail: Record<string, unknown> }>(
      `select detail from events where reservation_id = $1 and kind = 'reservation.moved'`, [next]);
    expect(events.map((e) => [e.detail.from_spot_label, e.detail.spot_label])).toEqual([[stayLabel, moved]]);
    const { rows: allow } = await db.pool.query<{ spot_label: string }>(`select spot_label from gate_allow_list where reservation_id = $1`, [next]);
    expect(allow).toEqual([{ spot_label: moved }]);
    const snapshot = await new DashboardSnapshotReader(db.pool, await loadLot(db.pool, 'OVER2')).read(t('11:05'));
    expect(snapshot.alerts.filter((a) => a.kind === 'booking_moved').map((a) => a.reservationId)).toEqual([next]);
    // the overstayer's spot stays held, the moved booking holds the other: nothing left for 11:30
    expect(await capacity('OVER2', '2026-12-08T11:30:00Z', '2026-12-08T12:00:00Z', '2026-12-08T11:05:00Z')).toMatchObject({ free: 0, total: 2 });
  });
});
