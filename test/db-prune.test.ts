// Issue 17: `db prune --older-than 400d` exports, then deletes, old events, gate events and visits; the
// reports of the pruned months give the same figures afterwards (from the rollups); money rows and the
// visits they name stay; rows that cascade from a visit (a walk-in's ticket) are exported and go with it;
// without --export it refuses unless told --no-export.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonShapes } from '../src/core/json/schemas.js';
import type { Lot } from '../src/core/lots/lot.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { runCli } from './support/cli.js';
import { createTestLot } from './support/lots.js';
import { addEvent, addGateEvent, addPayment, addVisit } from './support/report-data.js';

let db: TestDatabase;
let lot: Lot;
const now = '2027-06-01T12:00:00Z'; // 400 days before: 2026-04-27 12:00 UTC
const cli = (args: string[]) => runCli(args, { DATABASE_URL: db.url, PARKCTL_NOW: now });
const counts = async () => Object.fromEntries(await Promise.all(['events', 'gate_events', 'visits', 'payments'].map(async (t) => {
  const { rows } = await db.pool.query<{ n: number }>(`select count(*)::integer as n from ${t} where lot_id = $1`, [lot.lotId]);
  return [t, rows[0]!.n];
})));
const januaryReports = [
  ['occupancy', '--from', '2026-01-01', '--to', '2026-01-31'],
  ['revenue', '--from', '2026-01-01', '--to', '2026-01-31'],
  ['exceptions', '--from', '2026-01-01', '--to', '2026-01-31'],
  ['turnover', '--from', '2026-01-01', '--to', '2026-01-31', '--by', 'week'],
];
const answers = () => Promise.all(januaryReports.map(async (q) => (await cli(['--json', 'report', ...q, '--lot', 'PRUNE'])).json));

let ids: { oldVisit: string; paidVisit: string; openVisit: string; newVisit: string };
beforeAll(async () => {
  db = await createTestDatabase();
  lot = await createTestLot(db.pool, { code: 'PRUNE', spots: 5 });
  const id = lot.lotId;
  ids = {
    oldVisit: await addVisit(db.pool, id, { plate: 'OLD1', enteredAt: '2026-01-10T08:00:00Z', exitedAt: '2026-01-10T18:00:00Z', dueMinor: 900 }),
    paidVisit: await addVisit(db.pool, id, { plate: 'OLD2', enteredAt: '2026-01-11T08:00:00Z', exitedAt: '2026-01-11T09:00:00Z', dueMinor: 200, paidMinor: 200 }),
    openVisit: await addVisit(db.pool, id, { plate: 'STILLIN', enteredAt: '2026-01-12T08:00:00Z' }),
    newVisit: await addVisit(db.pool, id, { plate: 'NEW1', enteredAt: '2027-05-01T08:00:00Z', exitedAt: '2027-05-01T10:00:00Z' }),
  };
  await addPayment(db.pool, id, { at: '2026-01-11T09:00:00Z', amountMinor: 200, visitId: ids.paidVisit });
  for (const k of ['gate.manual_open', 'payment.failed', 'lot.state_changed']) await addEvent(db.pool, id, k, '2026-01-15T10:00:00Z', 'old');
  await addEvent(db.pool, id, 'gate.manual_open', '2027-05-15T10:00:00Z', 'recent');
  await addGateEvent(db.pool, id, 'exit', 'LOST_TICKET', '2026-01-16T10:00:00Z');
  await addGateEvent(db.pool, id, 'entry', 'RESERVATION_OK', '2026-01-16T11:00:00Z');
  await addGateEvent(db.pool, id, 'entry', 'RESERVATION_OK', '2027-05-16T11:00:00Z');
});
afterAll(() => db.drop());

