// Issue 13: the dashboard designed for each terminal size, checked in real terminals (tmux) over a lot
// of 15 zones named "Level n, zone X" with more holds than the screen reads at once (60; lists are read
// 50 at a time). What an attendant must see at 80x24, 120x40 and 60x20. Polls the panes (bounded).
// Needs `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { completeReservation } from '../src/core/reservations/lifecycle.js';
import { reserve } from '../src/core/reservations/reserve.js';
import { importLot } from '../src/core/lots/import-lot.js';
import { loadLot } from '../src/core/lots/lot.js';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { fixedClock } from '../src/core/ports.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

const root = join(import.meta.dirname, '..');
const tmuxPath = (() => {
  try {
    return execFileSync('which', ['tmux'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
})();

const now = new Date('2031-03-03T10:00:00Z');
const sizes = { small: [60, 20], standard: [80, 24], large: [120, 40] } as const;
const session = (size: keyof typeof sizes) => `parkctl-sizes-${size}-${process.pid}`;
let db: TestDatabase;
const home = mkdtempSync(join(tmpdir(), 'parkctl-sizes-'));
let arrivalId = '';

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const pane = (size: keyof typeof sizes) => tmux('capture-pane', '-p', '-t', session(size));
const paneLines = (size: keyof typeof sizes) => pane(size).split('\n');
const shows = (size: keyof typeof sizes, text: string | RegExp) =>
  vi.waitFor(() => expect(pane(size)).toMatch(text), { timeout: 20_000, interval: 100 });
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const lotFile = {
  code: 'LEVELS', name: 'Multi-storey', time_zone: 'Europe/London', currency: 'GBP', hold_minutes: 15,
  zones: Array.from({ length: 15 }, (_, index) => {
    const floor = Math.floor(index / 3);
    const zone = 'ABC'[index % 3]!;
    return { code: `L${floor}-${zone}`, name: `Level ${floor}, zone ${zone}`, floor, spots: [{ labels: `L${floor}-${zone}-01..L${floor}-${zone}-08`, type: 'regular' }] };
  }).concat([{ code: 'L0-EV', name: 'Level 0, chargers', floor: 0, spots: [{ labels: 'EV-01..EV-04', type: 'ev' }] }]),
  pricing: { rates: [{ rate_per_hour_minor: 200 }] },
};

describe.skipIf(!tmuxPath)('the dashboard at 80x24, 120x40 and 60x20 (tmux)', () => {
  beforeAll(async () => {
    expect(existsSync(join(root, 'dist', 'cli.js')), 'dist/ is missing: run npm run build first').toBe(true);
    db = await createTestDatabase();
    const def = parseLotFile(lotFile, 'test lot');
    await importLot(db.pool, def, 'test');
    const lot = await loadLot(db.pool, def.code);
    const payments = new CashPaymentProvider();
    const deps = { db: db.pool, pool: db.pool, clock: fixedClock(new Date(now.getTime() - 60_000)), payments, actor: 'test' };
    for (let index = 0; index < 60; index += 1) {
      await reserve(deps, lot, { vehicleType: 'regular', start: new Date(now.getTime() + 3 * 3_600_000), end: new Date(now.getTime() + 4 * 3_600_000), plate: `HOLD${index}`, customerRef: `h${index}` });
    }
    // due in 40 minutes: entry opens 15 minutes before, so checking it in now is refused as too early
    const arrival = await reserve(deps, lot, { vehicleType: 'ev', start: new Date(now.getTime() + 40 * 60_000), end: new Date(now.getTime() + 3 * 3_600_000), plate: 'EARLY1', customerRef: 'early' });
    await completeReservation(deps, arrival.reservationId, `cash:${arrival.reservationId}:${arrival.priceMinor}:${arrival.currency}`);
    arrivalId = arrival.reservationId;
    for (const [name, [columns, rows]] of Object.entries(sizes) as [keyof typeof sizes, readonly [number, number]][]) {
      const command = `cd ${quote(root)} && env -u CI DATABASE_URL=${quote(db.url)} PARKCTL_NOW=${now.toISOString()} PARKCTL_HOME=${quote(home)} `
        + `NO_COLOR=1 node bin/parkctl dashboard --lot LEVELS; echo EXIT=$?; sleep 120`;
      tmux('new-session', '-d', '-s', session(name), '-x', String(columns), '-y', String(rows), command);
    }
  });

  afterAll(async () => {
    for (const name of Object.keys(sizes) as (keyof typeof sizes)[]) {
      try {
        tmux('kill-session', '-t', session(name));
      } catch {
        // already gone
      }
    }
    await db?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it('80x24: zones by code with their free counts, the true number of holds, help and quit, and a refusal with its point', async () => {
    await shows('standard', '● live');
    const screen = pane('standard');
    expect(screen).not.toContain('Level 0, zo');
    // four zones to a line, each with its bar and free/spots, none cut, all 16 on screen
    expect(screen).toMatch(/^L0-A +░+ 8\/8 {2}L0-B +░+ 8\/8 {2}L0-C +░+ 8\/8 {2}L0-EV ░+ 4\/4$/m);
    expect(screen).toMatch(/L4-A +░+ 8\/8 {2}L4-B +░+ 8\/8 {2}L4-C +░+ 8\/8$/m);
    // 60 holds while the list reads 50: the title says 60
    expect(screen).toMatch(/Holds awaiting payment 60 \(\+\d+ more\)/);
    expect(paneLines('standard').find((line) => line.startsWith('/:find'))).toMatch(/\?:help q:quit$/);
    expect(screen).toContain('EARLY1');
    // pick the arrival (holds come first in the selection order, it is the first arrival below them)
    tmux('send-keys', '-t', session('standard'), '/');
    await shows('standard', 'Find');
    tmux('send-keys', '-t', session('standard'), 'EARLY1', 'Enter');
    await shows('standard', 'EARLY1 CONFIRMED');
    tmux('send-keys', '-t', session('standard'), 'Enter');
    await shows('standard', 'selected EARLY1');
    tmux('send-keys', '-t', session('standard'), 'i');
    await shows('standard', /✗ too early: EARLY1's booking [0-9a-f]{8} starts at/);
    const message = paneLines('standard').findIndex((line) => line.startsWith('✗ too early'));
    // the id is cut to 8 characters, and the point (when entry opens) is on screen, on the second line
    expect(pane('standard')).not.toContain(arrivalId);
    expect(paneLines('standard').slice(message, message + 2).join(' ')).toMatch(/entry opens at \d\d:\d\d/);
    // Esc closes the early-entry prompt; q only once it has: an ESC and a q that reach the terminal in one read
    // are Alt+q, which the prompt ignores (a newcomer's run under load left the prompt open and timed out)
    await shows('standard', 'Let EARLY1 in now');
    tmux('send-keys', '-t', session('standard'), 'Escape');
    await vi.waitFor(() => expect(pane('standard')).not.toContain('Let EARLY1 in now'), { timeout: 20_000, interval: 100 });
    tmux('send-keys', '-t', session('standard'), 'q');
    await shows('standard', 'EXIT=0');
  });

  it('120x40: two columns, every zone and type with a bar, no total cut', async () => {
    await shows('large', '● live');
    const lines = paneLines('large');
    expect(lines.find((line) => line.startsWith('Occupancy'))).toContain('Holds awaiting payment 60');
    const left = lines.map((line) => line.slice(0, 59));
    const zones = left.join('\n').match(/\bL\d-(A|B|C|EV) +░+ +[48]\/[48]\b/g) ?? [];
    expect(zones).toHaveLength(16);
    expect(left.some((line) => /^regular +░{10,} free 120 of 120 {2}occ 0$/.test(line.trimEnd()))).toBe(true);
    expect(left.some((line) => /^ev +░{10,} free 4 of 4 {2}occ 0$/.test(line.trimEnd()))).toBe(true);
    expect(pane('large')).not.toMatch(/of \d*…/);
    expect(lines.find((line) => line.startsWith('/ find'))).toMatch(/\? help {2}q quit$/);
  });

  it('60x20: the key bar keeps help and quit; zones three to a line', async () => {
    await shows('small', '● live');
    const lines = paneLines('small');
    expect(lines.every((line) => line.length <= 60)).toBe(true);
    expect(lines.find((line) => line.startsWith('/:find'))).toMatch(/\?:help q:quit$/);
    expect(pane('small')).toMatch(/^L0-A +░+ 8\/8 {2}L0-B +░+ 8\/8 {2}L0-C +░+ 8\/8$/m);
    expect(pane('small')).toMatch(/Holds awaiting payment 60/);
  });

  it('f opens the floor view: the zone as a map, arrows move the cursor, PgDn goes a floor up, Esc back', async () => {
    const large = session('large');
    await shows('large', '● live');
    tmux('send-keys', '-t', large, 'f');
    await shows('large', /^Floor 0 \[L0-A\] {2}L0-B {2}L0-C {2}L0-EV {2}zone 1 of 16$/m);
    await shows('large', /^L0-A Level 0, zone A: free 8 {2}held 0 {2}booked 0 {2}occupied 0 {2}out 0 {2}of 8$/m);
    expect(pane('large')).toMatch(/^L0-A-01 ›░( ░){7}$/m);
    expect(pane('large')).toMatch(/^L0-A-01 regular free/m);
    tmux('send-keys', '-t', large, 'Right', 'Right');
    await shows('large', /^L0-A-01 {2}░ ░›░( ░){5}$/m);
    await shows('large', /^L0-A-03 regular free/m);
    tmux('send-keys', '-t', large, 'NPage');
    await shows('large', /^Floor 1 \[L1-A\] {2}L1-B {2}L1-C/m);
    tmux('send-keys', '-t', large, 'Escape');
    await shows('large', 'Holds awaiting payment 60');
  });
});
