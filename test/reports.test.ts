// Issue 17: every report on generated rows with known answers, a DST week and a month boundary in the
// lot's zone (Europe/London), the rollups giving the same figures as the raw rows, and --explain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonShapes } from '../src/core/json/schemas.js';
import type { Lot } from '../src/core/lots/lot.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { runCli } from './support/cli.js';
import { createTestLot } from './support/lots.js';
import { addBooking, addEvent, addGateEvent, addPayment, addVisit } from './support/report-data.js';

let db: TestDatabase;
let lot: Lot;
const now = '2026-08-01T00:00:00Z';
const env = (at = now) => ({ DATABASE_URL: db.url, PARKCTL_NOW: at });
type Row = Record<string, unknown>;
async function report(args: string[], at = now): Promise<{ rows: Row[]; totals: Row }> {
  const r = await runCli(['--json', 'report', ...args, '--lot', 'RPT'], env(at));
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const shape = jsonShapes.Report.safeParse(r.json);
  expect(shape.success, JSON.stringify(shape.error?.issues.slice(0, 3))).toBe(true);
  return r.json as { rows: Row[]; totals: Row };
}

beforeAll(async () => {
  db = await createTestDatabase();
  lot = await createTestLot(db.pool, { code: 'RPT', spots: 10 });
  const id = lot.lotId;
  // DST week: the clocks go forward at 01:00 GMT on Sunday 29 March 2026 (a 23-hour day).
  await addVisit(db.pool, id, { plate: 'DST1', enteredAt: '2026-03-28T12:00:00Z', exitedAt: '2026-03-30T12:00:00Z' });
  await addPayment(db.pool, id, { at: '2026-03-28T23:30:00Z', amountMinor: 500, method: 'cash' }); // 23:30 GMT, the 28th
  await addPayment(db.pool, id, { at: '2026-03-29T23:30:00Z', amountMinor: 700, method: 'card' }); // 00:30 BST, the 30th
  // Month boundary in summer time: 30 June 23:30 UTC is 1 July 00:30 in London.
  await addPayment(db.pool, id, { at: '2026-06-30T22:30:00Z', amountMinor: 300, method: 'cash' });
  await addPayment(db.pool, id, { at: '2026-06-30T23:30:00Z', amountMinor: 1000, method: 'stripe', purpose: 'reservation' });
  await addPayment(db.pool, id, { at: '2026-07-01T10:00:00Z', amountMinor: 200, method: 'stripe', purpose: 'refund' });
  await addPayment(db.pool, id, { at: '2026-07-01T11:00:00Z', amountMinor: 5000, method: 'stripe', status: 'failed' }); // not money
  // Turnover, Monday 4 May: three cars of 60, 120 and 180 minutes.
  for (const [i, mins] of [60, 120, 180].entries()) {
    const start = Date.parse('2026-05-04T08:00:00Z') + i * 3_600_000;
    await addVisit(db.pool, id, { plate: `TURN${i}`, enteredAt: new Date(start).toISOString(), exitedAt: new Date(start + mins * 60_000).toISOString() });
  }
  // No-shows, Tuesday 5 May: two no-shows (8.00 and 12.00), two booked cars that came.
  await addBooking(db.pool, id, { plate: 'NOSHOW1', start: '2026-05-05T08:00:00Z', end: '2026-05-05T10:00:00Z', status: 'NO_SHOW', priceMinor: 800 });
  await addBooking(db.pool, id, { plate: 'NOSHOW2', start: '2026-05-05T09:00:00Z', end: '2026-05-05T11:00:00Z', status: 'NO_SHOW', priceMinor: 1200 });
  for (const p of ['CAME1', 'CAME2']) {
    const r = await addBooking(db.pool, id, { plate: p, start: '2026-05-05T08:00:00Z', end: '2026-05-05T09:00:00Z', status: 'COMPLETED', priceMinor: 400 });
    await addVisit(db.pool, id, { plate: p, enteredAt: '2026-05-05T08:05:00Z', exitedAt: '2026-05-05T08:55:00Z', reservationId: r });
  }
  // Exceptions, Wednesday 6 May.
  for (const k of ['gate.manual_open', 'gate.manual_open', 'gate.manual_open_failed', 'permit.passback_reset', 'payment.failed', 'ticket_lost', 'ticket_nil_payment', 'lot.state_changed']) {
    await addEvent(db.pool, id, k, '2026-05-06T10:00:00Z', 'by hand');
  }
  await addGateEvent(db.pool, id, 'exit', 'LOST_TICKET', '2026-05-06T11:00:00Z');
  await addGateEvent(db.pool, id, 'entry', 'RESERVATION_OK', '2026-05-06T11:00:00Z');
  await addVisit(db.pool, id, { plate: 'OWING', enteredAt: '2026-05-06T09:00:00Z', exitedAt: '2026-05-06T12:00:00Z', dueMinor: 500, paidMinor: 0 });
  // Takings, Thursday 7 May: two cars in and out, one left owing 3.00; cash in 5.00, 1.00 handed back; a card payment.
  const v1 = await addVisit(db.pool, id, { plate: 'TAKE1', enteredAt: '2026-05-07T08:00:00Z', exitedAt: '2026-05-07T10:00:00Z', dueMinor: 300, paidMinor: 300 });
  const v2 = await addVisit(db.pool, id, { plate: 'TAKE2', enteredAt: '2026-05-07T09:00:00Z', exitedAt: '2026-05-07T11:00:00Z', dueMinor: 500, paidMinor: 200 });
  await addPayment(db.pool, id, { at: '2026-05-07T10:00:00Z', amountMinor: 300, method: 'cash', visitId: v1 });
  await addPayment(db.pool, id, { at: '2026-05-07T11:00:00Z', amountMinor: 200, method: 'cash', visitId: v2 });
  await addPayment(db.pool, id, { at: '2026-05-07T12:00:00Z', amountMinor: 100, method: 'cash', purpose: 'refund' });
  await addPayment(db.pool, id, { at: '2026-05-07T12:00:00Z', amountMinor: 999, method: 'card', visitId: v2 });
});
afterAll(() => db.drop());

