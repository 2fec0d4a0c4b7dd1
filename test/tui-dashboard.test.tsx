import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dashboard, type DashboardProps } from '../src/tui/Dashboard.js';
import type { DashboardActions, DashboardSnapshot, FoundReservation } from '../src/tui/dashboard-model.js';
import { sampleSnapshot } from '../src/tui/sample-snapshot.js';
import { settle, eventually, keys } from './support/ink.js';

const { enter, escape, down } = keys;


const found: FoundReservation = {
  reservationId: 'r-found', plate: 'AB123CD', status: 'CONFIRMED', spotLabel: 'B1-012',
  start: new Date('2025-06-02T10:00:00Z'), end: new Date('2025-06-02T12:00:00Z'), inside: false,
};

/** A fake DashboardActions that records every call and answers in words. */
function fakeActions(overrides: Partial<DashboardActions> = {}) {
  const calls: [string, ...unknown[]][] = [];
  const record = (name: string, answer: string) => async (...args: unknown[]) => {
    calls.push([name, ...args]);
    return answer;
  };
  const actions: DashboardActions = {
    find: async (query) => {
      calls.push(['find', query]);
      return [found];
    },
    zoneSpots: async (zoneCode: string) => {
      calls.push(['zoneSpots', zoneCode]);
      return [];
    },
    checkIn: record('checkIn', 'checked in'),
    checkOut: record('checkOut', 'checked out'),
    openBarrier: record('openBarrier', 'barrier opened'),
    cancel: record('cancel', 'reservation cancelled'),
    handBack: record('handBack', '4.00 GBP handed back to HD42XY'),
    extend: record('extend', 'extended to 12:30'),
    setSpotOutOfService: record('setSpotOutOfService', 'spot updated'),
    ...overrides,
  };
  return { actions, calls };
}

/**
 * The clock stands still and a result stays in the status line until replaced (the fade has its own test):
 * on a busy machine the settles between keys can take longer than the 4 s a message shows by default, and
 * a check would then look for a message that has already faded.
 */
const still = { tickMs: 3_600_000, messageMs: 3_600_000 } as const;

async function dashboard(props: Partial<DashboardProps> = {}, snapshot: DashboardSnapshot | null = sampleSnapshot()) {
  const { actions, calls } = fakeActions();
  const onQuit = vi.fn();
  const view = render(
    <Dashboard snapshot={snapshot} connection="live" actions={actions} onQuit={onQuit} color={false} size={{ columns: 80, rows: 24 }} {...still} {...props} />,
  );
  await settle(view.frames);
  const press = async (...keys: string[]): Promise<void> => {
    for (const key of keys) {
      view.stdin.write(key);
      await settle(view.frames);
    }
  };
  return { ...view, calls, onQuit, press, frame: () => view.lastFrame() ?? '' };
}

describe('Dashboard layout', () => {
  it('fits 80x24 in one column, one row short of the terminal', async () => {
    const screen = await dashboard();
    const lines = screen.frame().split('\n');
    expect(lines.length).toBe(23);
    expect(lines.every((line) => line.length <= 80)).toBe(true);
    expect(lines.find((line) => line.startsWith('B1-A'))).toContain('free 37');
    expect(screen.frame()).toMatch(/04:00 HD42XY/);
    expect(screen.frame()).toContain('OVERSTAY OV3R');
    expect(screen.frame()).not.toContain('FAR0001');
    expect(lines.at(-1)).toContain('q:quit');
  });
  it('puts panels side by side from 120 columns', async () => {
    const screen = await dashboard({ size: { columns: 140, rows: 40 } });
    const lines = screen.frame().split('\n');
    expect(lines.length).toBe(39);
    expect(lines.some((line) => line.startsWith('Occupancy') && line.includes('Holds awaiting payment'))).toBe(true);
  });
  it('says when the data is stale or not there yet, and q still quits', async () => {
    const screen = await dashboard({ connection: 'reconnecting' });
    expect(screen.frame().split('\n')[0]).toContain('reconnecting...');
    const empty = await dashboard({ connection: 'connecting' }, null);
    expect(empty.frame()).toContain('connecting...');
    expect(empty.frame()).toContain('waiting for the first data');
    await empty.press('q');
    expect(empty.onQuit).toHaveBeenCalledTimes(1);
  });
});

