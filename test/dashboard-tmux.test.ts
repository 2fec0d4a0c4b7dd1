// End to end in a real terminal: tmux runs the built `parkctl dashboard`, another process books, the
// pane shows the new count; `/` + plate + Enter (one burst, as a scanner sends it) finds it; `q` exits 0. Polls the pane (bounded);
// never asserts on time. Needs `npm run build` (the test script's pretest does it).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

const root = join(import.meta.dirname, '..');
const tmuxPath = (() => {
  try {
    return execFileSync('which', ['tmux'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
})();
if (!tmuxPath) console.log('dashboard-tmux: skipped, tmux is not installed (apt-get install tmux)');

const session = `parkctl-dash-${process.pid}`;
const now = '2031-03-03T10:00:00Z';
let db: TestDatabase;
/** PARKCTL_HOME of the run: the dashboard logs there while it owns the terminal */
const home = mkdtempSync(join(tmpdir(), 'parkctl-dash-'));

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const pane = () => tmux('capture-pane', '-p', '-t', session);
const shows = (text: string) => vi.waitFor(() => expect(pane()).toContain(text), { timeout: 15_000, interval: 100 });
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe.skipIf(!tmuxPath)('parkctl dashboard in a terminal', () => {
  beforeAll(async () => {
    expect(existsSync(join(root, 'dist', 'cli.js')), 'dist/ is missing: run npm run build first').toBe(true);
    db = await createTestDatabase();
    await createTestLot(db.pool, { code: 'TMUX', spots: 10 });
    // CI=true (set by CI runners, inherited by the tmux server) makes Ink draw only its last frame: a person
    // at this terminal would have no CI variable, so the pane runs without it.
    const command = `cd ${quote(root)} && env -u CI DATABASE_URL=${quote(db.url)} PARKCTL_NOW=${now} PARKCTL_HOME=${quote(home)} `
      + `NO_COLOR=1 node bin/parkctl dashboard --lot TMUX; echo EXIT=$?; sleep 120`;
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', command);
  });

  afterAll(async () => {
    try {
      tmux('kill-session', '-t', session);
    } catch {
      // already gone
    }
    await db?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it('shows a booking made elsewhere, finds it by plate, and quits with 0', async () => {
    await shows('● live');
    await shows('free 11 of 11');
    const booked = await runCli(['booking', 'reserve', '--lot', 'TMUX', '--type', 'regular', '--from', now, '--to', '2031-03-03T11:00:00Z', '--plate', 'TMX 42'],
      { DATABASE_URL: db.url, PARKCTL_NOW: now });
    expect(booked.code).toBe(0);
    await shows('free 10 of 11');
    await shows('TMX42');

    tmux('send-keys', '-t', session, '/');
    await shows('Find');
    // a scanner's burst: the plate and Enter in one send-keys, as a kiosk scanner types them (issue 13)
    tmux('send-keys', '-t', session, 'tmx42', 'Enter');
    await shows('TMX42 TENTATIVE');

    tmux('send-keys', '-t', session, 'Escape');
    await vi.waitFor(() => expect(pane()).not.toContain('TMX42 TENTATIVE'), { timeout: 15_000, interval: 100 });
    tmux('send-keys', '-t', session, 'q');
    await shows('EXIT=0');
  });
});
