// Issue 13, output point 3: a list cut at its --limit says "showing 200 of 1,105 (--limit to see more)"
// on stderr, the same line for every list; a long table on a terminal goes through $PAGER, never when
// piped, never for -o json. The pager here is a real command (sed marking each line) on a real
// pseudo-terminal of 10 rows, so the test sees what the person at that terminal would.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuilt } from './support/built-cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let env: Record<string, string>;
const bookings = 1105;
const note = (shown: string, total: string) => `showing ${shown} of ${total} (--limit to see more)\n`;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, PARKCTL_NOW: '2031-06-01T09:00:00Z' };
  await createTestLot(db.pool, { code: 'BIG', spots: 1200 });
  const csv = ['lot,vehicle_type,start,end,plate,customer_ref,external_ref,payment'];
  for (let i = 0; i < bookings; i++) csv.push(`BIG,regular,2031-06-03T10:00,2031-06-03T12:00,PL${String(i).padStart(4, '0')}X,c-${i},ref-${i},paid:cash:400:GBP`);
  const file = join(mkdtempSync(join(tmpdir(), 'parkctl-limits-')), 'bookings.csv');
  writeFileSync(file, csv.join('\n') + '\n');
  const imported = await runBuilt(['booking', 'import', file], env);
  expect(imported.code, imported.stderr).toBe(0);
  const permits = [['Acme', 'PA11AAA'], ['Bravo', 'PB22BBB'], ['Charlie', 'PC33CCC']];
  for (const [holder, plate] of permits) {
    const p = await runBuilt(['permit', 'create', '--lot', 'BIG', '--holder', holder!, '--plate', plate!, '--from', '2031-06-01', '--until', '2031-07-01'], env);
    expect(p.code, p.stderr).toBe(0);
  }
  for (const attendant of ['Sam', 'Kim']) {
    const open = await runBuilt(['shift', 'open', '--lot', 'BIG', '--attendant', attendant, '--float', '50'], env);
    expect(open.code, open.stderr).toBe(0);
    const close = await runBuilt(['shift', 'close', '--lot', 'BIG', '--counted', '50', '--reason', 'the bookings were paid elsewhere'], env);
    expect(close.code, close.stderr).toBe(0);
  }
}, 600_000);

afterAll(async () => {
  await db?.drop();
});

describe('"showing N of M" on stderr, the same for every list', () => {
  it('booking list: the default limit of 200, thousands grouped; stdout keeps its shape in every format', async () => {
    const table = await runBuilt(['booking', 'list'], env);
    expect(table.code).toBe(0);
    expect(table.stderr).toBe(note('200', '1,105'));
    expect(table.stdout.trimEnd().split('\n')).toHaveLength(201);
    const json = await runBuilt(['--json', 'booking', 'list', '--limit', '1000'], env);
    expect(JSON.parse(json.stdout)).toHaveLength(1000);
    expect(json.stderr).toBe(note('1,000', '1,105'));
    const quiet = await runBuilt(['-q', 'booking', 'list', '--limit', '5'], env);
    expect(quiet.stdout.trimEnd().split('\n')).toHaveLength(5);
    expect(quiet.stderr).toBe(note('5', '1,105'));
    const all = await runBuilt(['-q', 'booking', 'list', '--limit', '2000'], env);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(bookings);
    expect(all.stderr).toBe('');
  });

  it('payments, permit and shift list say it in the same words', async () => {
    const payments = await runBuilt(['payments', 'list', '--limit', '10'], env);
    expect(payments.stderr).toBe(note('10', '1,105'));
    const permits = await runBuilt(['permit', 'list', '--lot', 'BIG', '--limit', '2'], env);
    expect(permits.stderr).toBe(note('2', '3'));
    // a filter counts what it matches, not the whole lot
    const one = await runBuilt(['permit', 'list', '--lot', 'BIG', '--plate', 'PB22BBB', '--limit', '1'], env);
    expect(one.stderr).toBe('');
    const shifts = await runBuilt(['shift', 'list', '--lot', 'BIG', '--limit', '1'], env);
    expect(shifts.stderr).toBe(note('1', '2'));
  });
});

describe('long tables through $PAGER on a terminal', () => {
  const pager = { PAGER: 'sed s/^/paged:/', NO_COLOR: '1' };
  const terminal = { columns: 120, rows: 10 };

  it('a table longer than the terminal goes through the pager', async () => {
    const r = await runBuilt(['booking', 'list', '--limit', '20'], { ...env, ...pager }, terminal);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('paged:'));
    expect(lines).toHaveLength(21); // the header and 20 rows, every one through the pager
    expect(lines[0]).toMatch(/^paged:ID\s+LOT/);
  });

  it('never a table that fits, never -o json, never when piped, never with PAGER empty', async () => {
    const fits = await runBuilt(['booking', 'list', '--limit', '3'], { ...env, ...pager }, terminal);
    expect(fits.stdout).toMatch(/^ID\s+LOT/m);
    expect(fits.stdout).not.toContain('paged:');
    const json = await runBuilt(['-o', 'json', 'booking', 'list', '--limit', '20'], { ...env, ...pager }, terminal);
    expect(json.stdout).not.toContain('paged:');
    expect(json.stdout).toContain('"reservationId"');
    const piped = await runBuilt(['booking', 'list', '--limit', '20'], { ...env, ...pager });
    expect(piped.stdout).not.toContain('paged:');
    expect(piped.stdout.trimEnd().split('\n')).toHaveLength(21);
    const off = await runBuilt(['booking', 'list', '--limit', '20'], { ...env, ...pager, PAGER: '' }, terminal);
    expect(off.stdout).not.toContain('paged:');
    expect(off.stdout).toMatch(/^ID\s+LOT/m);
  });
});
