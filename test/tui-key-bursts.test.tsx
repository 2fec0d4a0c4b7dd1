// Issue 13: a kiosk scanner (or a paste) sends the plate and Enter in one write. Each line is a submission,
// and nothing of the burst lands in a field as text (a CR in the field sent the cursor back over the label).
import { render } from 'ink-testing-library';
import type { Key } from 'ink';
import { describe, expect, it, vi } from 'vitest';
import { Dashboard } from '../src/tui/Dashboard.js';
import type { DashboardActions, FoundReservation } from '../src/tui/dashboard-model.js';
import { splitBurst } from '../src/tui/key-burst.js';
import { sampleSnapshot } from '../src/tui/sample-snapshot.js';
import { SearchBox } from '../src/tui/SearchBox.js';
import { eventually, settle } from './support/ink.js';

const noKey = { return: false, ctrl: false, meta: false, shift: false, escape: false } as Key;
const found: FoundReservation = {
  reservationId: 'r-found', plate: 'AB123CD', status: 'CONFIRMED', spotLabel: 'B1-012',
  start: new Date('2025-06-02T10:00:00Z'), end: new Date('2025-06-02T12:00:00Z'), inside: false,
};

function screen() {
  const calls: unknown[][] = [];
  const answer = (name: string, text: string) => async (...args: unknown[]) => {
    calls.push([name, ...args]);
    return text;
  };
  const actions = {
    find: async (query: string) => {
      calls.push(['find', query]);
      return [found];
    },
    zoneSpots: async () => [],
    checkIn: answer('checkIn', 'checked in'), checkOut: answer('checkOut', 'WALK1 checked out'), openBarrier: answer('openBarrier', 'barrier opened'),
    cancel: answer('cancel', 'cancelled'), handBack: answer('handBack', 'handed back'), extend: answer('extend', 'extended'),
    setSpotOutOfService: answer('setSpotOutOfService', 'spot updated'),
  } as unknown as DashboardActions;
  const view = render(<Dashboard snapshot={sampleSnapshot()} connection="live" actions={actions} onQuit={vi.fn()} color={false} size={{ columns: 80, rows: 24 }} tickMs={3_600_000} />);
  return { ...view, calls, frame: () => view.lastFrame() ?? '' };
}

describe('splitting a burst at its line ends', () => {
  it('gives text and Enter keys in order, CR LF as one Enter; a single key or text without a line end is left alone', () => {
    const shape = (input: string) => splitBurst(input, noKey).map(([text, key]) => (key.return ? '⏎' : text));
    expect(shape('ABC123\r')).toEqual(['ABC123', '⏎']);
    expect(shape('AB1\r\nCD2\nEF3')).toEqual(['AB1', '⏎', 'CD2', '⏎', 'EF3']);
    expect(shape('\r\r')).toEqual(['⏎', '⏎']);
    expect(shape('q')).toEqual(['q']);
    expect(shape('AB123')).toEqual(['AB123']);
  });
});

describe('a scanner burst on the dashboard (ink-testing-library, one stdin write)', () => {
  it('o with nothing selected: "WALK1\\r" checks WALK1 out at once, and the prompt label was never written over', async () => {
    const view = screen();
    await settle(view.frames);
    view.stdin.write('o');
    await settle(view.frames);
    expect(view.frame()).toContain('Plate or reservation id: _');
    view.stdin.write('WALK1\r');
    await eventually(() => expect(view.calls).toEqual([['checkOut', 'WALK1']]));
    await eventually(() => expect(view.frame()).toContain('✓ WALK1 checked out'));
    // no frame ever held the CR as text (in a terminal it moved the cursor back over "Plate")
    expect(view.frames.some((frame) => frame.includes('\r'))).toBe(false);
  });
  it('/ then "ab123cd\\r" searches at once; Enter picks; a tab from the scanner is not text', async () => {
    const view = screen();
    await settle(view.frames);
    view.stdin.write('/');
    await settle(view.frames);
    view.stdin.write('ab\t123cd\r');
    await eventually(() => expect(view.frame()).toContain('AB123CD CONFIRMED B1-012'));
    expect(view.calls).toEqual([['find', 'ab123cd']]);
    view.stdin.write('\r');
    await eventually(() => expect(view.frame()).toContain('selected AB123CD (B1-012)'));
  });
  it('what follows an Enter in the same write goes to the step the Enter opened', async () => {
    const view = screen();
    await settle(view.frames);
    view.stdin.write('m');
    await settle(view.frames);
    view.stdin.write('B2-044\ro');
    await eventually(() => expect(view.frame()).toContain('Reason (logged): _'));
    expect(view.frame()).toContain('direction: out');
    view.stdin.write('water leak\r');
    await eventually(() => expect(view.calls).toEqual([['setSpotOutOfService', 'B2-044', true, 'water leak']]));
  });
  it('keys typed right behind a burst wait for it: the Enter submits the plate before the next key is read', async () => {
    const view = screen();
    await settle(view.frames);
    view.stdin.write('o');
    await settle(view.frames);
    view.stdin.write('WALK1\r');
    view.stdin.write('?');
    await eventually(() => expect(view.calls).toEqual([['checkOut', 'WALK1']]));
    await eventually(() => expect(view.frame()).toContain('Help (Esc, ? or q closes)'));
  });
});

describe('SearchBox alone (no key router)', () => {
  it('takes a burst the same way', async () => {
    const find = vi.fn(async () => [found]);
    const view = render(<SearchBox find={find} timeZone="Europe/Berlin" maxResults={5} color={false} onPick={vi.fn()} onClose={vi.fn()} />);
    await settle(view.frames);
    view.stdin.write('tmx42\r');
    await eventually(() => expect(find).toHaveBeenCalledWith('tmx42'));
  });
});
