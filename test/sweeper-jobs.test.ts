// The sweeper's three jobs at their exact boundaries, through the CLI as cron runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lot } from '../src/core/lots/lot.js';
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

const ms = (iso: string) => new Date(iso).getTime();
const iso = (t: number) => new Date(t).toISOString();
const minute = 60_000;

interface Row {
  status: 'TENTATIVE' | 'CONFIRMED' | 'CHECKED_IN';
  plate: string;
  label?: string;
  from: number;
  to: number;
  holdExpiresAt?: number;
  priceMinor?: number;
  paid?: boolean;
}

/** A reservation written straight into the table (the triggers still set spot_days and the audit). */
async function insertReservation(lot: Lot, r: Row): Promise<string> {
  const { rows } = await db.pool.query<{ reservation_id: string }>(
    `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, hold_expires_at,
                               price_minor, currency, payment_status, created_at, updated_at)
     select $1, 'cust', $2, 'regular', s.spot_id, tstzrange($3, $4, '[)'), $5, $6, $7, 'GBP', $8, $3::timestamptz - interval '1 day', $3::timestamptz - interval '1 day'
       from spots s where s.lot_id = $1 and s.label = $9
     returning reservation_id`,
    [lot.lotId, r.plate, iso(r.from), iso(r.to), r.status, r.holdExpiresAt === undefined ? null : iso(r.holdExpiresAt),
      r.priceMinor ?? 1000, r.paid ? 'paid' : 'unpaid', r.label ?? 'A-001'],
  );
  return rows[0]!.reservation_id;
}

async function statusOf(id: string): Promise<string> {
  const { rows } = await db.pool.query<{ status: string }>(`select status from reservations where reservation_id = $1`, [id]);
  return rows[0]!.status;
}

async function eventsOf(id: string, kind: string) {
  const { rows } = await db.pool.query<{ actor: string; detail: Record<string, unknown>; occurred_at: Date }>(
    `select actor, detail, occurred_at from events where reservation_id = $1 and kind = $2 order by event_id`, [id, kind]);
  return rows;
}

/** Bits set for the spot on that UTC day: 0 when the window is released. */
async function bitsSet(lot: Lot, label: string, day: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `select coalesce(length(replace(sd.mask::text, '0', '')), 0)::integer as n
       from spot_days sd join spots s on s.lot_id = sd.lot_id and s.spot_id = sd.spot_id
      where sd.lot_id = $1 and s.label = $2 and sd.day = $3::date`, [lot.lotId, label, day]);
  return rows[0]?.n ?? 0;
}

const sweep = (now: number, ...args: string[]) => runCli(['sweeper', 'run', ...args, '--now', iso(now)], env);

describe('hold expiry', () => {
  it('expires a hold at exactly its end, not a millisecond before, and only once', async () => {
    const lot = await createTestLot(db.pool, { code: 'HOLDS' });
    const holdEnd = ms('2026-12-01T08:15:00Z');
    const id = await insertReservation(lot, { status: 'TENTATIVE', plate: 'HOLD1', from: ms('2026-12-01T09:00:00Z'), to: ms('2026-12-01T11:00:00Z'), holdExpiresAt: holdEnd });
    expect(await bitsSet(lot, 'A-001', '2026-12-01')).toBe(8);

    const early = await sweep(holdEnd - 1, '--holds', '--lot', 'HOLDS');
    expect(early.code).toBe(0);
    expect(early.stdout.trim()).toBe('sweep 2026-12-01T08:14:59.999Z lot=HOLDS holds expired=0 in ' + early.stdout.trim().split(' in ')[1]);
    expect(await statusOf(id)).toBe('TENTATIVE');

    const due = await sweep(holdEnd, '--holds', '--lot', 'HOLDS');
    expect(due.code).toBe(0);
    expect(due.stdout).toMatch(/^sweep 2026-12-01T08:15:00Z lot=HOLDS holds expired=1 in \d+ ms\n$/);
    expect(await statusOf(id)).toBe('EXPIRED');
    expect(await bitsSet(lot, 'A-001', '2026-12-01')).toBe(0);

    const again = await sweep(holdEnd + 5 * minute, '--holds', '--lot', 'HOLDS');
    expect(again.stdout).toMatch(/holds expired=0 /);
    const events = await eventsOf(id, 'reservation.expired');
    expect(events).toHaveLength(1);
    expect(events[0]!.actor).toBe('sweeper');
    expect(events[0]!.occurred_at.getTime()).toBe(holdEnd);
    const spot = await db.pool.query<{ spot_id: number }>(`select spot_id from spots where lot_id = $1 and label = 'A-001'`, [lot.lotId]);
    expect(events[0]!.detail).toEqual({
      plate: 'HOLD1', spot_id: spot.rows[0]!.spot_id, from: '2026-12-01T09:00:00+00:00', to: '2026-12-01T11:00:00+00:00', previous: 'TENTATIVE',
    });
  });

  it('drains more due holds than one batch', async () => {
    const lot = await createTestLot(db.pool, { code: 'BATCHES' });
    const ids = await Promise.all(Array.from({ length: 7 }, (_, i) => insertReservation(lot, {
      status: 'TENTATIVE', plate: `BAT${i}`, label: `A-00${i + 1}`, from: ms('2026-12-03T09:00:00Z'), to: ms('2026-12-03T10:00:00Z'), holdExpiresAt: ms('2026-12-03T08:00:00Z'),
    })));
    const r = await sweep(ms('2026-12-03T08:00:00Z'), '--holds', '--lot', 'batches', '--batch', '2', '--json');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ lot: 'BATCHES', jobs: ['holds'], holdsExpired: 7, noShows: 0, overstayAlerts: 0, lotsChanged: ['BATCHES'] });
    for (const id of ids) expect(await statusOf(id)).toBe('EXPIRED');
  });
});

