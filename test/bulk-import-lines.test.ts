// booking import accounts for every line of its file: a broken quote costs its own line only, and a
// file with a record no booking file holds (a quote never closed over megabytes) stops at once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport } from '../src/core/bulk/import-report.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

const header = 'lot,vehicle_type,start,end,plate,customer_ref,external_ref,payment';
const dir = mkdtempSync(join(tmpdir(), 'parkctl-lines-'));
let db: TestDatabase;
let env: Record<string, string>;

function report(stdout: string): ImportReport {
  const end = stdout.indexOf('\n}\n');
  return JSON.parse(end === -1 ? stdout : stdout.slice(0, end + 2)) as ImportReport;
}

async function platesBooked(): Promise<string[]> {
  const { rows } = await db.pool.query<{ plate: string }>(`select plate from reservations order by plate`);
  return rows.map((r) => r.plate);
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, PARKCTL_NOW: '2030-03-01T00:00:00Z' };
  expect((await runCli(['lot', 'import', 'fixtures/surface-lot.yaml'], env)).code).toBe(0);
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('booking import after an unclosed quote', () => {
  it('reports the broken line and books every row after it: all four rows are in the report', async () => {
    const path = join(dir, 'unclosed.csv');
    writeFileSync(path, [
      header,
      'RIVERSIDE,regular,2030-03-02T10:00,2030-03-02T12:00,LINE2,c,lines-2,unpaid',
      'RIVERSIDE,regular,2030-03-02T10:00,2030-03-02T12:00,LINE3,"c,lines-3,unpaid',
      'RIVERSIDE,regular,2030-03-02T10:00,2030-03-02T12:00,LINE4,c,lines-4,unpaid',
      'RIVERSIDE,regular,2030-03-02T10:00,2030-03-02T12:00,LINE5,c,lines-5,unpaid',
    ].join('\n') + '\n');
    const r = await runCli(['booking', 'import', path, '--json'], env);
    expect(r.code).toBe(2);
    const rep = report(r.stdout);
    expect(rep.summary).toMatchObject({ rows: 4, booked: 3, malformed: 1 });
    expect(rep.outcomes.map((o) => [o.line, o.status])).toEqual([[2, 'booked'], [3, 'malformed'], [4, 'booked'], [5, 'booked']]);
    expect(rep.outcomes[1]).toMatchObject({ column: 'customer_ref', code: 'bad_quoting', message: 'a quote opened on line 3 is never closed' });
    expect(await platesBooked()).toEqual(['LINE2', 'LINE4', 'LINE5']);
  });
});

describe('booking import of a file with a 50 MB quoted field never closed', () => {
  it('stops before booking anything, naming the line the record began on (exit 2)', async () => {
    const path = join(dir, 'huge.csv');
    writeFileSync(path, [
      header,
      'RIVERSIDE,regular,2030-03-03T10:00,2030-03-03T12:00,HUGE2,c,huge-2,unpaid',
      `RIVERSIDE,regular,2030-03-03T10:00,2030-03-03T12:00,HUGE3,"${'x'.repeat(50 * 1024 * 1024)}`,
      'RIVERSIDE,regular,2030-03-03T10:00,2030-03-03T12:00,HUGE4,c,huge-4,unpaid',
    ].join('\n') + '\n');
    for (const extra of [['--dry-run'], []]) {
      const r = await runCli(['booking', 'import', path, '--json', ...extra], env);
      expect(r.code).toBe(2);
      expect(r.json).toMatchObject({ error: { code: 'record_too_long', message: expect.stringContaining('line 3 starts a record longer than 64 KiB') } });
    }
    expect((await platesBooked()).filter((p) => p.startsWith('HUGE'))).toEqual([]);
  });
});
