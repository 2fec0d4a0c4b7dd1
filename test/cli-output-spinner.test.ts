/* eslint-disable no-control-regex -- the spinner's terminal codes are what this test looks for */
// Issue 13, output point 7: a wait a person sits through shows a spinner on stderr after a second, on a
// terminal only, and its line is cleared when the wait ends; piped, stderr has the notes and nothing else.
// `gate open` to a known gate whose daemon never answers waits --wait-seconds for it (then exit 69).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSpinner } from '../src/commands/spinner.js';
import { upsertGateHeartbeat } from '../src/core/sql/gate-control.js';
import { runBuilt } from './support/built-cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let env: Record<string, string>;
const open = ['gate', 'open', '--lot', 'SPIN', '--gate', 'east-in', '--reason', 'ticket machine jammed', '--wait-seconds', '2'];
const frame = /\r[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for the gate daemon of SPIN\/east-in\u001b\[K/;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  const lot = await createTestLot(db.pool, { code: 'SPIN' });
  const at = new Date();
  await upsertGateHeartbeat(db.pool, {
    lotId: lot.lotId, gateId: 'east-in', direction: 'entry', host: 'h', pid: 1, startedAt: at, seenAt: at,
    journalLastSeq: 0, journalSyncedSeq: 0, barrierState: 'closed', allowListSyncedAt: null,
  });
});

afterAll(async () => {
  await db?.drop();
});

describe('a spinner while parkctl waits', () => {
  it('gate open on a terminal: the spinner after a second, cleared before the answer', async () => {
    const r = await runBuilt(open, env, { columns: 100, rows: 30 });
    expect(r.code).toBe(69);
    expect(r.stdout).toMatch(frame);
    // cleared (carriage return, erase line) before the error line
    expect(r.stdout).toMatch(/\r\u001b\[Kparkctl: gate daemon SPIN\/east-in: the gate was not opened/);
  });

  it('piped: no spinner, only the note and the error', async () => {
    const r = await runBuilt(open, env);
    expect(r.code).toBe(69);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(r.stderr).toMatch(/^asked SPIN\/east-in to open/);
  });

  it('a wait shorter than the delay draws nothing; a disabled target never draws', async () => {
    const written: string[] = [];
    const target = { enabled: true, write: (t: string) => void written.push(t) };
    expect(await withSpinner(target, 'quick', async () => 42, 60_000)).toBe(42);
    expect(written).toEqual([]);
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const slow = withSpinner(target, 'slow', () => held, 0);
    await new Promise<void>((resolve) => { const t = setInterval(() => { if (written.length > 0) { clearInterval(t); resolve(); } }, 5); });
    release();
    await slow;
    expect(written[0]).toMatch(/^\r. slow\u001b\[K$/);
    expect(written.at(-1)).toBe('\r\u001b[K');
    const off: string[] = [];
    await withSpinner({ enabled: false, write: (t) => void off.push(t) }, 'x', async () => undefined, 0);
    expect(off).toEqual([]);
  });
});
