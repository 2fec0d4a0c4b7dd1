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
import { occupancyLines } from '../src/tui/occupancy-bar.js';
import { OccupancyBars } from '../src/tui/OccupancyBars.js';
import { sampleSnapshot } from '../src/tui/sample-snapshot.js';
import { StatusLine } from '../src/tui/StatusLine.js';
import { settle } from './support/ink.js';

const snapshot = sampleSnapshot();
const lines = (frame: string | undefined): string[] => (frame ?? '').split('\n');


describe('OccupancyBars', () => {
  it('shows the lot state badge and each zone with its numbers', () => {
    const { lastFrame } = render(
      <OccupancyBars lot={snapshot.lot} lines={occupancyLines(snapshot.byZone, [], 80)} total={4} lotTotals={{ free: 37, total: 145 }} color={false} />,
    );
    const [title, zoneA, zoneB] = lines(lastFrame());
    expect(title).toContain('[OPEN] free 37 of 145');
    expect(title).toContain('(+2 more)');
    expect(zoneA).toMatch(/^B1-A .*free 37 {2}held 2 {2}resv 5 {2}occ 40 {2}oos 1 {2}of 85$/);
    expect(zoneB).toContain('free 0  held 1  resv 9  occ 48  oos 2  of 60');
    expect(zoneA).toContain('█');
  });
  it('keeps the bar and the totals when the column is narrow, with fewer numbers', () => {
    const { lastFrame } = render(
      <OccupancyBars lot={{ ...snapshot.lot, state: 'full' }} lines={occupancyLines(snapshot.byZone, [], 50)} total={2} lotTotals={{ free: 0, total: 145 }} color={false} />,
    );
    const [title, zoneA] = lines(lastFrame());
    expect(title).toContain('[FULL]');
    expect(zoneA).toMatch(/^B1-A █+▓+▒+×░+ free 37 of 85 {2}occ 40$/);
    expect(lines(lastFrame()).every((line) => line.length <= 50)).toBe(true);
    const tiny = render(<OccupancyBars lot={snapshot.lot} lines={occupancyLines(snapshot.byZone, [], 12)} total={2} lotTotals={{ free: 37, total: 145 }} color={false} />);
    expect(lines(tiny.lastFrame()).slice(1)).toEqual(['B1-A 37/85', 'B2-B  0/60']);
  });
  it('packs a garage of many zones side by side, by code, every total whole', () => {
    const zones = Array.from({ length: 15 }, (_, index) => ({
      key: `L${Math.floor(index / 3)}-${'ABC'[index % 3]}`, label: `L${Math.floor(index / 3)}-${'ABC'[index % 3]}`, name: 'Level n, zone x',
      total: 160, free: 158 - index, held: 2 + index, reserved: 0, occupied: 0, outOfService: 0,
    }));
    const shown = occupancyLines(zones, snapshot.byType, 80);
    expect(shown.map((line) => line.cells.length)).toEqual([3, 3, 3, 3, 3, 1, 1]);
    const { lastFrame } = render(<OccupancyBars lot={snapshot.lot} lines={shown} total={17} lotTotals={{ free: 2000, total: 2400 }} color={false} />);
    const [title, first] = lines(lastFrame());
    expect(title).toContain('free 2,000 of 2,400');
    expect(first).toMatch(/^L0-A [▒░]+ 158\/160 {2}L0-B [▒░]+ 157\/160 {2}L0-C [▒░]+ 156\/160$/);
    expect(lines(lastFrame()).every((line) => line.length <= 80)).toBe(true);
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
    expect(render(<MessageLine message={null} selected={selected} width={80} color={false} />).lastFrame()).toContain('selected AB1 (B1-001)');
    expect(render(<MessageLine message={{ text: 'no spot free', kind: 'bad' }} selected={selected} width={80} color={false} />).lastFrame()).toBe('✗ no spot free');
  });
  it('keeps the point of a long refusal at 80 columns: ids cut to 8, the command hint left out, a second line when needed', () => {
    const text = "too early: KL55MN's booking 8f83ab12-3c4d-4e5f-8a9b-0c1d2e3f4a5b starts at 2026-12-05 10:00; entry opens at 2026-12-05 09:45 (Europe/London)"
      + ' (ask it to come back at 2026-12-05 09:45, or let it in now, the early time owed at exit: parkctl visit arrive --lot CITY --reservation 8f83ab12-3c4d-4e5f-8a9b-0c1d2e3f4a5b --early --reason "...")';
    const shown = lines(render(<MessageLine message={{ text, kind: 'bad' }} selected={null} width={80} color={false} />).lastFrame());
    expect(shown).toHaveLength(2);
    expect(shown[0]).toBe("✗ too early: KL55MN's booking 8f83ab12 starts at 2026-12-05 10:00; entry opens");
    expect(shown[1]).toMatch(/^at 2026-12-05 09:45 \(Europe\/London\) \(ask it to come back at 2026-12-05 09:45, o…$/);
    expect(shown.every((line) => line.length <= 80)).toBe(true);
    expect(shown.join(' ')).not.toContain('parkctl');
  });
  it('fits the footer in 80 columns on one line', () => {
    const frame = render(<Footer width={80} color={false} />).lastFrame() ?? '';
    expect(frame).toBe('/:find i:in o:out f:floor b:barrier c:cancel e:+30m m:spot r:cash ?:help q:quit');
    expect(frame.length).toBeLessThanOrEqual(80);
  });
  it('keeps help and quit as the footer narrows: the least needed keys leave first', () => {
    const at60 = render(<Footer width={60} color={false} />).lastFrame() ?? '';
    expect(at60).toBe('/:find i:in o:out f:floor b:barrier e:+30m ?:help q:quit');
    const at30 = render(<Footer width={31} color={false} />).lastFrame() ?? '';
    expect(at30).toBe('/:find i:in o:out ?:help q:quit');
    expect(render(<Footer width={14} color={false} />).lastFrame()).toBe('?:help q:quit');
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