describe('no-shows', () => {
  it("marks a confirmed booking NO_SHOW at start + the lot's grace exactly and releases its window", async () => {
    const lot = await createTestLot(db.pool, { code: 'NOSHOW' });
    const start = ms('2026-12-02T09:00:00Z');
    const id = await insertReservation(lot, { status: 'CONFIRMED', plate: 'NOSHOW1', from: start, to: ms('2026-12-02T12:00:00Z'), paid: true });
    const grace = lot.noShowGraceMinutes * minute;
    expect(grace).toBe(60 * minute);

    const early = await sweep(start + grace - 1, '--no-shows', '--lot', 'NOSHOW');
    expect(early.stdout).toMatch(/ no-shows=0 in \d+ ms/);
    expect(await statusOf(id)).toBe('CONFIRMED');

    const due = await sweep(start + grace, '--no-shows', '--lot', 'NOSHOW');
    expect(due.code).toBe(0);
    expect(due.stdout).toMatch(/^sweep 2026-12-02T10:00:00Z lot=NOSHOW no-shows=1 in \d+ ms\n$/);
    expect(await statusOf(id)).toBe('NO_SHOW');
    expect(await bitsSet(lot, 'A-001', '2026-12-02')).toBe(0);
    expect(await eventsOf(id, 'reservation.no_show')).toMatchObject([{ actor: 'sweeper' }]);
    // default policy: the lot keeps the prepayment
    expect(await eventsOf(id, 'payment.refund_due')).toHaveLength(0);
  });

  it('marks a paid no-show for a partial refund when the lot policy says so, once', async () => {
    const lot = await createTestLot(db.pool, { code: 'REFUNDS', policy: { no_show_refund_percent: 50 } });
    const start = ms('2026-12-02T09:00:00Z');
    const paid = await insertReservation(lot, { status: 'CONFIRMED', plate: 'REFUND1', from: start, to: start + 120 * minute, priceMinor: 1235, paid: true });
    const unpaid = await insertReservation(lot, { status: 'CONFIRMED', plate: 'REFUND2', label: 'A-002', from: start, to: start + 120 * minute, priceMinor: 1000 });
    const r = await sweep(start + 61 * minute, '--no-shows', '--lot', 'REFUNDS', '--json');
    expect(r.json).toMatchObject({ noShows: 2, refundsDue: 1 });
    await sweep(start + 90 * minute, '--no-shows', '--lot', 'REFUNDS');
    const refunds = await eventsOf(paid, 'payment.refund_due');
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.detail).toEqual({ amount_minor: 618, percent: 50, currency: 'GBP' });
    expect(refunds[0]!.actor).toBe('sweeper');
    expect(await eventsOf(unpaid, 'payment.refund_due')).toHaveLength(0);
  });

  it('warns about a refund percent it cannot read and still releases the spot', async () => {
    const lot = await createTestLot(db.pool, { code: 'BADPOLICY', policy: { no_show_refund_percent: 'half' } });
    const start = ms('2026-12-02T09:00:00Z');
    const id = await insertReservation(lot, { status: 'CONFIRMED', plate: 'BADPOL1', from: start, to: start + 60 * minute, paid: true });
    const r = await sweep(start + 60 * minute, '--no-shows', '--lot', 'BADPOLICY');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/no_show_refund_percent "half" is not a number from 0 to 100/);
    expect(await statusOf(id)).toBe('NO_SHOW');
    expect(await eventsOf(id, 'payment.refund_due')).toHaveLength(0);
  });
});

