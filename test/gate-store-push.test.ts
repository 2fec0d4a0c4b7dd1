// The journal push of PgGateStore against real PostgreSQL, as parkctl_gate: a batch goes in a few
// statements, not a few per record, with the same outcome as pushing its records one by one
// (visits, reservation moves, the notes on conflicts), and exactly once by (gate, seq).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgGateStore } from '../src/core/gate-daemon/store.js';
import type { GateEventRecord, JournalEntry } from '../src/core/gate/ports.js';
import type { PoolLike, Queryable } from '../src/core/ports.js';
import { createPool } from '../src/drivers/postgres.js';
import { createTestDatabase, gateRoleTestUrl, type TestDatabase } from './support/db.js';
import { insertConfirmed } from './support/gate-daemon-helpers.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let gatePool: pg.Pool;
const t0 = Date.now() - 10 * 60_000;
const at = (minute: number) => new Date(t0 + minute * 60_000).toISOString();
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

interface TestLot {
  code: string;
  lotId: number;
  /** reservation id by plate */
  res: Record<string, string>;
}

async function lotWithBookings(code: string): Promise<TestLot> {
  const lotId = (await createTestLot(db.pool, { code, policy: { walk_ins: true } })).lotId;
  const from = new Date(t0 - 3_600_000);
  const to = new Date(t0 + 3_600_000);
  const res: Record<string, string> = {};
  for (const [i, plate] of ['P1', 'P3', 'P5'].entries()) res[plate] = await insertConfirmed(db.pool, lotId, i + 1, plate, from, to);
  // P3 booked an EV spot: its visit takes the reservation's vehicle type.
  await db.pool.query(`update reservations set vehicle_type = 'ev', spot_id = (select spot_id from spots where lot_id = $1 and label = 'EV-1') where reservation_id = $2`, [lotId, res.P3]);
  return { code, lotId, res };
}

const entry = (minute: number, plate: string, visitId: string | null, reservationId: string | null, allow = true): GateEventRecord => ({
  kind: 'entry', occurredAt: at(minute), plate, credential: null, decision: allow ? (reservationId ? 'RESERVATION' : 'WALK_IN') : 'NO_BOOKING',
  allow, reservationId, visitId, amountDueMinor: 0,
});
const exit = (minute: number, visitId: string, overstayMinutes: number, amountDueMinor: number): GateEventRecord => ({
  kind: 'exit', occurredAt: at(minute), plate: null, credential: null, decision: 'PAID', allow: true, reservationId: null, visitId, amountDueMinor,
  detail: { overstayMinutes },
});

/** Entries and exits whose visits depend on their order: conflicts inside the batch and with the database. */
function scenario(lot: TestLot): JournalEntry[] {
  const records = [
    entry(1, 'P1', uuid(1), lot.res.P1!),
    entry(1, 'NOPE', null, null, false), // denied: an event, no visit
    entry(2, 'W2', uuid(2), null),
    entry(2, 'P1', uuid(3), null), // P1 is inside already (seq 1): visit_conflict
    exit(3, uuid(1), 20, 300),
    entry(4, 'P1', uuid(4), null), // after its exit P1 may enter again: the exit must be applied first
    exit(4, uuid(99), 0, 0), // never entered: visit_not_open
    exit(5, uuid(1), 0, 0), // closed by seq 5: visit_not_open
    entry(5, 'P3', uuid(5), lot.res.P3!),
    entry(6, 'P6', uuid(6), lot.res.P1!), // P1's reservation was used: visit_conflict
    exit(7, uuid(2), 0, 0),
    entry(8, 'P5', uuid(7), lot.res.P5!),
  ];
  return records.map((record, i) => ({ seq: i + 1, record }));
}

function store(lot: TestLot, pool: PoolLike = gatePool): PgGateStore {
  return new PgGateStore(pool, { lotCode: lot.code, gateId: 'g-in', direction: 'entry' });
}

/** What a push leaves in the database, with this lot's ids replaced by plates. */
async function outcome(lot: TestLot) {
  const events = await db.pool.query(
    `select seq::int, kind, plate, decision, detail->>'sync' as sync from gate_events where lot_id = $1 order by seq`, [lot.lotId]);
  const visits = await db.pool.query(
    `select v.visit_id::text, v.plate, v.vehicle_type::text, r.plate as booked_plate, v.entry_gate, v.entered_at, v.exit_gate, v.exited_at,
            v.overstay_minutes, v.amount_due_minor
       from visits v left join reservations r using (lot_id, reservation_id) where v.lot_id = $1 order by v.visit_id`, [lot.lotId]);
  const reservations = await db.pool.query(
    `select plate, status::text, upper(period) as ends_at from reservations where lot_id = $1 and walk_in_visit_id is null order by plate`, [lot.lotId]);
  // a walk-in holds a spot through a row of its own (migrations/0012), released at its exit
  const walkIns = await db.pool.query(
    `select r.plate, r.status::text, upper(r.spot_period) as held_to, v.spot_id = r.spot_id as visit_names_spot
       from reservations r join visits v on v.lot_id = r.lot_id and v.visit_id = r.walk_in_visit_id where r.lot_id = $1 order by r.plate`, [lot.lotId]);
  return { events: events.rows, visits: visits.rows, reservations: reservations.rows, walkIns: walkIns.rows };
}

