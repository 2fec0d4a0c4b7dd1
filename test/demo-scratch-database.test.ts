// `parkctl demo` (issue 19, item 4) plays in a scratch database of its own on the same server
// (<database>_demo), never in the operator's: a real hold in the operator's database stays held and
// not one row is added there, however far the demo's simulated morning runs past its expiry.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLot } from '../src/core/lots/import-lot.js';
import { loadLot } from '../src/core/lots/lot.js';
import { fixedClock } from '../src/core/ports.js';
import { reserve } from '../src/core/reservations/reserve.js';
import { demoDatabaseUrl } from '../src/commands/demo-database.js';
import { readLotFile } from '../src/commands/lot.js';
import { sampleGarage } from '../src/commands/demo.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

const now = new Date('2031-05-06T06:50:00Z');
const tables = ['lots', 'spots', 'reservations', 'visits', 'payments', 'events', 'gate_events', 'gate_heartbeats'];

let db: TestDatabase;
let demoName: string;
let holdId: string;

async function counts(pool: pg.Pool): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await pool.query(`select count(*)::integer as n from ${t}`)).rows[0].n);
  return out;
}

beforeAll(async () => {
  db = await createTestDatabase();
  demoName = demoDatabaseUrl(db.url).name;
  // the operator runs the same sample garage for real, with a customer's hold running out at 07:05
  const def = await readLotFile(sampleGarage);
  await importLot(db.pool, def, 'operator');
  const lot = await loadLot(db.pool, def.code);
  const r = await reserve({ db: db.pool, clock: fixedClock(now), payments: new CashPaymentProvider(), actor: 'operator' }, lot, {
    vehicleType: 'regular', start: new Date('2031-05-06T09:00:00Z'), end: new Date('2031-05-06T11:00:00Z'), plate: 'REAL1', customerRef: 'customer',
  });
  holdId = r.reservationId;
});

afterAll(async () => {
  if (demoName) await db.pool.query(`drop database if exists "${demoName}" with (force)`);
  await db?.drop();
});

describe('parkctl demo', () => {
  it('plays in <database>_demo and leaves the operator database as it was, its hold still held', async () => {
    const before = await counts(db.pool);
    const r = await runCli(['--json', '--now', now.toISOString(), 'demo', '--bookings', '10'], { DATABASE_URL: db.url });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = r.json as { booked: number; arrived: number; endedAt: string; database: string; databaseUrl: string };
    expect(result.booked).toBe(10);
    expect(result.arrived).toBeGreaterThan(0);
    expect(result.database).toBe(demoName);
    // the simulated morning ran well past the real hold's expiry (07:05)
    expect(new Date(result.endedAt).getTime()).toBeGreaterThan(new Date('2031-05-06T08:00:00Z').getTime());

    expect(await counts(db.pool)).toEqual(before);
    const hold = await db.pool.query(`select status::text as status from reservations where reservation_id = $1`, [holdId]);
    expect(hold.rows).toEqual([{ status: 'TENTATIVE' }]);

    // the morning is in the demo's own database, where `DATABASE_URL=<databaseUrl> parkctl ...` finds it
    const list = await runCli(['--json', 'booking', 'list', '--lot', 'CITY-GARAGE'], { DATABASE_URL: result.databaseUrl });
    expect(list.code).toBe(0);
    expect((list.json as Array<{ plate: string }>).filter((b) => b.plate !== 'REAL1')).toHaveLength(10);
    expect((list.json as Array<{ plate: string }>).some((b) => b.plate === 'REAL1')).toBe(false);
  });

  it('starts from a fresh demo database on every run', async () => {
    const r = await runCli(['--json', '--now', now.toISOString(), 'demo', '--bookings', '3'], { DATABASE_URL: db.url });
    expect(r.code).toBe(0);
    const list = await runCli(['--json', 'booking', 'list', '--lot', 'CITY-GARAGE'], { DATABASE_URL: (r.json as { databaseUrl: string }).databaseUrl });
    expect(list.json).toHaveLength(3);
  });
});
