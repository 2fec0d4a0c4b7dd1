// Issue 13: the floor view (f). One zone's spots as a map of states, over real PostgreSQL data: a car
// inside, a confirmed booking of now, an unpaid hold, a spot out of service, the rest free. Arrows move
// the cursor and the line under the map says what the spot is; [ ] and PgUp/PgDn change zone and floor;
// Enter selects the spot's booking on the main screen.
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDashboardActions } from '../src/core/dashboard/actions.js';
import { DashboardSnapshotReader } from '../src/core/dashboard/snapshot.js';
import { importLot } from '../src/core/lots/import-lot.js';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { fixedClock } from '../src/core/ports.js';
import { completeReservation } from '../src/core/reservations/lifecycle.js';
import { reserve } from '../src/core/reservations/reserve.js';
import { arrive } from '../src/core/visits.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { Dashboard } from '../src/tui/Dashboard.js';
import { describeSpot } from '../src/tui/FloorView.js';
import type { DashboardSnapshot } from '../src/tui/dashboard-model.js';
import { moveCursor, stepZone } from '../src/tui/floor-grid.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { eventually, settle } from './support/ink.js';

const now = new Date('2031-03-03T10:00:00Z');
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
const keys = { right: '\u001B[C', left: '\u001B[D', down: '\u001B[B', pageDown: '\u001B[6~', pageUp: '\u001B[5~', escape: '\u001B' };
let db: TestDatabase;
let lot: Lot;
let snapshot: DashboardSnapshot;
const ids: Record<string, string> = {};

const lotFile = {
  code: 'FLOORS', name: 'Two floors', time_zone: 'Europe/London', currency: 'GBP', hold_minutes: 15,
  zones: [
    { code: 'G-A', name: 'Ground, zone A', floor: 0, spots: [{ labels: 'A-01..A-12', type: 'regular' }] },
    { code: 'G-B', name: 'Ground, zone B', floor: 0, spots: [{ labels: 'B-01..B-06', type: 'regular' }] },
    { code: 'U-C', name: 'Upper, zone C', floor: 1, spots: [{ labels: 'C-01..C-04', type: 'regular' }] },
  ],
  pricing: { rates: [{ rate_per_hour_minor: 200 }] },
};

async function book(key: string, plate: string, from: number, to: number, o: { bookedAt: number; pay: boolean }): Promise<void> {
  const deps = { db: db.pool, pool: db.pool, clock: fixedClock(at(o.bookedAt)), payments: new CashPaymentProvider(), actor: 'test', random: () => 0 };
  const r = await reserve(deps, lot, { vehicleType: 'regular', start: at(from), end: at(to), plate, customerRef: key });
  if (o.pay) await completeReservation(deps, r.reservationId, `cash:${r.reservationId}:${r.priceMinor}:${r.currency}`);
  ids[key] = r.reservationId;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const def = parseLotFile(lotFile, 'test lot');
  await importLot(db.pool, def, 'test');
  lot = await loadLot(db.pool, def.code);
  // lowest free spot first (random 0): INS1 on A-01, BKD1 on A-02, HLD1 on A-03
  await book('inside', 'INS1', -60, 60, { bookedAt: -240, pay: true });
  await arrive({ pool: db.pool, clock: fixedClock(at(-55)), actor: 'test' }, lot, { plate: 'INS1', gate: 'G-IN' });
  await book('booked', 'BKD1', -10, 60, { bookedAt: -240, pay: true });
  await book('held', 'HLD1', -5, 60, { bookedAt: -4, pay: false });
  await book('later', 'NXT1', 120, 180, { bookedAt: -240, pay: true });
  const actions = createDashboardActions({ pool: db.pool, clock: fixedClock(now), actor: 'dashboard:ann' }, lot);
  await actions.setSpotOutOfService('A-04', true, 'water leak');
  snapshot = await new DashboardSnapshotReader(db.pool, lot).read(now);
});

afterAll(async () => {
  await db?.drop();
});

function screen() {
  const actions = createDashboardActions({ pool: db.pool, clock: fixedClock(now), actor: 'dashboard:ann' }, lot);
  const view = render(<Dashboard snapshot={snapshot} connection="live" actions={actions} onQuit={vi.fn()} color={false} size={{ columns: 80, rows: 24 }} tickMs={3_600_000} />);
  const press = async (...sequence: string[]) => {
    for (const key of sequence) {
      view.stdin.write(key);
      await settle(view.frames);
    }
  };
  return { ...view, press, frame: () => view.lastFrame() ?? '', lines: () => (view.lastFrame() ?? '').split('\n') };
}