describe('db prune', () => {
  it('refuses to delete without an export, and --dry-run counts what would go', async () => {
    const before = await counts();
    const refused = await cli(['db', 'prune', '--older-than', '400d']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--export/);
    const bad = await cli(['db', 'prune', '--older-than', '400', '--no-export']);
    expect(bad.code).toBe(2);
    const dry = await cli(['--json', 'db', 'prune', '--older-than', '400d', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect((dry.json as { tables: unknown[] }).tables).toEqual([
      { table: 'events', deleted: 6, file: null }, { table: 'gate_events', deleted: 2, file: null }, { table: 'visits', deleted: 1, file: null },
      { table: 'tickets', deleted: 0, file: null }, // rows that go with a visit are counted when they go
    ]);
    expect(await counts()).toEqual(before);
  });

  it('exports then deletes the old rows; the reports of the pruned month do not change', async () => {
    const reportsBefore = await answers();
    const dir = mkdtempSync(join(tmpdir(), 'parkctl-prune-'));
    const r = await cli(['--json', 'db', 'prune', '--older-than', '400d', '--export', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonShapes.Prune.safeParse(r.json).success).toBe(true);
    expect((r.json as { tables: { deleted: number }[] }).tables.map((t) => t.deleted)).toEqual([6, 2, 1, 1]);
    expect(readdirSync(dir).sort()).toEqual(['events-PRUNE-before-2026-04-27.csv', 'gate_events-PRUNE-before-2026-04-27.csv', 'tickets-PRUNE-before-2026-04-27.csv', 'visits-PRUNE-before-2026-04-27.csv']);
    // a walk-in's ticket (on delete cascade) is exported and goes with its visit
    const tickets = parse(readFileSync(join(dir, 'tickets-PRUNE-before-2026-04-27.csv')), { columns: true }) as Record<string, string>[];
    expect(tickets.map((t) => t.visit_id)).toEqual([ids.oldVisit]);
    const visits = parse(readFileSync(join(dir, 'visits-PRUNE-before-2026-04-27.csv')), { columns: true }) as Record<string, string>[];
    expect(visits.map((v) => [v.visit_id, v.plate, v.amount_due_minor])).toEqual([[ids.oldVisit, 'OLD1', '900']]);
    const events = parse(readFileSync(join(dir, 'events-PRUNE-before-2026-04-27.csv')), { columns: true }) as Record<string, string>[];
    // the three old visits' walk-in bookings (migration 0012) wrote their check-ins too
    expect(events.map((e) => e.kind).sort()).toEqual(['gate.manual_open', 'lot.state_changed', 'payment.failed', 'reservation.checked_in', 'reservation.checked_in', 'reservation.checked_in']);
    // kept: the paid visit (a payment names it), the car still inside, recent rows, every payment
    const { rows } = await db.pool.query<{ visit_id: string }>(`select visit_id from visits where lot_id = $1 order by entered_at`, [lot.lotId]);
    expect(rows.map((x) => x.visit_id)).toEqual([ids.paidVisit, ids.openVisit, ids.newVisit]);
    expect(await counts()).toEqual({ events: 3, gate_events: 1, visits: 3, payments: 1 });
    expect(await answers()).toEqual(reportsBefore);
    // a rebuild of the rollups leaves the pruned hours alone
    expect((await cli(['report', 'refresh', '--rebuild'])).code).toBe(0);
    expect(await answers()).toEqual(reportsBefore);
    const explained = await cli(['--json', 'report', 'exceptions', '--lot', 'PRUNE', '--explain', '2026-01-15']);
    expect((explained.json as { prunedBefore: string | null }).prunedBefore).toBe('2026-04-27T12:00:00.000Z');
  });

  it('a second run finds nothing more to delete', async () => {
    const r = await cli(['--json', 'db', 'prune', '--older-than', '400d', '--no-export']);
    expect(r.code, r.stderr).toBe(0);
    expect((r.json as { tables: { deleted: number }[] }).tables.map((t) => t.deleted)).toEqual([0, 0, 0, 0]);
  });
});
