// Issue 13, output point 4: states in colour in tables (confirmed green, expired and refused red, held
// and due yellow) on a terminal; none with NO_COLOR, none when piped, none in -o json. On a real
// pseudo-terminal, as a person sees it.
/* eslint-disable no-control-regex -- the colour codes (ESC [ ... m) are what these tests look for */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyColourMarks, colourState } from '../src/commands/colour.js';
import { renderTable, withTableStyle } from '../src/commands/table.js';
import { escapeControlCharactersInBlock } from '../src/core/control-characters.js';
import { runBuilt } from './support/built-cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let env: Record<string, string>;
const terminal = { columns: 120, rows: 50 };
const green = (s: string) => `\u001b[32m${s}\u001b[39m`;
const red = (s: string) => `\u001b[31m${s}\u001b[39m`;
const yellow = (s: string) => `\u001b[33m${s}\u001b[39m`;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, PARKCTL_NOW: '2031-06-01T09:00:00Z' };
  expect((await runBuilt(['lot', 'import', 'fixtures/surface-lot.yaml'], env)).code).toBe(0);
  const reserve = async (plate: string, now: string) => {
    const r = await runBuilt(['-q', '--now', now, 'booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', '2031-06-03 10:00', '--to', '2031-06-03 12:00', '--plate', plate], env);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  // one held (TENTATIVE), one confirmed, one expired (its hold swept an hour later)
  await reserve('HE11AAA', '2031-06-01T10:00:00Z');
  const paid = await reserve('CO22BBB', '2031-06-01T10:00:00Z');
  const show = JSON.parse((await runBuilt(['--json', 'booking', 'show', paid], env)).stdout) as { priceMinor: number };
  expect((await runBuilt(['--now', '2031-06-01T10:01:00Z', 'booking', 'complete', paid, '--payment-token', `cash:${paid}:${show.priceMinor}:GBP`], env)).code).toBe(0);
  await reserve('EX33CCC', '2031-06-01T08:00:00Z');
  expect((await runBuilt(['--now', '2031-06-01T10:05:00Z', 'sweeper', 'run', '--holds'], env)).code).toBe(0);
});

afterAll(async () => {
  await db?.drop();
});

describe('states in colour on a terminal', () => {
  it('booking list: confirmed green, expired red, held yellow; the words stay', async () => {
    const r = await runBuilt(['booking', 'list'], env, terminal);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CO22BBB.*\u001b\[32mCONFIRMED\u001b\[39m/);
    expect(r.stdout).toMatch(/EX33CCC.*\u001b\[31mEXPIRED\u001b\[39m/);
    expect(r.stdout).toMatch(/HE11AAA.*\u001b\[33mTENTATIVE\u001b\[39m/);
    // the columns still line up: colour codes take no width
    const plain = r.stdout.replace(/\u001b\[\d+m/g, '').trimEnd().split('\n');
    const at = plain[0]!.indexOf('STATUS');
    for (const line of plain.slice(1)) expect(line.slice(at)).toMatch(/^(CONFIRMED|EXPIRED|TENTATIVE)\s/);
  });

  it('NO_COLOR, a pipe or -o json: no colour at all', async () => {
    const noColor = await runBuilt(['booking', 'list'], { ...env, NO_COLOR: '1' }, terminal);
    expect(noColor.stdout).toContain('CONFIRMED');
    expect(noColor.stdout).not.toMatch(/\u001b\[3\dm/);
    const piped = await runBuilt(['booking', 'list'], env);
    expect(piped.stdout).toContain('CONFIRMED');
    expect(piped.stdout).not.toContain('\u001b');
    const json = await runBuilt(['-o', 'json', 'booking', 'list'], env, terminal);
    expect(json.stdout).not.toMatch(/\u001b\[3\dm/);
  });

  it('the state words and their colours; a cell cannot bring colours of its own, nor fake ours', () => {
    expect(colourState('due')).toBe(yellow('due'));
    expect(colourState('refused')).toBe(red('refused'));
    expect(colourState('succeeded')).toBe(green('succeeded'));
    expect(colourState('Acme Ltd')).toBe('Acme Ltd');
    const style = { width: null, wide: false, headers: false, colour: true, fields: null };
    const rows = [{ note: 'a\u001b[31mred\u001b[39m', status: '\ue001Acme' }];
    const drawn = withTableStyle(style, () => renderTable(rows, [{ header: 'note', value: (r) => r.note }, { header: 'status', value: (r) => r.status }])).value;
    const shown = applyColourMarks(escapeControlCharactersInBlock(drawn), true);
    expect(shown).not.toContain('\u001b[31m'); // neither the note's own code nor a mark faked into the status
    expect(shown).toMatch(/^a.+red.+ {2}Acme$/);
  });
});
