// Issue 13, output point 1: tables from cli-table3 sized to the terminal. The built CLI is run as a
// user runs it: on a real pseudo-terminal of 80 columns (util-linux `script`), with COLUMNS=80 piped
// (COLUMNS is honoured when stdout is not a terminal), and piped without it (no cut at all).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitColumns } from '../src/commands/table.js';
import { runBuilt } from './support/built-cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let env: Record<string, string>;
const ids: string[] = [];
// a long customer reference: -o wide shows it whole, a narrow terminal never sees it
const customer = 'corporate-account-with-a-rather-long-reference-0001';

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, PARKCTL_NOW: '2031-06-01T09:00:00Z' };
  expect((await runBuilt(['lot', 'import', 'fixtures/surface-lot.yaml'], env)).code).toBe(0);
  for (const [plate, type] of [['AA11AAA', 'regular'], ['BB22BBB', 'accessible'], ['CC33CCC', 'motorcycle']] as const) {
    const r = await runBuilt(['-q', 'booking', 'reserve', '--lot', 'RIVERSIDE', '--type', type, '--from', '2031-06-03 10:00', '--to', '2031-06-04 12:00', '--plate', plate, '--customer', customer], env);
    expect(r.code, r.stderr).toBe(0);
    ids.push(r.stdout.trim());
  }
});

afterAll(async () => {
  await db?.drop();
});

const widest = (text: string) => Math.max(...text.trimEnd().split('\n').map((l) => l.length));

describe('booking list at 80 columns', () => {
  it('fits a real 80-column terminal, every row readable', async () => {
    const r = await runBuilt(['booking', 'list'], { ...env, NO_COLOR: '1' }, { columns: 80, rows: 50 });
    expect(r.code).toBe(0);
    expect(widest(r.stdout)).toBeLessThanOrEqual(80);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+SPOT\s+PLATE\s+.*FROM \(BST\)\s+TO\s+STATUS/);
    // short ids (a prefix every command takes), the window in the lot's zone
    for (const id of ids) expect(lines.some((l) => l.startsWith(`${id.slice(0, 8)}  `))).toBe(true);
    expect(r.stdout).toContain('2031-06-03 10:00  2031-06-04 12:00');
    expect(r.stdout).not.toContain(ids[0]!);
  });

  it('COLUMNS=80 does the same when piped; without it nothing is cut', async () => {
    const fitted = await runBuilt(['booking', 'list'], { ...env, COLUMNS: '80' });
    expect(widest(fitted.stdout)).toBeLessThanOrEqual(80);
    // narrower than the columns that mean nothing cut (ids, times): the less important ones went first
    const narrow = await runBuilt(['booking', 'list'], { ...env, COLUMNS: '50' });
    expect(narrow.stdout.split('\n')[0]).toMatch(/^ID\s+SPOT\s+PLATE\s+FROM \(BST\)\s+TO\s+STATUS$/);
    const piped = await runBuilt(['booking', 'list'], env);
    expect(piped.stdout).not.toContain('…');
    expect(piped.stdout.split('\n')[0]).toMatch(/^ID\s+LOT\s+SPOT\s+PLATE\s+TYPE\s+FROM \(BST\)\s+TO\s+STATUS\s+PRICE$/);
  });

  it('-o wide shows every column and whole ids, whatever the width', async () => {
    const r = await runBuilt(['-o', 'wide', 'booking', 'list'], { ...env, COLUMNS: '80' });
    expect(r.code).toBe(0);
    for (const id of ids) expect(r.stdout).toContain(id);
    expect(r.stdout.split('\n')[0]).toMatch(/CUSTOMER\s+PAYMENT$/);
    expect(r.stdout).toContain(customer);
    expect(widest(r.stdout)).toBeGreaterThan(80);
  });
});

describe('fitting columns', () => {
  it('drops the least important column first, then cuts the widest, never a fixed one', () => {
    // natural widths 10, 20, 8; the middle one is droppable at priority 1
    expect(fitColumns([10, 20, 8], [2, 4, 5], [0, 1, 0], null)).toEqual({ keep: [0, 1, 2], widths: [10, 20, 8] });
    expect(fitColumns([10, 20, 8], [2, 4, 5], [0, 1, 0], 30)).toEqual({ keep: [0, 2], widths: [10, 8] });
    // nothing droppable: the widest shrinks to fit
    expect(fitColumns([10, 20, 8], [2, 4, 5], [0, 0, 0], 30)).toEqual({ keep: [0, 1, 2], widths: [9, 9, 8] });
    // a fixed column is never cut: the others give way, down to their floor (header or 5)
    expect(fitColumns([10, 20, 8], [2, 4, 5], [0, 0, 0], 36, [false, true, false])).toEqual({ keep: [0, 1, 2], widths: [6, 20, 6] });
    // when even that does not fit, nothing is cut: the terminal wraps a whole table
    expect(fitColumns([10, 20, 8], [2, 4, 5], [0, 0, 0], 30, [false, true, false])).toEqual({ keep: [0, 1, 2], widths: [10, 20, 8] });
  });
});
