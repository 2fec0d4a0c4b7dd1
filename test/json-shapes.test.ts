// Issue 13 / DESIGN.md invariant 11: one JSON shape per resource. Every command's --json is validated
// against the shape documented for its resource (src/core/json/schemas.ts, docs/json-shapes.md), strictly:
// a field that is not documented fails. And one reservation read by reserve, show and list is one object.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { jsonShapes } from '../src/core/json/schemas.js';
import * as api from '../src/api/schemas.js';
import { call, startApiHarness } from './support/api.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let env: Record<string, string>;
// 2031-06-03 is a Tuesday; the lot is in Europe/London (BST, +01:00)
const booked = { from: '2031-06-03T10:00', to: '2031-06-03T12:00' };
const before = '2031-06-01T09:00:00Z';

async function json(args: string[], now = before, code = 0): Promise<unknown> {
  const r = await runCli(['--json', '--now', now, ...args], env);
  expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(code);
  return r.json;
}

function valid<S extends z.ZodType>(schema: S, data: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(data);
  expect(r.success, `${what}: ${r.success ? '' : JSON.stringify(r.error.issues.slice(0, 3))}`).toBe(true);
  return r.data as z.infer<S>;
}

async function reserve(plate: string): Promise<z.infer<typeof jsonShapes.ReserveResult>> {
  const r = await json(['booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', booked.from, '--to', booked.to, '--plate', plate]);
  return valid(jsonShapes.ReserveResult, r, 'booking reserve');
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  // the sample lot, with a refund policy so that a cancellation owes cash back at the desk
  const file = join(mkdtempSync(join(tmpdir(), 'parkctl-shapes-')), 'lot.yaml');
  writeFileSync(file, readFileSync('fixtures/surface-lot.yaml', 'utf8').replace('policy:\n', 'policy:\n  refunds: [{ min_hours_before_start: 24, percent: 100 }]\n'));
  const imported = await runCli(['lot', 'import', file], env);
  expect(imported.code, imported.stderr).toBe(0);
});

afterAll(async () => {
  await db?.drop();
});

