import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { AlertsPanel } from '../src/tui/AlertsPanel.js';
import { ArrivalsPanel } from '../src/tui/ArrivalsPanel.js';
import { EventFeed } from '../src/tui/EventFeed.js';
import { Footer } from '../src/tui/Footer.js';
import { GatesPanel } from '../src/tui/GatesPanel.js';
import { HelpOverlay } from '../src/tui/HelpOverlay.js';
import { HoldsPanel } from '../src/tui/HoldsPanel.js';
import { MessageLine } from '../src/tui/MessageLine.js';
import { OccupancyBars } from '../src/tui/OccupancyBars.js';
import { sampleSnapshot } from '../src/tui/sample-snapshot.js';
import { StatusLine } from '../src/tui/StatusLine.js';
import { settle } from './support/ink.js';

const snapshot = sampleSnapshot();
const lines = (frame: string | undefined): string[] => (frame ?? '').split('\n');


describe('OccupancyBars', () => {
  it('shows the lot state badge and each zone with its numbers', () => {
    const { lastFrame } = render(
      <OccupancyBars lot={snapshot.lot} rows={snapshot.byZone} total={4} lotTotals={{ free: 37, total: 145 }} width={80} color={false} />,
    );
    const [title, zoneA, zoneB] = lines(lastFrame());
    expect(title).toContain('[OPEN] free 37 of 145');
    expect(title).toContain('(+2 more)');
    expect(zoneA).toMatch(/^B1 Zone A .*free 37 {2}held 2 {2}resv 5 {2}occ 40 {2}oos 1 {2}of 85$/);
    expect(zoneB).toContain('free 0  held 1  resv 9  occ 48  oos 2  of 60');
    expect(zoneA).toContain('█');
  });
  it('drops the bar, not the numbers, when the column is narrow', () => {
    const { lastFrame } = render(
      <OccupancyBars lot={{ ...snapshot.lot, state: 'full' }} rows={snapshot.byZone} total={2} lotTotals={{ free: 0, total: 145 }} width={50} color={false} />,
    );
    expect(lastFrame()).toContain('[FULL]');
    expect(lastFrame()).toContain('free 37');
    expect(lastFrame()).not.toContain('█');
  });
});

describe('GatesPanel', () => {
  it('marks offline gates and manual opens in words', () => {
    const { lastFrame } = render(<GatesPanel gates={snapshot.gates} total={2} timeZone="Europe/Berlin" color={false} />);
    const [, inGate, outGate] = lines(lastFrame());
    expect(inGate).toBe('G-IN-1 online closed 11:58 entry AB123CD allowed');
    expect(outGate).toContain('G-OUT-1 OFFLINE unknown manual 3 11:10');
  });
});

describe('HoldsPanel', () => {
  it('counts down from snapshot.now and marks the selected hold', () => {
    const { lastFrame } = render(
      <HoldsPanel holds={snapshot.holds} total={2} now={snapshot.now} selectedId="r-hold-1" color={false} />,
    );
    expect(lastFrame()).toMatch(/› +04:00 HD42XY B1-020/);
    expect(lastFrame()).toContain('expired ZZ9PLU');
  });
});

describe('ArrivalsPanel', () => {
  it('shows start time, how soon, plate, spot and type', () => {
    const { lastFrame } = render(
      <ArrivalsPanel arrivals={snapshot.arrivals.slice(0, 2)} total={5} now={snapshot.now} timeZone="Europe/Berlin" selectedId={null} color={false} />,
    );
    const [title, first, second] = lines(lastFrame());
    expect(title).toBe('Arrivals next 60 min 5 (+3 more)');
    expect(first).toBe('  12:12 in 12m  KL55MN B1-012 regular');
    expect(second).toContain('late 3m EV1234');
  });
});

describe('AlertsPanel and EventFeed', () => {
  it('words each alert kind', () => {
    const { lastFrame } = render(<AlertsPanel alerts={snapshot.alerts} total={2} timeZone="Europe/Berlin" selectedId="r-over-1" color={false} />);
    expect(lastFrame()).toContain('› 11:55 OVERSTAY OV3R 40 min past end');
    expect(lastFrame()).toContain('GATE OFFLINE G-OUT-1 silent for 50 min');
  });
  it('says none for an empty list and shows the feed newest first', () => {
    expect(render(<AlertsPanel alerts={[]} total={0} timeZone="UTC" selectedId={null} color={false} />).lastFrame()).toBe('Alerts none');
    const feed = lines(render(<EventFeed feed={snapshot.feed} total={3} timeZone="Europe/Berlin" color={false} />).lastFrame());
    expect(feed[1]).toBe('11:59:00 reservation.confirmed KL55MN paid 12.00 EUR');
    expect(feed[3]).toContain('spot.maintenance');
  });
});

describe('StatusLine, MessageLine, Footer, HelpOverlay', () => {
  it('says reconnecting visibly', () => {
    const { lastFrame, rerender } = render(<StatusLine lot={snapshot.lot} now={snapshot.now} connection="reconnecting" color={false} />);
    expect(lastFrame()).toBe('parkctl CTR Central Garage 12:00:00 reconnecting... (data may be stale)');
    rerender(<StatusLine lot={snapshot.lot} now={snapshot.now} connection="live" color={false} />);
    expect(lastFrame()).toContain('● live');
  });
  it('shows a result over the selection', () => {
    const selected = { reservationId: 'r1', plate: 'AB1', spotLabel: 'B1-001' };
    expect(render(<MessageLine message={null} selected={selected} color={false} />).lastFrame()).toContain('selected AB1 (B1-001)');
    expect(render(<MessageLine message={{ text: 'no spot free', kind: 'bad' }} selected={selected} color={false} />).lastFrame()).toBe('✗ no spot free');
  });
  it('fits the footer in 80 columns on one line', () => {
    const frame = render(<Footer width={80} color={false} />).lastFrame() ?? '';
    expect(frame).toBe('/:find i:in o:out b:barrier c:cancel e:+30m m:spot r:cash ↑↓:pick ?:help q:quit');
    expect(frame.length).toBeLessThanOrEqual(80);
  });
  it('lists the keys and closes on Esc', async () => {
    const onClose = vi.fn();
    const { lastFrame, stdin, frames } = render(<HelpOverlay color={false} onClose={onClose} />);
    await settle(frames);
    expect(lastFrame()).toContain('cancel the selected reservation (asks y/n)');
    stdin.write('x');
    await settle(frames);
    expect(onClose).not.toHaveBeenCalled();
    stdin.write('\u001B');
    await settle(frames);
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