describe('floor view (ink-testing-library over PostgreSQL)', () => {
  it('f opens the first floor as a map of states; arrows move over the spots and the line below says what each is', async () => {
    const view = screen();
    await settle(view.frames);
    expect(view.lines().at(-1)).toContain('f:floor');
    await view.press('f');
    await eventually(() => expect(view.frame()).toContain('G-A Ground, zone A: free 8  held 1  booked 1  occupied 1  out 1  of 12'));
    expect(view.lines()[1]).toMatch(/^Floor 0 \[G-A\] {2}G-B {2}zone 1 of 3$/);
    // occupied, booked, held, out of service, then free; the cursor on the first
    expect(view.frame()).toMatch(/^A-01 ›█ ▓ ▒ × ░ ░ ░ ░ ░ ░ ░ ░$/m);
    // the car's spot is booked again from noon; the id (8 characters) and what Enter does follow on the next line
    expect(view.frame()).toMatch(/^A-01 regular occupied: INS1 inside, booked 09:00-11:00; next NXT1 at 12:00$/m);
    expect(view.frame()).toMatch(/^\([0-9a-f]{8}, Enter selects\)$/m);
    await view.press(keys.right);
    expect(view.frame()).toMatch(/^A-01 {2}█›▓ ▒ × ░/m);
    expect(view.frame()).toMatch(/^A-02 regular booked: BKD1 09:50-11:00, not in yet \([0-9a-f]{8}, Enter selects\)$/m);
    await view.press(keys.right);
    expect(view.frame()).toMatch(/^A-03 regular held: HLD1 09:55-11:00, unpaid, hold ends 10:11/m);
    await view.press(keys.right);
    expect(view.frame()).toMatch(/^A-04 regular out of service$/m);
    await view.press(keys.right);
    expect(view.frame()).toMatch(/^A-05 regular free$/m);
    expect(view.frame()).toContain('░ free  ▒ held  ▓ booked  █ occupied  × out of service');
    // a booking on another day says its date
    expect(describeSpot({ label: 'A-09', vehicleType: 'regular', state: 'free', next: { plate: 'TMRW1', start: at(24 * 60) } }, 'Europe/London', now))
      .toBe('A-09 regular free; next TMRW1 at 4 Mar 10:00');
  });

  it('] and [ step through the zones of the floor, PgDn and PgUp through floors; Esc goes back', async () => {
    const view = screen();
    await settle(view.frames);
    await view.press('f');
    await eventually(() => expect(view.frame()).toContain('of 12'));
    await view.press(']');
    await eventually(() => expect(view.frame()).toContain('G-B Ground, zone B: free 6  held 0  booked 0  occupied 0  out 0  of 6'));
    expect(view.lines()[1]).toMatch(/^Floor 0 G-A {2}\[G-B\]/);
    expect(view.frame()).toMatch(/^B-01 ›░ ░ ░ ░ ░ ░$/m);
    await view.press(keys.pageDown);
    await eventually(() => expect(view.frame()).toContain('U-C Upper, zone C'));
    expect(view.lines()[1]).toMatch(/^Floor 1 \[U-C\]/);
    await view.press(keys.pageUp);
    await eventually(() => expect(view.frame()).toContain('G-A Ground, zone A'));
    await view.press(keys.escape);
    expect(view.frame()).toContain('Holds awaiting payment');
  });

  it('Enter on a spot with a booking selects it for i/o/c/e on the main screen', async () => {
    const view = screen();
    await settle(view.frames);
    await view.press('f');
    await eventually(() => expect(view.frame()).toContain('of 12'));
    await view.press(keys.right, '\r');
    await eventually(() => expect(view.frame()).toContain('selected BKD1 (A-02)'));
    expect(view.frame()).toContain('Holds awaiting payment');
  });
});

describe('floor view geometry', () => {
  it('moves the cursor along and across lines, never off the zone', () => {
    expect(moveCursor(0, 'left', 12, 5)).toBe(0);
    expect(moveCursor(4, 'right', 12, 5)).toBe(5);
    expect(moveCursor(2, 'down', 12, 5)).toBe(7);
    expect(moveCursor(8, 'down', 12, 5)).toBe(8);
    expect(moveCursor(7, 'up', 12, 5)).toBe(2);
    expect(moveCursor(2, 'up', 12, 5)).toBe(2);
    expect(moveCursor(11, 'right', 12, 5)).toBe(11);
  });
  it('steps zones in floor order and floors to their first zone, staying put at the ends', () => {
    const zones = snapshot.byZone;
    expect(stepZone(zones, 'G-A', 'zone', 1)).toBe('G-B');
    expect(stepZone(zones, 'G-A', 'zone', -1)).toBe('G-A');
    expect(stepZone(zones, 'G-B', 'floor', 1)).toBe('U-C');
    expect(stepZone(zones, 'U-C', 'floor', 1)).toBe('U-C');
    expect(stepZone(zones, 'U-C', 'floor', -1)).toBe('G-A');
  });
});
