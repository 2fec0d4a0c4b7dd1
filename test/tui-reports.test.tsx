// Issue 17: the dashboard's Reports screen. Known answers from generated visits (today against the same
// weekday of the last four weeks), drawn with ink-testing-library; R opens it from the dashboard, Esc closes.
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Lot } from '../src/core/lots/lot.js';
import { reportsSummary, type ReportsSummary } from '../src/core/reports/summary.js';
import { Dashboard } from '../src/tui/Dashboard.js';
import type { DashboardActions } from '../src/tui/dashboard-model.js';
import { ReportsScreen } from '../src/tui/ReportsScreen.js';
import { sampleSnapshot } from '../src/tui/sample-snapshot.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { eventually, keys, settle } from './support/ink.js';
import { createTestLot } from './support/lots.js';
import { addBooking, addPayment, addVisit } from './support/report-data.js';

let db: TestDatabase;
let lot: Lot;
// Thursday 10 December 2026, 12:30 in London (GMT): the same weekday of the last 4 weeks is 3 Dec, 26, 19, 12 Nov.
const now = new Date('2026-12-10T12:30:00Z');
const iso = (day: string, hm: string) => `${day}T${hm}:00Z`;

beforeAll(async () => {
  db = await createTestDatabase();
  lot = await createTestLot(db.pool, { code: 'SCREEN', spots: 10 });
  const id = lot.lotId;
  // typical: on each of the four Thursdays, 4, 4, 2 and 2 cars were inside 09:00-10:00 -> 3 on average
  for (const [day, cars] of [['2026-12-03', 4], ['2026-11-26', 4], ['2026-11-19', 2], ['2026-11-12', 2]] as const) {
    for (let i = 0; i < cars; i++) await addVisit(db.pool, id, { plate: `T${day.slice(5, 7)}${day.slice(8)}${i}`, enteredAt: iso(day, '09:00'), exitedAt: iso(day, '10:00') });
  }
  // today: 5 cars 09:00-11:00 (the peak), one still inside since 11:00
  for (let i = 0; i < 5; i++) await addVisit(db.pool, id, { plate: `TODAY${i}`, enteredAt: iso('2026-12-10', '09:00'), exitedAt: iso('2026-12-10', '11:00') });
  await addVisit(db.pool, id, { plate: 'INSIDE', enteredAt: iso('2026-12-10', '11:00') });
  // this month's stays: 5 x 120 min today, 4 x 60 min on 3 December -> 93 min on average
  // money: 12.00 today, 8.00 on Monday (this week), 20.00 on 1 December (this month), 99.00 in November (none of them)
  await addPayment(db.pool, id, { at: iso('2026-12-10', '10:00'), amountMinor: 1200 });
  await addPayment(db.pool, id, { at: iso('2026-12-07', '10:00'), amountMinor: 800 });
  await addPayment(db.pool, id, { at: iso('2026-12-01', '10:00'), amountMinor: 2000 });
  await addPayment(db.pool, id, { at: iso('2026-11-30', '10:00'), amountMinor: 9900 });
  await addBooking(db.pool, id, { plate: 'NOSHOWA', start: iso('2026-12-10', '08:00'), end: iso('2026-12-10', '09:00'), status: 'NO_SHOW' });
});
afterAll(() => db.drop());

describe('the Reports screen', () => {
  let summary: ReportsSummary;

  it('sums today, the week and the month, and sets today against the typical Thursday', async () => {
    summary = await reportsSummary(db.pool, lot, now);
    expect(summary).toMatchObject({
      revenueTodayMinor: 1200, revenueWeekMinor: 2000, revenueMonthMinor: 4000, averageTicketMinor: 1333, averageStayMinutes: 93,
      peakHour: { hour: '09:00', occupied: 5 }, noShowsToday: 1, capacity: 11,
    });
    expect(summary.hours).toHaveLength(24);
    expect(summary.hours[9]).toEqual({ hour: '09:00', today: 5, typical: 3 });
    expect(summary.hours[11]).toEqual({ hour: '11:00', today: 1, typical: 0 });
    expect(summary.hours[12]).toEqual({ hour: '12:00', today: 1, typical: 0 }); // the half hour so far
    expect(summary.hours[13]!.today).toBeNull();
  });

  it('draws the figures and the chart, reloads on r and closes on Esc', async () => {
    const load = vi.fn(async () => summary);
    const onClose = vi.fn();
    const view = render(<ReportsScreen load={load} width={80} rows={20} color={false} onClose={onClose} />);
    await settle(view.frames);
    const frame = view.lastFrame()!;
    expect(frame).toContain('revenue today 12.00 GBP  this week 20.00 GBP  this month 40.00 GBP');
    expect(frame).toContain('average ticket 13.33 GBP  average stay 93 min (this month)');
    expect(frame).toContain('peak hour today 09:00 (5 of 11 inside)  no-shows today 1');
    expect(frame).toMatch(/5\.0 ┼/);
    expect(frame.split('\n').every((line) => line.length <= 80)).toBe(true);
    view.stdin.write('r');
    await eventually(() => expect(load).toHaveBeenCalledTimes(2));
    view.stdin.write(keys.escape);
    await eventually(() => expect(onClose).toHaveBeenCalledTimes(1));
    view.unmount();
  });

  it('says so when the figures cannot be read', async () => {
    const view = render(<ReportsScreen load={() => Promise.reject(new Error('connection refused'))} width={80} rows={20} color={false} onClose={() => {}} />);
    await eventually(() => expect(view.lastFrame()).toContain('reports failed: connection refused'));
    view.unmount();
  });

  it('opens from the dashboard with R and goes back with Esc', async () => {
    const actions = {
      find: async () => [], zoneSpots: async () => [], checkIn: async () => '', checkOut: async () => '', openBarrier: async () => '',
      cancel: async () => '', handBack: async () => '', extend: async () => '', setSpotOutOfService: async () => '',
      reports: async () => summary,
    } satisfies DashboardActions;
    const view = render(<Dashboard snapshot={sampleSnapshot()} connection="live" actions={actions} onQuit={() => {}} color={false} size={{ columns: 100, rows: 30 }} tickMs={3_600_000} messageMs={3_600_000} />);
    await settle(view.frames);
    expect(view.lastFrame()).not.toContain('revenue today');
    view.stdin.write('R');
    await eventually(() => expect(view.lastFrame()).toContain('revenue today 12.00 GBP'));
    view.stdin.write(keys.escape);
    await eventually(() => expect(view.lastFrame()).not.toContain('revenue today'));
    view.unmount();
  });
});