/** Every report question below, so they can be asked again once the rollups hold the hours. */
const questions: string[][] = [
  ['occupancy', '--by', 'hour', '--from', '2026-03-29', '--to', '2026-03-29'],
  ['occupancy', '--from', '2026-03-23', '--to', '2026-03-29', '--type', 'regular'],
  ['revenue', '--from', '2026-03-28', '--to', '2026-03-30'],
  ['revenue', '--by', 'week', '--from', '2026-03-23', '--to', '2026-04-05'],
  ['revenue', '--by', 'month', '--from', '2026-06-01', '--to', '2026-07-31'],
  ['turnover', '--from', '2026-05-04', '--to', '2026-05-04', '--type', 'regular'],
  ['no-shows', '--from', '2026-05-05', '--to', '2026-05-05'],
  ['exceptions', '--from', '2026-05-06', '--to', '2026-05-06'],
  ['takings', '--from', '2026-05-07', '--to', '2026-05-07'],
];

describe('report (raw rows, then rollups)', () => {
  const answers: unknown[] = [];

  it('occupancy by hour on the spring-forward day has 23 hours, each with the one car inside', async () => {
    const r = await report(questions[0]!);
    expect(r.rows.map((x) => x.label)).toHaveLength(23);
    expect(r.rows.map((x) => x.label)).not.toContain('2026-03-29 01:00');
    expect(r.rows[1]!.label).toBe('2026-03-29 02:00');
    expect(r.rows.every((x) => x.averageOccupied === 1)).toBe(true);
    answers.push(r);
  });

  it('occupancy by day over the DST week: half of Saturday, all of the 23-hour Sunday', async () => {
    const r = await report(questions[1]!);
    expect(r.rows.map((x) => [x.label, x.averageOccupied])).toEqual([
      ['2026-03-23', 0], ['2026-03-24', 0], ['2026-03-25', 0], ['2026-03-26', 0], ['2026-03-27', 0], ['2026-03-28', 0.5], ['2026-03-29', 1],
    ]);
    expect(r.rows[6]!.capacity).toBe(10);
    expect(r.rows[6]!.occupancyPercent).toBe(10);
    expect(r.totals.entries).toBe(1);
    answers.push(r);
  });

  it('revenue by day cuts at local midnight, on both sides of the clock change', async () => {
    const r = await report(questions[2]!);
    expect(r.rows.map((x) => [x.label, x.method, x.netMinor])).toEqual([['2026-03-28', 'cash', 500], ['2026-03-30', 'card', 700]]);
    answers.push(r);
  });

  it('revenue by week puts Monday 00:30 BST in the next week', async () => {
    const r = await report(questions[3]!);
    expect(r.rows.map((x) => [x.label, x.netMinor])).toEqual([['2026-W13', 500], ['2026-W14', 700]]);
    answers.push(r);
  });

  it('revenue by month: 1 July 00:30 BST is July; refunds net out; failed payments are not money', async () => {
    const r = await report(questions[4]!);
    expect(r.rows.map((x) => [x.label, x.method, x.paidMinor, x.refundedMinor, x.netMinor])).toEqual([
      ['2026-06', 'cash', 300, 0, 300], ['2026-07', 'stripe', 1000, 200, 800],
    ]);
    expect(r.totals).toMatchObject({ netMinor: 1100, cashNetMinor: 300, stripeNetMinor: 800, payments: 2, refunds: 1 });
    answers.push(r);
  });

  it('turnover: three cars on ten spots, two hours on average', async () => {
    const r = await report(questions[5]!);
    expect(r.rows).toEqual([expect.objectContaining({ label: '2026-05-04', entries: 3, exits: 3, spots: 10, turnover: 0.3, averageStayMinutes: 120 })]);
    answers.push(r);
  });

  it('no-shows: two of four booked cars never came', async () => {
    const r = await report(questions[6]!);
    expect(r.rows).toEqual([expect.objectContaining({ noShows: 2, bookedArrivals: 2, noShowPercent: 50, noShowMinor: 2000 })]);
    answers.push(r);
  });

  it('exceptions: manual opens, a failed one, an override, lost tickets, a failed payment, a nil payment and an exit that left owing', async () => {
    const r = await report(questions[7]!);
    expect(r.rows).toEqual([expect.objectContaining({ manualOpens: 2, manualOpensFailed: 1, overrides: 1, lostTickets: 2, paymentsFailed: 1, nilPayments: 1, leftOwing: 1, total: 9 })]);
    answers.push(r);
  });

  it('takings: cash collected against the entries and exits', async () => {
    const r = await report(questions[8]!);
    expect(r.rows).toEqual([expect.objectContaining({
      entries: 2, exits: 2, unpaidExits: 1, dueAtExitMinor: 800, paidAtExitMinor: 500, cashInMinor: 500, cashRefundedMinor: 100, cashNetMinor: 400,
    })]);
    answers.push(r);
  });

  it('gives the same answers once the rollups hold the hours, and when the mark cuts a period in two', async () => {
    const refreshed = await runCli(['--json', 'report', 'refresh', '--lot', 'RPT'], env('2026-05-06T10:30:00Z'));
    expect(refreshed.code).toBe(0);
    expect(jsonShapes.RollupRefresh.array().safeParse(refreshed.json).success).toBe(true);
    const counts = await db.pool.query<{ n: number }>(`select count(*)::integer as n from report_visit_hours where lot_id = $1`, [lot.lotId]);
    expect(counts.rows[0]!.n).toBeGreaterThan(0);
    for (const [i, q] of questions.entries()) expect(await report(q), q.join(' ')).toEqual(answers[i]);
    await runCli(['report', 'refresh', '--lot', 'RPT'], env());
    for (const [i, q] of questions.entries()) expect(await report(q), q.join(' ')).toEqual(answers[i]);
  });
});

