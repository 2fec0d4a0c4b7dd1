// booking export -> booking import round-trips: into the same database every row is recognised and
// nothing changes; into an empty lot every booking comes back as it was (id, status, spot, window,
// price, payment, a car inside with its visit), bookings made with `booking reserve` included.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport } from '../src/core/bulk/import-report.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

const now = '2030-03-01T08:00:00Z';
const dir = mkdtempSync(join(tmpdir(), 'parkctl-round-trip-'));
let source: TestDatabase;
let target: TestDatabase;
let sourceEnv: Record<string, string>;
let targetEnv: Record<string, string>;

function report(stdout: string): ImportReport {
  const end = stdout.indexOf('\n}\n');
  return JSON.parse(end === -1 ? stdout : stdout.slice(0, end + 2)) as ImportReport;
}

/** Everything a booking is, as people and the money see it, keyed by reservation id. */
async function bookings(db: TestDatabase): Promise<unknown[]> {
  const { rows } = await db.pool.query(
    `select r.reservation_id, r.status::text, s.label, r.plate, r.vehicle_type::text, lower(r.period) as starts_at, upper(r.period) as ends_at,
            r.price_minor, r.extension_minor, r.payment_status::text, r.customer_ref, r.external_ref,
            case when r.status = 'TENTATIVE' then r.hold_expires_at end as hold_expires_at, -- a paid booking's old hold means nothing
            v.entered_at, v.exited_at,
            (select coalesce(sum(p.amount_minor), 0)::integer from payments p where p.lot_id = r.lot_id and p.reservation_id = r.reservation_id and p.purpose = 'reservation') as paid_minor
       from reservations r join spots s on s.lot_id = r.lot_id and s.spot_id = r.spot_id
       left join visits v on v.lot_id = r.lot_id and v.reservation_id = r.reservation_id
      order by r.plate`);
  return rows;
}

async function counts(db: TestDatabase): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<Record<string, number>>(
    `select (select count(*)::integer from reservations) as reservations, (select count(*)::integer from visits) as visits,
            (select count(*)::integer from payments) as payments`);
  return rows[0]!;
}

async function cli(args: string[], env: Record<string, string>): Promise<unknown> {
  const r = await runCli([...args, '--json'], env);
  expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
  return r.json;
}