describe('Dashboard keys', () => {
  it('/ finds a plate, Enter picks it, i checks it in and shows the result', async () => {
    const screen = await dashboard();
    await screen.press('/', 'AB123CD', enter);
    expect(screen.calls).toEqual([['find', 'AB123CD']]);
    await eventually(() => expect(screen.frame()).toContain('AB123CD CONFIRMED B1-012'));
    await screen.press(enter);
    expect(screen.frame()).toContain('selected AB123CD (B1-012)');
    await screen.press('i');
    expect(screen.calls.at(-1)).toEqual(['checkIn', 'r-found']);
    await eventually(() => expect(screen.frame()).toContain('✓ checked in'));
  });
  it('b asks the gate and a reason, refuses an empty one, then opens', async () => {
    const screen = await dashboard();
    await screen.press('b', '1', enter);
    expect(screen.frame()).toContain('Reason is required');
    expect(screen.calls).toEqual([]);
    await screen.press('lost ticket', enter);
    expect(screen.calls).toEqual([['openBarrier', 'G-IN-1', 'lost ticket']]);
    await eventually(() => expect(screen.frame()).toContain('✓ barrier opened'));
  });
  it('i on a car that is too early shows the refusal and offers the override, which needs a reason', async () => {
    const calls: unknown[][] = [];
    const { actions } = fakeActions({
      checkIn: async (...args: unknown[]) => {
        calls.push(args);
        if (args.length === 1) throw Object.assign(new Error('too early: entry opens at 08:45 (Europe/London)'), { code: 'too_early' });
        return 'HD42XY checked in, B1-020 (early: £2.50 due at exit)';
      },
    });
    const view = render(<Dashboard snapshot={sampleSnapshot()} connection="live" actions={actions} onQuit={vi.fn()} color={false} size={{ columns: 80, rows: 24 }} {...still} />);
    await settle(view.frames);
    for (const key of [down, 'i']) {
      view.stdin.write(key);
      await settle(view.frames);
    }
    await eventually(() => expect(view.lastFrame()).toContain('✗ too early: entry opens at 08:45 (Europe/London)'));
    await eventually(() => expect(view.lastFrame()).toContain('Let HD42XY in now, early time due at exit? y/n'));
    for (const key of ['y', enter]) {
      view.stdin.write(key);
      await settle(view.frames);
    }
    expect(view.lastFrame()).toContain('Reason is required');
    expect(calls).toEqual([['r-hold-1']]);
    for (const key of ['flight landed early', enter]) {
      view.stdin.write(key);
      await settle(view.frames);
    }
    expect(calls).toEqual([['r-hold-1'], ['r-hold-1', { reason: 'flight landed early' }]]);
    await eventually(() => expect(view.lastFrame()).toContain('✓ HD42XY checked in, B1-020 (early: £2.50 due at exit)'));
  });
  it('c then n does not cancel; c then y does; e then y extends by 30', async () => {
    const screen = await dashboard();
    await screen.press(down);
    expect(screen.frame()).toContain('selected HD42XY (B1-020)');
    await screen.press('c');
    expect(screen.frame()).toContain('Cancel HD42XY (B1-020)? y/n');
    await screen.press('n');
    expect(screen.calls).toEqual([]);
    expect(screen.frame()).toContain('Cancel reservation: nothing done');
    await screen.press('c', 'y');
    expect(screen.calls).toEqual([['cancel', 'r-hold-1']]);
    await screen.press(down, 'e', 'y');
    expect(screen.calls.at(-1)).toEqual(['extend', 'r-hold-2', 30]);
  });
  it('m takes a spot out of service with a reason; o without a selection asks a plate', async () => {
    const screen = await dashboard();
    await screen.press('m', 'B2-044', enter, 'o', 'water leak', enter);
    expect(screen.calls).toEqual([['setSpotOutOfService', 'B2-044', true, 'water leak']]);
    await screen.press('o', 'WALK1', enter);
    expect(screen.calls.at(-1)).toEqual(['checkOut', 'WALK1']);
  });
  it('Esc closes a prompt without acting; i with nothing selected says what to do', async () => {
    const screen = await dashboard();
    await screen.press('b', escape);
    expect(screen.frame()).toContain('Gates 2');
    await screen.press('i');
    expect(screen.frame()).toContain('select a reservation first');
    expect(screen.calls).toEqual([]);
  });
  it('? shows help, Esc hides it, q quits', async () => {
    const screen = await dashboard();
    await screen.press('?');
    expect(screen.frame()).toContain('Help (Esc, ? or q closes)');
    expect(screen.frame()).not.toContain('Gates 2');
    await screen.press(escape);
    expect(screen.frame()).toContain('Gates 2');
    expect(screen.onQuit).not.toHaveBeenCalled();
    await screen.press('q');
    expect(screen.onQuit).toHaveBeenCalledTimes(1);
  });
});

