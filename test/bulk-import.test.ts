// booking import / export end to end, in-process, against a real PostgreSQL.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOverlaps } from '../src/core/sql/reservations.js';
import type { ImportReport } from '../src/core/bulk/import-report.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

const now = '2030-03-01T00:00:00Z';
const dir = mkdtempSync(join(tmpdir(), 'parkctl-bulk-'));
let db: TestDatabase;
let env: Record<string, string>;

/** The report document: under --json a failing import prints it, then the error document. */
function report(stdout: string): ImportReport {
  const end = stdout.indexOf('\n}\n');
  return JSON.parse(end === -1 ? stdout : stdout.slice(0, end + 2)) as ImportReport;
}

async function reservationCount(where = 'true'): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`select count(*)::integer as n from reservations where ${where}`);
  return rows[0]!.n;
}

function writeCsv(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, ['lot,vehicle_type,start,end,plate,customer_ref,external_ref,payment', ...lines].join('\n') + '\n');
  return path;
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, PARKCTL_NOW: now };
  expect((await runCli(['lot', 'import', 'fixtures/surface-lot.yaml'], env)).code).toBe(0);
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('booking import of the sample file', () => {
  let first: ImportReport;

  it('books every row, settles the paid one, and reports line, reservation and spot', async () => {
    const r = await runCli(['booking', 'import', 'fixtures/bookings-sample.csv', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    first = report(r.stdout);
    expect(first.summary).toMatchObject({ rows: 5, booked: 5, refused: 0, malformed: 0 });
    expect(first.outcomes.map((o) => o.line)).toEqual([2, 3, 4, 5, 6]);
    for (const o of first.outcomes) {
      expect(o.reservationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(o.spot).toBeTruthy();
    }
    expect(first.outcomes[1]).toMatchObject({ plate: 'XY34ZZ', reservationStatus: 'CONFIRMED', payment: 'paid' });
    expect(first.outcomes[0]).toMatchObject({ plate: 'AB12CDE', reservationStatus: 'TENTATIVE', payment: 'unpaid' });
    expect(await reservationCount()).toBe(5);
    const { rows } = await db.pool.query<{ customer_ref: string }>(`select customer_ref from reservations where plate = 'EV001'`);
    expect(rows[0]!.customer_ref).toBe('Smith, Jane');
  });

  it('a re-run creates nothing and reports the same reservations as existing', async () => {
    const r = await runCli(['booking', 'import', 'fixtures/bookings-sample.csv', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const again = report(r.stdout);
    expect(again.summary).toMatchObject({ booked: 0, existing: 5 });
    expect(again.outcomes.map((o) => o.reservationId)).toEqual(first.outcomes.map((o) => o.reservationId));
    expect(await reservationCount()).toBe(5);
  });

  it('export writes what import reads back: re-importing the export finds every reservation', async () => {
    const exported = await runCli(['booking', 'export', '--lot', 'RIVERSIDE'], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout.split('\n')[0]).toBe('lot,vehicle_type,start,end,plate,customer_ref,external_ref,payment,reservation_id,status,spot,price_minor,extension_minor,hold_expires_at,entered_at,entry_gate');
    expect(exported.stdout).toContain('paid:cash:480:GBP');
    const path = join(dir, 'export.csv');
    writeFileSync(path, exported.stdout);
    const r = await runCli(['booking', 'import', path, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(report(r.stdout).summary).toMatchObject({ rows: 5, existing: 5, booked: 0 });
    expect(await reservationCount()).toBe(5);
  });

  it('a JSON export imports into another database with the same bookings, paid ones confirmed', async () => {
    const exported = await runCli(['booking', 'export', '--format', 'json'], env);
    const path = join(dir, 'export.json');
    writeFileSync(path, exported.stdout);
    const other = await createTestDatabase();
    try {
      const otherEnv = { DATABASE_URL: other.url, PARKCTL_NOW: now };
      await runCli(['lot', 'import', 'fixtures/surface-lot.yaml'], otherEnv);
      const r = await runCli(['booking', 'import', path, '--json'], otherEnv);
      expect(r.code, r.stderr).toBe(0);
      expect(report(r.stdout).summary.booked).toBe(5);
      const { rows } = await other.pool.query<{ plate: string; status: string }>(`select plate, status::text from reservations order by plate`);
      expect(rows).toEqual([
        { plate: 'AB12CDE', status: 'TENTATIVE' }, { plate: 'CP77', status: 'TENTATIVE' }, { plate: 'EV001', status: 'TENTATIVE' },
        { plate: 'MC123', status: 'TENTATIVE' }, { plate: 'XY34ZZ', status: 'CONFIRMED' },
      ]);
    } finally {
      await other.drop();
    }
  });
});

describe('booking import of a file with malformed rows', () => {
  it('reports each bad line with the column at fault, books the good ones, exits 2', async () => {
    const r = await runCli(['booking', 'import', 'fixtures/bookings-bad.csv', '--json'], env);
    expect(r.code).toBe(2);
    const rep = report(r.stdout);
    const byLine = Object.fromEntries(rep.outcomes.map((o) => [o.line, o]));
    expect(byLine[2]).toMatchObject({ status: 'booked' });
    expect(byLine[11]).toMatchObject({ status: 'booked' });
    const faults = Object.fromEntries(rep.outcomes.filter((o) => o.status === 'malformed').map((o) => [o.line, [o.code, o.column]]));
    expect(faults).toEqual({
      3: ['bad_time', 'start'], 4: ['unknown_lot', 'lot'], 5: ['bad_column_count', 'payment'], 6: ['bad_quoting', 'start'],
      7: ['bad_encoding', null], 8: ['bad_vehicle_type', 'vehicle_type'], 9: ['bad_plate', 'plate'], 10: ['window_too_long', 'end'],
    });
    expect(await reservationCount(`external_ref like 'bad-file-%'`)).toBe(2);
  });

  it('prints the report as a table and as CSV too', async () => {
    const table = await runCli(['booking', 'import', 'fixtures/bookings-bad.csv'], env);
    expect(table.code).toBe(2);
    expect(table.stdout).toMatch(/LINE\s+STATUS/);
    expect(table.stdout).toMatch(/10\s+malformed.*end.*longer than this lot's maximum/);
    expect(table.stderr).toContain('malformed');
    const csv = await runCli(['booking', 'import', 'fixtures/bookings-bad.csv', '--report-format', 'csv'], env);
    expect(csv.stdout.split('\n')[0]).toBe('line,status,lot,plate,reservation,spot,payment,column,message');
    expect(csv.stdout).toMatch(/\n4,malformed,,,,,,lot,"unknown lot ""NOWHERE"""\n/);
  });

  it('--all-or-nothing writes nothing when a row is malformed', async () => {
    const path = writeCsv('aon-bad.csv', [
      'RIVERSIDE,regular,2030-03-05T10:00,2030-03-05T12:00,AON1,c,aon-bad-1,unpaid',
      'RIVERSIDE,regular,2030-03-05T10:00,not-a-date,AON2,c,aon-bad-2,unpaid',
    ]);
    const r = await runCli(['booking', 'import', path, '--all-or-nothing', '--json'], env);
    expect(r.code).toBe(2);
    expect(report(r.stdout).outcomes.map((o) => o.status)).toEqual(['not_written', 'malformed']);
    expect(await reservationCount(`external_ref like 'aon-bad-%'`)).toBe(0);
  });

  it('--dry-run checks every row and writes nothing', async () => {
    const path = writeCsv('dry.csv', ['RIVERSIDE,regular,2030-03-05T10:00,2030-03-05T12:00,DRY1,c,dry-1,unpaid']);
    const r = await runCli(['booking', 'import', path, '--dry-run', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(report(r.stdout).outcomes[0]!.status).toBe('valid');
    expect(await reservationCount(`external_ref = 'dry-1'`)).toBe(0);
  });

  it('a missing column in the header is refused as a whole (exit 2)', async () => {
    const path = join(dir, 'no-plate.csv');
    writeFileSync(path, 'lot,vehicle_type,start,end,customer_ref\nRIVERSIDE,regular,2030-03-05T10:00,2030-03-05T12:00,c\n');
    const r = await runCli(['booking', 'import', path], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the header lacks column(s): plate');
  });
});

describe('booking import when the lot is full', () => {
  // RIVERSIDE has 4 motorcycle spots: the fifth overlapping row finds none free.
  const rows = (prefix: string) => Array.from({ length: 5 }, (_, i) => `RIVERSIDE,motorcycle,2030-03-06T10:00,2030-03-06T12:00,${prefix}${i},c,${prefix}-${i},unpaid`);

  it('--all-or-nothing rolls every row back on the first refusal and exits 3', async () => {
    const r = await runCli(['booking', 'import', writeCsv('aon-full.csv', rows('AONF')), '--all-or-nothing', '--json'], env);
    expect(r.code).toBe(3);
    const rep = report(r.stdout);
    expect(rep.outcomes.map((o) => o.status)).toEqual(['not_written', 'not_written', 'not_written', 'not_written', 'refused']);
    expect(rep.outcomes[4]!.code).toBe('no_spot_free');
    expect(await reservationCount(`external_ref like 'AONF-%'`)).toBe(0);
  });

  it('without it the rows that fit are booked, the rest refused, exit 3, and nothing overlaps', async () => {
    const r = await runCli(['booking', 'import', writeCsv('full.csv', rows('FULL')), '--json'], env);
    expect(r.code).toBe(3);
    const rep = report(r.stdout);
    expect(rep.summary).toMatchObject({ booked: 4, refused: 1 });
    expect(await reservationCount(`external_ref like 'FULL-%'`)).toBe(4);
    expect(await countOverlaps(db.pool)).toBe(0);
  });
});
