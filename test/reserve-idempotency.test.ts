// An idempotency key (external ref) names one request: the same request gets the booking it made, as
// stored; another request under the same key is refused (exit 2), by `booking reserve` and by import.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport } from '../src/core/bulk/import-report.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

const dir = mkdtempSync(join(tmpdir(), 'parkctl-keys-'));
let db: TestDatabase;
let env: Record<string, string>;

const reserveArgs = (key: string, plate: string, from: string, to: string) =>
  ['booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', from, '--to', to, '--plate', plate, '--customer', 'c-1', '--external-ref', key];

function report(stdout: string): ImportReport {
  const end = stdout.indexOf('\n}\n');
  return JSON.parse(end === -1 ? stdout : stdout.slice(0, end + 2)) as ImportReport;
}

async function stored(key: string): Promise<{ reservation_id: string; plate: string; starts_at: Date; ends_at: Date }[]> {
  const { rows } = await db.pool.query<{ reservation_id: string; plate: string; starts_at: Date; ends_at: Date }>(
    `select reservation_id, plate, lower(period) as starts_at, upper(period) as ends_at from reservations where external_ref = $1::text`, [key]);
  return rows;
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

describe('booking reserve --external-ref', () => {
  let firstId: string;

  it('the same key with the same request returns the stored booking', async () => {
    const first = await runCli([...reserveArgs('K-1', 'AB12CDE', '2030-03-02T10:00:00Z', '2030-03-02T12:00:00Z'), '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    firstId = (first.json as { reservationId: string }).reservationId;
    const again = await runCli([...reserveArgs('K-1', 'AB12 CDE', '2030-03-02T10:00:00Z', '2030-03-02T12:00:00Z'), '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ reservationId: firstId, created: false, plate: 'AB12CDE', start: '2030-03-02T10:00:00.000Z' });
    // the customer reference is not part of the request a key names: the stored one is printed
    const renamed = await runCli([...reserveArgs('K-1', 'AB12CDE', '2030-03-02T10:00:00Z', '2030-03-02T12:00:00Z'), '--customer', 'c-2', '--json'], env);
    expect(renamed.json).toMatchObject({ reservationId: firstId, created: false, customerRef: 'c-1', end: '2030-03-02T12:00:00.000Z' });
  });

  it('the same key with another plate and window is refused (exit 2), naming the key and what differs; the booking is unchanged', async () => {
    const r = await runCli(reserveArgs('K-1', 'XY34ZZ', '2030-03-03T08:00:00Z', '2030-03-03T09:00:00Z'), env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('external ref "K-1" was used at RIVERSIDE for another booking');
    expect(r.stderr).toContain('plate XY34ZZ, not AB12CDE');
    expect(r.stderr).toContain('window 2030-03-03T08:00:00.000Z -> 2030-03-03T09:00:00.000Z, not 2030-03-02T10:00:00.000Z -> 2030-03-02T12:00:00.000Z');
    const json = await runCli([...reserveArgs('K-1', 'XY34ZZ', '2030-03-03T08:00:00Z', '2030-03-03T09:00:00Z'), '--json'], env);
    expect(json.json).toMatchObject({ error: { code: 'external_ref_reused', exitCode: 2 } });
    expect(await stored('K-1')).toEqual([{ reservation_id: firstId, plate: 'AB12CDE', starts_at: new Date('2030-03-02T10:00:00Z'), ends_at: new Date('2030-03-02T12:00:00Z') }]);
    expect(await runCli(reserveArgs('K-1', 'AB12CDE', '2030-03-02T10:00:00Z', '2030-03-02T13:00:00Z'), env)).toMatchObject({ code: 2 });
  });

  it('a retry after the booking was extended still matches the request as booked, and prints the window as stored', async () => {
    await db.pool.query(`update reservations set period = tstzrange(lower(period), upper(period) + interval '1 hour', '[)') where reservation_id = $1::uuid`, [firstId]);
    const r = await runCli(reserveArgs('K-1', 'AB12CDE', '2030-03-02T10:00:00Z', '2030-03-02T12:00:00Z'), env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(firstId);
    expect(r.stdout).toMatch(/window:\s+2030-03-02 10:00 -> 2030-03-02 13:00/);
  });
});

describe('booking import with one external_ref on two rows', () => {
  it('books the first row, reports the second as a conflict naming the line, and refuses a key booked before for another car', async () => {
    const path = join(dir, 'keys.csv');
    writeFileSync(path, [
      'lot,vehicle_type,start,end,plate,customer_ref,external_ref,payment',
      'RIVERSIDE,regular,2030-03-04T10:00:00Z,2030-03-04T12:00:00Z,ONE1,c,dup-1,unpaid',
      'RIVERSIDE,regular,2030-03-04T10:00:00Z,2030-03-04T12:00:00Z,TWO2,c,dup-1,unpaid',
      'RIVERSIDE,regular,2030-03-02T10:00:00Z,2030-03-02T12:00:00Z,THREE3,c-1,K-1,unpaid',
      'RIVERSIDE,regular,2030-03-04T10:00:00Z,2030-03-04T12:00:00Z,ONE1,c,dup-1,unpaid',
    ].join('\n') + '\n');
    for (const run of [1, 2]) {
      const r = await runCli(['booking', 'import', path, '--json'], env);
      expect(r.code).toBe(2);
      const rep = report(r.stdout);
      expect(rep.outcomes.map((o) => [o.line, o.status])).toEqual([[2, run === 1 ? 'booked' : 'existing'], [3, 'conflict'], [4, 'conflict'], [5, 'existing']]);
      expect(rep.outcomes[1]!.message).toContain('external_ref "dup-1" is also on line 2 for another booking (plate TWO2, not ONE1)');
      expect(rep.outcomes[1]!.reservationId).toBeNull();
      expect([rep.outcomes[1]!.code, rep.outcomes[2]!.code]).toEqual(['external_ref_reused', 'external_ref_reused']);
      expect(rep.outcomes[2]!.message).toContain('plate THREE3, not AB12CDE');
      expect(rep.outcomes[3]!.reservationId).toBe(rep.outcomes[0]!.reservationId);
      expect(rep.summary).toMatchObject({ rows: 4, conflict: 2 });
    }
    expect((await stored('dup-1')).map((r) => r.plate)).toEqual(['ONE1']);
    expect((await stored('K-1')).map((r) => r.plate)).toEqual(['AB12CDE']);
  });
});
