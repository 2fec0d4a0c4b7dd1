import { describe, expect, it } from 'vitest';
import { buildView } from '../src/tui/dashboard-view.js';
import { describeError, formatClock, formatCountdown, formatRelativeStart, truncate } from '../src/tui/format.js';
import { planLayout, type PanelDemand } from '../src/tui/layout.js';
import { occupancyNumbers, splitBar } from '../src/tui/occupancy-bar.js';
import { sampleSnapshot } from '../src/tui/sample-snapshot.js';
import { keyToCommand } from '../src/tui/use-dashboard-keys.js';

const noKey = { upArrow: false, downArrow: false, escape: false, ctrl: false, meta: false };
const bigDemand: PanelDemand = { occupancy: 12, gates: 4, arrivals: 30, holds: 20, alerts: 15, feed: 50 };

describe('format', () => {
  it('counts down in mm:ss and says expired once past', () => {
    expect(formatCountdown(4 * 60_000 + 59_500)).toBe('05:00');
    expect(formatCountdown(61_000)).toBe('01:01');
    expect(formatCountdown(0)).toBe('expired');
    expect(formatCountdown(75 * 60_000)).toBe('75:00');
  });
  it('shows clock times in the lot time zone', () => {
    expect(formatClock(new Date('2025-06-02T10:05:09Z'), 'Europe/Berlin')).toBe('12:05');
    expect(formatClock(new Date('2025-06-02T10:05:09Z'), 'America/New_York', true)).toBe('06:05:09');
  });
  it('words arrival times relative to now', () => {
    expect(formatRelativeStart(12 * 60_000, 0)).toBe('in 12m');
    expect(formatRelativeStart(0, 3 * 60_000)).toBe('late 3m');
    expect(formatRelativeStart(10_000, 0)).toBe('now');
  });
  it('adds a UserError hint and survives non-errors', () => {
    expect(describeError(Object.assign(new Error('hold expired'), { hint: 'reserve again' }))).toBe('hold expired (reserve again)');
    expect(describeError('plain')).toBe('plain');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});

describe('occupancy bar', () => {
  const row = sampleSnapshot().byZone[0]!;
  it('fills exactly the width with every non-zero kind visible', () => {
    for (const width of [5, 10, 17, 40]) {
      const segments = splitBar(row, width);
      expect(segments.reduce((sum, segment) => sum + segment.width, 0)).toBe(width);
      expect(segments.map((segment) => segment.kind)).toEqual(['occupied', 'reserved', 'held', 'outOfService', 'free']);
    }
  });
  it('draws an empty zone as free space and writes the numbers', () => {
    expect(splitBar({ ...row, total: 0, free: 0, held: 0, reserved: 0, occupied: 0, outOfService: 0 }, 6)).toEqual([{ kind: 'free', width: 6 }]);
    expect(occupancyNumbers(row)).toBe('free 37  held 2  resv 5  occ 40  oos 1  of 85');
  });
});

describe('layout', () => {
  it('stacks at 80x24 and stays one row short of the terminal', () => {
    const layout = planLayout(80, 24, bigDemand);
    expect(layout.columnCount).toBe(1);
    const panels = layout.columns[0]!;
    expect(panels.map((panel) => panel.id)).toEqual(['occupancy', 'gates', 'holds', 'arrivals', 'alerts', 'feed']);
    const panelLines = panels.reduce((sum, panel) => sum + 1 + panel.rows, 0);
    expect(panelLines + 3).toBe(23);
    expect(Math.min(...panels.map((panel) => panel.rows))).toBeGreaterThanOrEqual(2);
  });
  it('uses two columns from 120 wide and gives short lists only what they need', () => {
    const layout = planLayout(140, 40, { ...bigDemand, gates: 2 });
    expect(layout.columnCount).toBe(2);
    expect(layout.columnWidth).toBe(69);
    expect(layout.columns[0]!.find((panel) => panel.id === 'gates')!.rows).toBe(2);
  });
  it('drops the lowest-priority panels on a tiny terminal instead of overflowing', () => {
    const panels = planLayout(80, 8, bigDemand).columns[0]!;
    expect(panels.map((panel) => panel.id)).toEqual(['occupancy', 'holds', 'arrivals', 'alerts']);
    expect(panels.every((panel) => panel.rows === 0)).toBe(true);
  });
});

describe('view', () => {
  it('keeps arrivals to the next 60 minutes and lists selectable rows once', () => {
    const snapshot = sampleSnapshot();
    const withDuplicate = { ...snapshot, alerts: [...snapshot.alerts, { kind: 'payment_due' as const, text: 'x', at: snapshot.now, reservationId: 'r-hold-1' }] };
    const view = buildView(withDuplicate, { columns: 140, rows: 40 });
    expect(view.arrivals.rows.map((row) => row.plate)).toEqual(['KL55MN', 'EV1234']);
    expect(view.selectable.map((row) => row.reservationId)).toEqual(['r-hold-1', 'r-hold-2', 'r-arr-1', 'r-arr-2', 'r-over-1']);
  });
});

describe('keys', () => {
  it('maps the footer keys and ignores others', () => {
    expect(keyToCommand('/', noKey)).toBe('find');
    expect(keyToCommand('c', noKey)).toBe('cancel');
    expect(keyToCommand('', { ...noKey, upArrow: true })).toBe('up');
    expect(keyToCommand('', { ...noKey, escape: true, meta: true })).toBe('deselect');
    expect(keyToCommand('c', { ...noKey, ctrl: true })).toBeNull();
    expect(keyToCommand('x', noKey)).toBeNull();
  });
});