/** A pool whose transactions count the statements they send. */
function countingPool(pool: pg.Pool, counter: { statements: number }): PoolLike {
  return {
    query: (text, values) => pool.query(text as string, values as unknown[]),
    async connect() {
      const client = await pool.connect();
      return {
        query: (text: Parameters<Queryable['query']>[0], values?: readonly unknown[]) => {
          counter.statements++;
          return client.query(text as string, values as unknown[]);
        },
        release: (err?: Error | boolean) => client.release(err),
      } as Queryable & { release(err?: Error | boolean): void };
    },
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  gatePool = createPool(gateRoleTestUrl(db.url), { max: 2 });
});

afterAll(async () => {
  await gatePool?.end();
  await db?.drop();
});

describe('PgGateStore.pushEvents', () => {
  it('a batch has the outcome of its records pushed one by one', async () => {
    const batched = await lotWithBookings('PUSHA');
    const single = await lotWithBookings('PUSHB');
    expect(await store(batched).pushEvents(scenario(batched))).toEqual({ inserted: 12, skipped: 0 });
    for (const e of scenario(single)) await store(single).pushEvents([e]);

    const got = await outcome(batched);
    expect(got).toEqual(await outcome(single));
    expect(got.events.map((e) => [e.seq, e.sync])).toEqual([
      [1, null], [2, null], [3, null], [4, 'visit_conflict: the plate or reservation was already inside'], [5, null], [6, null],
      [7, 'visit_not_open: closed elsewhere or never synced'], [8, 'visit_not_open: closed elsewhere or never synced'], [9, null],
      [10, 'visit_conflict: the plate or reservation was already inside'], [11, null], [12, null],
    ]);
    expect(got.visits.map((v) => [v.plate, v.vehicle_type, v.booked_plate, v.exited_at !== null, v.overstay_minutes, v.amount_due_minor])).toEqual([
      ['P1', 'regular', 'P1', true, 20, 300],
      ['W2', 'regular', null, true, 0, 0],
      ['P1', 'regular', null, false, 0, 0],
      ['P3', 'ev', 'P3', false, 0, 0],
      ['P5', 'regular', 'P5', false, 0, 0],
    ]);
    expect(got.reservations.map((r) => [r.plate, r.status])).toEqual([['P1', 'COMPLETED'], ['P3', 'CHECKED_IN'], ['P5', 'CHECKED_IN']]);
    expect(got.walkIns.map((r) => [r.plate, r.status, r.visit_names_spot])).toEqual([['P1', 'CHECKED_IN', true], ['W2', 'COMPLETED', true]]);
    expect(got.walkIns.find((r) => r.plate === 'W2')!.held_to).toEqual(new Date(at(7)));
  });

  it('is exactly once by (gate, seq): a repeated or overlapping batch adds only its new records and their visits', async () => {
    const lot = await lotWithBookings('PUSHC');
    const all = scenario(lot);
    await store(lot).pushEvents(all.slice(0, 6));
    const before = await outcome(lot);
    expect(await store(lot).pushEvents(all.slice(0, 6))).toEqual({ inserted: 0, skipped: 6 });
    expect(await outcome(lot)).toEqual(before);
    // A commit that landed without its "synced" mark: the next push starts before it.
    expect(await store(lot).pushEvents(all.slice(3))).toEqual({ inserted: 6, skipped: 3 });
    const reference = await lotWithBookings('PUSHD');
    await store(reference).pushEvents(scenario(reference));
    expect(await outcome(lot)).toEqual(await outcome(reference));
  });

  it('sends a constant number of statements per batch, however many records it holds', async () => {
    const lot = await lotWithBookings('PUSHE');
    const counter = { statements: 0 };
    const records = Array.from({ length: 200 }, (_, i): JournalEntry => ({
      seq: i + 1, record: i % 2 ? entry(1, `W${i}`, uuid(1000 + i), null) : entry(1, `X${i}`, null, null, false),
    }));
    expect(await store(lot, countingPool(gatePool, counter)).pushEvents(records)).toEqual({ inserted: 200, skipped: 0 });
    // begin, the actor, the events, the visits, commit
    expect(counter.statements).toBe(5);
    const { rows } = await db.pool.query<{ n: number }>(`select count(*)::int as n from visits where lot_id = $1`, [lot.lotId]);
    expect(rows[0]!.n).toBe(100);
  });
});