describe('every --json output has its resource\'s documented shape', () => {
  it('lots: lot list is a list of Lot, lot show a LotStatus (a Lot and its groups)', async () => {
    const list = valid(jsonShapes.Lot.array(), await json(['lot', 'list']), 'lot list');
    expect(list.map((l) => l.code)).toEqual(['RIVERSIDE']);
    const show = valid(jsonShapes.LotStatus, await json(['lot', 'show', 'RIVERSIDE']), 'lot show');
    const { byZone: _z, byType: _t, ...asLot } = show;
    expect(asLot).toEqual(list[0]);
  });

  it('capacity check is a Capacity', async () => {
    const c = valid(jsonShapes.Capacity, await json(['capacity', 'check', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', booked.from, '--to', booked.to]), 'capacity check');
    expect(c.total).toBe(28);
  });

  it('a reservation is one object in reserve, show, list, pay-link, complete and cancel', async () => {
    const r = await reserve('JS01ABC');
    const { paymentUrl, paymentError: _e, created, retries: _r, ...reservation } = r;
    expect(created).toBe(true);
    expect(paymentUrl).toBeTruthy();
    const shown = valid(jsonShapes.Reservation, await json(['booking', 'show', r.reservationId]), 'booking show');
    expect(shown).toEqual(reservation);
    const listed = valid(jsonShapes.Reservation.array(), await json(['booking', 'list', '--plate', 'JS01ABC']), 'booking list');
    expect(listed).toEqual([shown]);
    const link = valid(jsonShapes.PayLink, await json(['booking', 'pay-link', r.reservationId]), 'booking pay-link');
    expect(link.reservation).toEqual(shown);

    const token = `cash:${r.reservationId}:${r.priceMinor}:${r.currency}`;
    const done = valid(jsonShapes.CompleteResult, await json(['booking', 'complete', r.reservationId, '--payment-token', token]), 'booking complete');
    expect(done).toMatchObject({ reservationId: r.reservationId, status: 'CONFIRMED', rebookedFrom: null });

    const cancelled = valid(jsonShapes.CancelResult, await json(['booking', 'cancel', r.reservationId]), 'booking cancel');
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.refund?.status).toBe('due');

    const due = valid(jsonShapes.Payment.array(), await json(['payments', 'list', '--due']), 'payments list --due');
    expect(due.map((p) => p.reservationId)).toEqual([r.reservationId]);
    const back = valid(jsonShapes.HandedBack, await json(['payments', 'hand-back', r.reservationId]), 'payments hand-back');
    expect(back.refunds.map((p) => p.status)).toEqual(['succeeded']);
    valid(jsonShapes.Payment.array(), await json(['payments', 'list']), 'payments list');
  });

  it('visits: arrive, depart (late: an overstay is due) and the collection at the exit', async () => {
    const r = await reserve('JS02ABC');
    await json(['booking', 'complete', r.reservationId, '--payment-token', `cash:${r.reservationId}:${r.priceMinor}:${r.currency}`]);
    const arrival = valid(jsonShapes.Arrival, await json(['visit', 'arrive', '--lot', 'RIVERSIDE', '--plate', 'JS02ABC'], '2031-06-03T09:05:00Z'), 'visit arrive');
    expect(arrival.visit.reservationId).toBe(r.reservationId);
    const departure = valid(jsonShapes.Departure, await json(['visit', 'depart', '--lot', 'RIVERSIDE', '--plate', 'JS02ABC'], '2031-06-03T11:40:00Z'), 'visit depart');
    expect(departure.amountOutstandingMinor).toBeGreaterThan(0);
    const collected = valid(jsonShapes.Collected, await json(['payments', 'collect', arrival.visit.visitId, '--method', 'cash'], '2031-06-03T11:41:00Z'), 'payments collect');
    expect(collected.visit).toMatchObject({ visitId: arrival.visit.visitId, outstandingMinor: 0 });
  });

  it('reports: every report is a Report, --explain a ReportExplanation, report refresh a list of RollupRefresh', async () => {
    for (const kind of ['revenue', 'occupancy', 'turnover', 'no-shows', 'exceptions', 'takings']) {
      valid(jsonShapes.Report, await json(['report', kind, '--lot', 'RIVERSIDE', '--from', '2031-06-01', '--to', '2031-06-03']), `report ${kind}`);
    }
    valid(jsonShapes.ReportExplanation, await json(['report', 'revenue', '--lot', 'RIVERSIDE', '--explain', '2031-06-03']), 'report --explain');
    valid(jsonShapes.RollupRefresh.array(), await json(['report', 'refresh']), 'report refresh');
  });

  it('a failure under --json is an Error', async () => {
    const e = valid(jsonShapes.Error, await json(['booking', 'show', '00000000-0000-4000-8000-000000000000'], before, 4), 'error');
    expect(e.error.exitCode).toBe(4);
  });
});

describe('the HTTP API gives the same shapes', () => {
  it('its response schemas name the same fields as the documented shapes', () => {
    const keys = (o: { properties: object }) => Object.keys(o.properties).sort();
    const shape = (s: { shape: object }) => Object.keys(s.shape).sort();
    expect(keys(api.reservationSchema)).toEqual(shape(jsonShapes.Reservation));
    expect(keys(api.reserveResultSchema)).toEqual(shape(jsonShapes.ReserveResult));
    expect(keys(api.completeResultSchema)).toEqual(shape(jsonShapes.CompleteResult));
    expect(keys(api.visitSchema)).toEqual(shape(jsonShapes.Visit));
    expect(keys(api.visitBalanceSchema)).toEqual(shape(jsonShapes.VisitBalance));
    expect(keys(api.paymentSchema)).toEqual(shape(jsonShapes.Payment));
    expect(keys(api.lotStatusSchema)).toEqual(shape(jsonShapes.LotStatus));
  });

  it('a reservation made, read and listed through the API validates as the CLI\'s', async () => {
    const h = await startApiHarness({ lot: { code: 'SHAPES', spots: 2 } });
    try {
      const key = await h.key('operator');
      const from = new Date(h.clock.now().getTime() + 86_400_000).toISOString();
      const to = new Date(h.clock.now().getTime() + 90_000_000).toISOString();
      const made = await call(h, 'POST', '/v1/reservations', { key, body: { lot: 'SHAPES', type: 'regular', from, to, plate: 'API1', customerRef: 'c1' } });
      expect(made.status).toBe(201);
      const r = valid(jsonShapes.ReserveResult, made.body, 'POST /v1/reservations');
      const got = await call(h, 'GET', `/v1/reservations/${r.reservationId}`, { key });
      valid(jsonShapes.Reservation, got.body, 'GET /v1/reservations/:id');
      const list = await call(h, 'GET', '/v1/reservations?customer=c1', { key });
      valid(jsonShapes.Reservation.array(), list.body.data, 'GET /v1/reservations');
      const status = await call(h, 'GET', '/v1/lots/SHAPES/status', { key });
      valid(jsonShapes.LotStatus, status.body, 'GET /v1/lots/:code/status');
    } finally {
      await h.close();
    }
  });
});