describe('the hour still running', () => {
  it('reports the peak hour\'s average over the part of it that has passed, as the average inside', async () => {
    const peak = await createTestLot(db.pool, { code: 'RPTNOW', spots: 4 });
    await addVisit(db.pool, peak.lotId, { plate: 'NOW1', enteredAt: '2026-09-01T12:00:00Z', exitedAt: null });
    const at = '2026-09-01T12:15:00Z'; // a quarter of the 13:00 BST hour has passed, with the car inside all of it
    const r = await runCli(['--json', 'report', 'occupancy', '--lot', 'RPTNOW', '--from', '2026-09-01', '--to', '2026-09-01', '--by', 'hour'], env(at));
    expect(r.code, r.stderr).toBe(0);
    const rows = (r.json as { rows: Row[] }).rows;
    const current = rows.find((x) => x.label === '2026-09-01 13:00')!;
    expect(current).toMatchObject({ averageOccupied: 1, peakOccupied: 1 });
    const day = await runCli(['--json', 'report', 'occupancy', '--lot', 'RPTNOW', '--from', '2026-09-01', '--to', '2026-09-01'], env(at));
    expect((day.json as { rows: Row[] }).rows[0]).toMatchObject({ peakOccupied: 1 });
  });
});

describe('report output', () => {
  it('--explain lists the payments behind a month', async () => {
    const r = await runCli(['--json', 'report', 'revenue', '--lot', 'RPT', '--by', 'month', '--explain', '2026-07'], env());
    expect(jsonShapes.ReportExplanation.safeParse(r.json).success).toBe(true);
    const e = r.json as { source: string; rows: Row[] };
    expect(e.source).toBe('payments');
    expect(e.rows.map((x) => [x.method, x.netMinor])).toEqual([['stripe', 1000], ['stripe', -200]]);
  });

  it('--explain lists the exception events of a day', async () => {
    const r = await runCli(['--json', 'report', 'exceptions', '--lot', 'RPT', '--explain', '2026-05-06'], env());
    const e = r.json as { rows: Row[] };
    expect(e.rows.map((x) => x.category).sort()).toEqual(['left_owing', 'lost_ticket', 'lost_ticket', 'manual_open', 'manual_open', 'manual_open_failed', 'nil_payment', 'override', 'payment_failed']);
  });

  it('prints a table, CSV and a chart', async () => {
    const table = await runCli(['report', 'revenue', '--lot', 'RPT', '--by', 'month', '--from', '2026-06-01', '--to', '2026-07-31'], env());
    expect(table.stdout).toMatch(/2026-07\s+stripe\s+1\s+£?10\.00/);
    const csv = await runCli(['report', 'turnover', '--lot', 'RPT', '--from', '2026-05-04', '--to', '2026-05-04', '--csv'], env());
    expect(csv.stdout.split('\n')[0]).toBe('bucket,label,spots,entries,exits,turnover,averageStayMinutes');
    expect(csv.stdout.split('\n')[1]).toMatch(/,2026-05-04,11,3,3,0.27,120$/);
    const chart = await runCli(['report', 'occupancy', '--lot', 'RPT', '--by', 'hour', '--from', '2026-03-28', '--to', '2026-03-28', '--chart'], env());
    expect(chart.code).toBe(0);
    expect(chart.stdout).toContain('┤');
    expect(chart.stdout).toMatch(/cars inside on average, by hour, 2026-03-28 00:00 \.\. 2026-03-28 23:00/);
  });

  it('widens instants to whole hours, so rollups and raw rows agree', async () => {
    const r = await report(['revenue', '--by', 'hour', '--from', '2026-03-28T23:15:00Z', '--to', '2026-03-28T23:45:00Z']);
    expect(r.rows.map((x) => [x.label, x.netMinor])).toEqual([['2026-03-28 23:00', 500]]);
  });

  it('refuses bad input with exit 2 and a hint', async () => {
    for (const args of [['--by', 'fortnight'], ['--from', '2026-05-10', '--to', '2026-05-01'], ['--type', 'bus'], ['--chart']]) {
      const r = await runCli(['report', 'takings', '--lot', 'RPT', ...args], env());
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/hint|use one of|e\.g\./i);
    }
  });
});

describe('the sweeper keeps the rollups current', () => {
  it('a plain sweeper run moves the mark to the last closed hour', async () => {
    const r = await runCli(['sweeper', 'run', '--lot', 'RPT'], env('2026-08-02T05:30:00Z'));
    expect(r.code, r.stderr).toBe(0);
    const { rows } = await db.pool.query<{ rolled_until: Date }>(`select rolled_until from report_rollup_marks where lot_id = $1`, [lot.lotId]);
    expect(rows[0]!.rolled_until.toISOString()).toBe('2026-08-02T05:00:00.000Z');
  });
});