describe('Dashboard clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it('ticks countdowns and the clock between snapshots, and re-anchors on a new snapshot', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const screen = await dashboard({ tickMs: 1000 });
    vi.advanceTimersByTime(3000);
    await settle(screen.frames);
    expect(screen.frame()).toMatch(/03:57 HD42XY/);
    expect(screen.frame().split('\n')[0]).toContain('12:00:03');
    const { actions } = fakeActions();
    const later = sampleSnapshot(new Date('2025-06-02T10:01:00Z'));
    screen.rerender(<Dashboard snapshot={later} connection="live" actions={actions} onQuit={screen.onQuit} color={false} size={{ columns: 80, rows: 24 }} tickMs={1000} />);
    await settle(screen.frames);
    expect(screen.frame().split('\n')[0]).toContain('12:01:00');
    expect(screen.frame()).toMatch(/04:00 HD42XY/);
  });
});

describe('Dashboard action failures', () => {
  it('shows a rejection and a synchronous throw as messages, and keeps working', async () => {
    const { actions } = fakeActions({
      checkIn: async () => {
        throw Object.assign(new Error('AB123CD is already inside'), { hint: 'check it out first' });
      },
      extend: () => {
        throw new Error('extend exploded');
      },
    });
    const onQuit = vi.fn();
    const view = render(<Dashboard snapshot={sampleSnapshot()} connection="live" actions={actions} onQuit={onQuit} color={false} size={{ columns: 80, rows: 24 }} {...still} />);
    await settle(view.frames);
    for (const key of [down, 'i']) {
      view.stdin.write(key);
      await settle(view.frames);
    }
    await eventually(() => expect(view.lastFrame()).toContain('✗ AB123CD is already inside (check it out first)'));
    for (const key of ['e', 'y']) {
      view.stdin.write(key);
      await settle(view.frames);
    }
    await eventually(() => expect(view.lastFrame()).toContain('✗ extend exploded'));
    view.stdin.write('q');
    await settle(view.frames);
    expect(onQuit).toHaveBeenCalledTimes(1);
  });
  it('lets a result fade back to the selection after messageMs', async () => {
    const screen = await dashboard({ messageMs: 1 });
    await screen.press(down, 'i');
    expect(screen.calls).toEqual([['checkIn', 'r-hold-1']]);
    await eventually(() => expect(screen.frames.some((frame) => frame.includes('✓ checked in'))).toBe(true));
    await eventually(() => expect(screen.frame()).toContain('selected HD42XY (B1-020)'));
    expect(screen.frame()).not.toContain('checked in');
  });
});

describe('cash refunds at the desk (issue 19, item 8)', () => {
  it('r then n hands nothing back; r then y records the cash refund of the selection as handed back', async () => {
    const screen = await dashboard();
    await screen.press('r');
    expect(screen.frame()).toContain('select a reservation first');
    expect(screen.calls).toEqual([]);
    await screen.press(down, 'r');
    expect(screen.frame()).toContain('Hand the cash refund due for HD42XY (B1-020) back now? y/n');
    await screen.press('n');
    expect(screen.calls).toEqual([]);
    expect(screen.frame()).toContain('Hand back cash refund: nothing done');
    await screen.press('r', 'y');
    expect(screen.calls).toEqual([['handBack', 'r-hold-1']]);
    await eventually(() => expect(screen.frame()).toContain('✓ 4.00 GBP handed back to HD42XY'));
  });
  it('the footer and help list r', async () => {
    const screen = await dashboard();
    expect(screen.frame().split('\n').at(-1)).toContain('r:cash');
    await screen.press('?');
    expect(screen.frame()).toContain('hand back the cash refund due for the selected reservation');
  });
});
