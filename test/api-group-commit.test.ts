// Group commit: concurrent reservations go to PostgreSQL as one parkctl_reserve_many statement (one
// round trip, one commit), each request still gets its own answer, and a refused one never fails its
// neighbours; the constraints stay the proof (overlap checker 0).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupCommitDb } from '../src/api/group-commit.js';
import { callReserveMany } from '../src/core/sql/reserve-many.js';
import { countOverlaps } from '../src/core/sql/reservations.js';
import { call, startApiHarness, type ApiHarness } from './support/api.js';

let h: ApiHarness;
let operator: string;
const at = (hoursFromT0: number) => new Date(Date.UTC(2031, 2, 3, 8) + hoursFromT0 * 3_600_000).toISOString();

beforeAll(async () => {
  h = await startApiHarness({ lot: { code: 'GROUP', spots: 10 }, poolSize: 12, deps: { groupCommit: { maxInFlight: 2, maxBatch: 64 } } });
  operator = await h.key('operator');
});
afterAll(() => h.close());

describe('group commit', () => {
  it('64 clients racing for 3 spots: batched, exactly 3 succeed, 61 refused, no overlaps', async () => {
    const window = { lot: 'GROUP', type: 'regular', from: at(40), to: at(42) };
    for (let i = 0; i < 7; i++) expect((await call(h, 'POST', '/v1/reservations', { key: operator, body: { ...window, plate: `PRE${i}` } })).status).toBe(201);
    const before = { ...h.groupCommit!.stats };
    const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => call(h, 'POST', '/v1/reservations', { key: operator, body: { ...window, plate: `RUSH${i}` } })));
    const byStatus = answers.reduce<Record<number, number>>((acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }), {});
    expect(byStatus).toEqual({ 201: 3, 409: 61 });
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error.code).toBe('no_spot_free');
    expect(await countOverlaps(h.db.pool)).toBe(0);
    const calls = h.groupCommit!.stats.calls - before.calls;
    const batches = h.groupCommit!.stats.batches - before.batches;
    expect(calls).toBeGreaterThanOrEqual(64);
    expect(batches).toBeLessThan(calls);
    // answered by the batches' set-based part (migrations/0045: the winners, and refusals when every spot's bits
    // were already taken), never one at a time after a failure
    expect(h.groupCommit!.stats.setBased - before.setBased).toBeGreaterThanOrEqual(3);
    expect(h.groupCommit!.stats.fallbacks - before.fallbacks).toBe(0);
  });

  it('an element that fails (its plate already booked) rolls back alone; its neighbours in the same statement are booked', async () => {
    const lotId = h.lot.lotId;
    const { rows: [range] } = await h.db.pool.query<{ lo: number }>(`select min(spot_id)::int as lo from spots where lot_id = $1 and vehicle_type = 'regular'`, [lotId]);
    const start = new Date(at(60));
    const end = new Date(at(61));
    const callFor = (plate: string, spot: number) => [lotId, 'regular', start, end, plate, 'c', 200, 'GBP', new Date(at(0.25)), new Date(at(0)), null, spot, 'test'];
    const results = await callReserveMany(h.db.pool, [callFor('NEIGH1', range!.lo), callFor('NEIGH1', range!.lo + 1), callFor('NEIGH2', range!.lo + 2)]);
    expect(results[0]).toMatchObject({ row: { created: true }, via: 'batch' });
    expect(results[1]).toMatchObject({ error: { code: '23P01', constraint: 'reservations_one_per_plate' }, via: 'alone' });
    expect(results[2]).toMatchObject({ row: { created: true }, via: 'batch' });
    const { rows } = await h.db.pool.query<{ plate: string }>(`select plate from reservations where lower(period) = $1 order by plate`, [start]);
    expect(rows.map((r) => r.plate)).toEqual(['NEIGH1', 'NEIGH2']);
  });

  it('through the API: the same plate twice among concurrent requests gets one booking and one 409; the others are unaffected', async () => {
    const window = { lot: 'GROUP', type: 'regular', from: at(70), to: at(71) };
    const answers = await Promise.all(['TWICE', 'TWICE', 'ONCE1', 'ONCE2', 'ONCE3'].map((plate) => call(h, 'POST', '/v1/reservations', { key: operator, body: { ...window, plate } })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 201, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('plate_already_booked');
    expect(await countOverlaps(h.db.pool)).toBe(0);
  });

  it('a booking costs what the same booking costs without group commit, and what availability quoted', async () => {
    const window = { lot: 'GROUP', type: 'regular', from: '2031-03-08T07:30:00Z', to: '2031-03-08T10:15:00Z' };
    const quote = await call(h, 'GET', `/v1/lots/GROUP/availability?type=regular&from=${window.from}&to=${window.to}`, { key: operator });
    expect(quote.status).toBe(200);
    const alone = await startApiHarness({ lot: { code: 'GROUP', spots: 10 }, deps: { groupCommit: false } });
    try {
      const [batched, single] = await Promise.all([
        call(h, 'POST', '/v1/reservations', { key: operator, body: { ...window, plate: 'PRICE1' } }),
        call(alone, 'POST', '/v1/reservations', { key: await alone.key('operator'), body: { ...window, plate: 'PRICE1' } }),
      ]);
      expect([batched.status, single.status]).toEqual([201, 201]);
      expect(batched.body.priceMinor).toBe(single.body.priceMinor);
      expect(batched.body.priceMinor).toBe(quote.body.priceMinor);
      expect(batched.body.priceMinor).toBeGreaterThan(0);
      const { rows } = await h.db.pool.query(`select price_minor::int as p from reservations where reservation_id = $1`, [batched.body.reservationId]);
      expect(rows).toEqual([{ p: batched.body.priceMinor }]);
    } finally {
      await alone.close();
    }
  });

  it('a lot keeping places for permits sells through group commit until only the kept places are left', async () => {
    const kept = await startApiHarness({ lot: { code: 'KEPTGC', spots: 3, policy: { walk_ins: true, permits: { reserved_spots: 1 } } }, deps: { groupCommit: { maxInFlight: 2, maxBatch: 64 } } });
    try {
      const key = await kept.key('operator');
      const window = { lot: 'KEPTGC', type: 'regular', from: at(90), to: at(91) };
      const statuses = [];
      for (const plate of ['KEPT1', 'KEPT2', 'KEPT3']) statuses.push((await call(kept, 'POST', '/v1/reservations', { key, body: { ...window, plate } })));
      expect(statuses.map((a) => a.status)).toEqual([201, 201, 409]);
      expect(statuses[2]!.body.error.message).toMatch(/kept for permit holders/);
      expect(kept.groupCommit!.stats.setBased).toBe(2);
    } finally {
      await kept.close();
    }
  });

  it('sends the next batch before it hands out the answers of the one that came back', async () => {
    const events: string[] = [];
    let sent = 0;
    const recording = {
      query: (text: { name: string; text: string; values?: unknown[] }, values?: unknown[]) => {
        if (text.name === 'parkctl_reserve_many') events.push(`sent ${++sent}`);
        return h.db.pool.query({ ...text, values: text.values ?? values });
      },
      connect: () => h.db.pool.connect(),
    };
    const db = new GroupCommitDb(recording as never, 1, 64);
    const named = (plate: string, hour: number) => ({ name: 'parkctl_reserve', text: '', values: [h.lot.lotId, 'regular', new Date(at(hour)), new Date(at(hour + 1)), plate, 'c', 200, 'GBP', new Date(at(0.25)), new Date(at(0)), null, 1, 'test'] });
    const first = db.query(named('NEXT1', 90)).then((r) => { events.push('answered 1'); return r; });
    // while the first statement runs, two more wait: they go together in the second
    const rest = [db.query(named('NEXT2', 92)), db.query(named('NEXT3', 94))];
    const answers = await Promise.all([first, ...rest]);
    for (const a of answers) expect(a.rows).toHaveLength(1);
    expect(events).toEqual(['sent 1', 'sent 2', 'answered 1']);
  });

  it('a lost database connection fails the batch\'s requests with an error each, and the next batch works', async () => {
    let fail = true;
    const flaky = {
      query: (text: { name: string; text: string; values?: unknown[] }, values?: unknown[]) => {
        if (fail) {
          fail = false;
          return Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' }));
        }
        return h.db.pool.query({ ...text, values: text.values ?? values });
      },
      connect: () => h.db.pool.connect(),
    };
    const db = new GroupCommitDb(flaky as never, 1, 64);
    const named = (plate: string) => ({ name: 'parkctl_reserve', text: '', values: [h.lot.lotId, 'regular', new Date(at(80)), new Date(at(81)), plate, 'c', 200, 'GBP', new Date(at(0.25)), new Date(at(0)), null, 1, 'test'] });
    await expect(db.query(named('LOST1'))).rejects.toMatchObject({ code: 'ECONNRESET' });
    const ok = await db.query(named('LOST2'));
    expect(ok.rows).toHaveLength(1);
  });
});