describe('overstay alerts', () => {
  it('alerts once per reservation, after the window plus one overstay slot', async () => {
    const lot = await createTestLot(db.pool, { code: 'OVER' });
    const end = ms('2026-12-04T10:00:00Z');
    const id = await insertReservation(lot, { status: 'CHECKED_IN', plate: 'OVER1', from: end - 120 * minute, to: end, paid: true });
    const slot = lot.overstaySlotMinutes * minute;

    const atSlot = await sweep(end + slot, '--overstays', '--lot', 'OVER');
    expect(atSlot.stdout).toMatch(/ overstays=0 in /);
    const after = await sweep(end + slot + 1, '--overstays', '--lot', 'OVER');
    expect(after.stdout).toMatch(/ overstays=1 in /);
    const later = await sweep(end + 3 * slot, '--overstays', '--lot', 'OVER');
    expect(later.stdout).toMatch(/ overstays=0 in /);

    const alerts = await eventsOf(id, 'alert.overstay');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.detail).toMatchObject({ plate: 'OVER1', spot_label: 'A-001', overstay_minutes: 16 });
    expect(await statusOf(id)).toBe('CHECKED_IN');
  });

  it('two sweeps at once still write one alert', async () => {
    const lot = await createTestLot(db.pool, { code: 'OVERRACE' });
    const end = ms('2026-12-04T10:00:00Z');
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) =>
      insertReservation(lot, { status: 'CHECKED_IN', plate: `RACE${i}`, label: `A-00${i + 1}`, from: end - 60 * minute, to: end })));
    const runs = await Promise.all([1, 2, 3].map(() => sweep(end + 60 * minute, '--overstays', '--lot', 'OVERRACE', '--json', '--batch', '1')));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(runs.reduce((sum, r) => sum + (r.json as { overstayAlerts: number }).overstayAlerts, 0)).toBe(5);
    for (const id of ids) expect(await eventsOf(id, 'alert.overstay')).toHaveLength(1);
  });
});

describe('sweeper run, as cron sees it', () => {
  it('with no job flags runs all three, over every lot, and prints one line', async () => {
    const lot = await createTestLot(db.pool, { code: 'ALLJOBS' });
    const t = ms('2026-12-10T12:00:00Z');
    const hold = await insertReservation(lot, { status: 'TENTATIVE', plate: 'ALL1', from: t + 60 * minute, to: t + 120 * minute, holdExpiresAt: t - minute });
    const noShow = await insertReservation(lot, { status: 'CONFIRMED', plate: 'ALL2', label: 'A-002', from: t - 120 * minute, to: t + 60 * minute, paid: true });
    const over = await insertReservation(lot, { status: 'CHECKED_IN', plate: 'ALL3', label: 'A-003', from: t - 180 * minute, to: t - 60 * minute });
    const r = await sweep(t);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sweep 2026-12-10T12:00:00Z holds expired=\d+ no-shows=\d+ overstays=\d+ in \d+ ms\n$/);
    expect(await statusOf(hold)).toBe('EXPIRED');
    expect(await statusOf(noShow)).toBe('NO_SHOW');
    expect(await eventsOf(over, 'alert.overstay')).toHaveLength(1);
    // nothing left to do is still success
    const idle = await sweep(t, '--json');
    expect(idle.code).toBe(0);
    expect(idle.json).toMatchObject({ lot: null, jobs: ['holds', 'noShows', 'overstays'], holdsExpired: 0, noShows: 0, overstayAlerts: 0, lotsChanged: [] });
  });

  it('exits 2 on bad flags and on an unknown lot, 69 when PostgreSQL is unreachable', async () => {
    expect((await runCli(['sweeper', 'run', '--batch', '0'], env)).code).toBe(2);
    const workers = await runCli(['sweeper', 'run', '--workers', '9'], env);
    expect(workers.code).toBe(2);
    expect(workers.stderr).toMatch(/--workers "9" is more than 8/);
    expect((await runCli(['sweeper', 'run', '--workers', 'two'], env)).code).toBe(2);
    expect((await runCli(['sweeper', 'run', '--every', 'often'], env)).code).toBe(2);
    expect((await runCli(['sweeper', 'run', '--once', '--every', '60s'], env)).code).toBe(2);
    expect((await runCli(['sweeper', 'run', '--bogus'], env)).code).toBe(2);
    const unknown = await runCli(['sweeper', 'run', '--lot', 'NOSUCHLOT'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown lot "NOSUCHLOT"/);
    const down = await runCli(['sweeper', 'run', '--once'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:9/parkctl' });
    expect(down.code).toBe(69);
    expect(down.stderr).toMatch(/PostgreSQL/);
  });
});