beforeAll(async () => {
  source = await createTestDatabase();
  target = await createTestDatabase();
  sourceEnv = { DATABASE_URL: source.url, PARKCTL_NOW: now };
  targetEnv = { DATABASE_URL: target.url, PARKCTL_NOW: now };
  for (const env of [sourceEnv, targetEnv]) expect((await runCli(['lot', 'import', 'fixtures/surface-lot.yaml'], env)).code).toBe(0);
  // made the way attendants make them: reserve (no external ref), pay at the desk, arrive
  const reserve = (plate: string, from: string, to: string, type = 'regular') =>
    cli(['booking', 'reserve', '--lot', 'RIVERSIDE', '--type', type, '--from', from, '--to', to, '--plate', plate], sourceEnv) as Promise<{ reservationId: string; priceMinor: number }>;
  await reserve('HELD1', '2030-03-02T10:00:00Z', '2030-03-02T12:00:00Z');
  const paid = await reserve('PAID1', '2030-03-02T10:00:00Z', '2030-03-02T14:00:00Z', 'ev');
  await cli(['booking', 'complete', paid.reservationId, '--payment-token', `cash:${paid.reservationId}:${paid.priceMinor}:GBP`], sourceEnv);
  const inside = await reserve('INSIDE1', '2030-03-01T08:00:00Z', '2030-03-01T18:00:00Z');
  await cli(['booking', 'complete', inside.reservationId, '--payment-token', `cash:${inside.reservationId}:${inside.priceMinor}:GBP`], sourceEnv);
  await cli(['visit', 'arrive', '--lot', 'RIVERSIDE', '--plate', 'INSIDE1'], sourceEnv);
  // time added on the dashboard, owed at the exit
  await source.pool.query(`update reservations set extension_minor = 450 where plate = 'INSIDE1'`);
  await cli(['booking', 'import', 'fixtures/bookings-sample.csv'], sourceEnv);
});
afterAll(async () => {
  await source?.drop();
  await target?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('booking export, then booking import', () => {
  let path: string;
  let before: unknown[];

  it('exports every live booking with what import needs, reserve-made ones included', async () => {
    const exported = await runCli(['booking', 'export', '--lot', 'RIVERSIDE'], sourceEnv);
    expect(exported.code, exported.stderr).toBe(0);
    path = join(dir, 'export.csv');
    writeFileSync(path, exported.stdout);
    before = await bookings(source);
    expect(before).toHaveLength(8);
    expect(before).toContainEqual(expect.objectContaining({ plate: 'INSIDE1', status: 'CHECKED_IN', extension_minor: 450, entered_at: new Date(now) }));
    expect(exported.stdout).toMatch(/,INSIDE1,walk-up,[^,]*,paid:cash:\d+:GBP,[0-9a-f-]{36},CHECKED_IN,[AB]-\d\d,\d+,450,,2030-03-01T08:00:00.000Z,attendant\n/);
  });

  it('into the same database: every row is recognised as existing and nothing changes', async () => {
    const countsBefore = await counts(source);
    const r = await runCli(['booking', 'import', path, '--json'], sourceEnv);
    expect(r.code, r.stdout).toBe(0);
    const rep = report(r.stdout);
    expect(rep.summary).toMatchObject({ rows: 8, existing: 8, booked: 0, refused: 0, conflict: 0 });
    expect(await bookings(source)).toEqual(before);
    expect(await counts(source)).toEqual(countsBefore);
  });

  it('into an empty lot: the same bookings with their ids, statuses, spots, windows, prices, payments and the car inside', async () => {
    const r = await runCli(['booking', 'import', path, '--json'], targetEnv);
    expect(r.code, r.stdout).toBe(0);
    expect(report(r.stdout).summary).toMatchObject({ rows: 8, booked: 8 });
    expect(await bookings(target)).toEqual(before);
    const { rows } = await target.pool.query<{ n: number }>(`select count(*)::integer as n from visits where exited_at is null and plate = 'INSIDE1'`);
    expect(rows[0]!.n).toBe(1);
  });

  it('and again into that lot: every row existing, nothing changed', async () => {
    const countsBefore = await counts(target);
    const r = await runCli(['booking', 'import', path, '--json'], targetEnv);
    expect(r.code, r.stdout).toBe(0);
    expect(report(r.stdout).summary).toMatchObject({ rows: 8, existing: 8 });
    expect(await counts(target)).toEqual(countsBefore);
  });

  it('--all-or-nothing restores every row in one transaction, the same as row by row', async () => {
    const third = await createTestDatabase();
    try {
      const env = { DATABASE_URL: third.url, PARKCTL_NOW: now };
      expect((await runCli(['lot', 'import', 'fixtures/surface-lot.yaml'], env)).code).toBe(0);
      const r = await runCli(['booking', 'import', path, '--all-or-nothing', '--json'], env);
      expect(r.code, r.stdout).toBe(0);
      expect(report(r.stdout).summary).toMatchObject({ rows: 8, booked: 8 });
      expect(await bookings(third)).toEqual(before);
    } finally {
      await third.drop();
    }
  });

  it('a row whose reservation_id names another booking (the plate edited) is a conflict; nothing is written', async () => {
    const edited = join(dir, 'edited.csv');
    writeFileSync(edited, readFileSync(path, 'utf8').replace(',HELD1,', ',OTHER9,'));
    const countsBefore = await counts(target);
    const r = await runCli(['booking', 'import', edited, '--json'], targetEnv);
    expect(r.code).toBe(2);
    const rep = report(r.stdout);
    expect(rep.summary).toMatchObject({ rows: 8, existing: 7, conflict: 1 });
    expect(rep.outcomes.find((o) => o.status === 'conflict')!.code).toBe('reservation_id_reused');
    expect(rep.outcomes.find((o) => o.status === 'conflict')!.message).toMatch(/^reservation_id [0-9a-f-]{36} is another booking here \(plate OTHER9, not HELD1\)/);
    expect(await counts(target)).toEqual(countsBefore);
  });

  it('one reservation_id on two lines: the later line reports the first one\'s booking, or a conflict when it differs', async () => {
    const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
    const held = lines.find((l) => l.includes(',HELD1,'))!;
    const edited = join(dir, 'twice.csv');
    writeFileSync(edited, [head, held, held, held.replace(',HELD1,', ',OTHER9,')].join('\n') + '\n');
    const r = await runCli(['booking', 'import', edited, '--json'], targetEnv);
    expect(r.code).toBe(2);
    const rep = report(r.stdout);
    expect(rep.outcomes.map((o) => [o.line, o.status, o.code])).toEqual([[2, 'existing', null], [3, 'existing', null], [4, 'conflict', 'reservation_id_reused']]);
    expect(rep.outcomes[1]).toMatchObject({ reservationId: rep.outcomes[0]!.reservationId, message: 'the same booking as line 2' });
    expect(rep.outcomes[2]!.message).toMatch(/^reservation_id [0-9a-f-]{36} is also on line 2 for another booking \(plate OTHER9, not HELD1\)/);
  });

  it('a new booking on a spot that is taken is refused, and one no longer live is not restored', async () => {
    const held = readFileSync(path, 'utf8').split('\n').find((l) => l.includes(',HELD1,'))!;
    const fresh = (id: string, plate: string, status: string) =>
      // a new booking: its own id and plate, and no external ref (the CLI gave HELD1's reserve one)
      held.replace(/,HELD1,([^,]*),[^,]*,/, `,${plate},$1,,`).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, id).replace(',TENTATIVE,', `,${status},`);
    const edited = join(dir, 'new-ids.csv');
    writeFileSync(edited, [readFileSync(path, 'utf8').split('\n')[0], fresh('00000000-0000-4000-8000-000000000001', 'NEW1', 'TENTATIVE'),
      fresh('00000000-0000-4000-8000-000000000002', 'NEW2', 'COMPLETED')].join('\n') + '\n');
    const countsBefore = await counts(target);
    const r = await runCli(['booking', 'import', edited, '--json'], targetEnv);
    expect(r.code).toBe(3);
    expect(report(r.stdout).outcomes.map((o) => [o.status, o.code])).toEqual([['refused', 'spot_taken'], ['refused', 'not_restorable']]);
    expect(await counts(target)).toEqual(countsBefore);
  });

  it('the restored car leaves like any other: its extension is owed at the exit', async () => {
    const r = await runCli(['visit', 'depart', '--lot', 'RIVERSIDE', '--plate', 'INSIDE1', '--json'], { ...targetEnv, PARKCTL_NOW: '2030-03-01T12:00:00Z' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const { rows } = await target.pool.query<{ status: string; amount_due_minor: number }>(
      `select r.status::text, v.amount_due_minor from reservations r join visits v using (lot_id, reservation_id) where r.plate = 'INSIDE1'`);
    expect(rows).toEqual([{ status: 'COMPLETED', amount_due_minor: 450 }]);
  });
});
