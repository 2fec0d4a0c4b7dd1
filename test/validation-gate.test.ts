// Issue 15: a validation scanned at an exit lane. The lane (in-process, as parkctl_gate, real PostgreSQL)
// refuses an unpaid ticket with the amount on the sign; the driver scans the shop's validation code and
// the same car is decided again with it off, offline. The sync applies it by the desk's rules; when the
// database refuses it (here: the daily limit was reached at the desk meanwhile), the amount is owed on
// the visit, visibly, and the event says why.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import type { GateInput } from '../src/core/gate/ports.js';
import { MockBarrier, MockGateInputSource } from '../src/core/gate/test-doubles.js';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { silentLogger } from '../src/core/ports.js';
import { ticketQr } from '../src/core/tickets/ticket.js';
import { addValidator, applyValidation } from '../src/core/validations/validations.js';
import { arrive } from '../src/core/visits.js';
import { startGateRuntime, type GateRuntime } from '../src/drivers/gate-runtime/runtime.js';
import { createTestDatabase, gateRoleTestUrl, type TestDatabase } from './support/db.js';
import { waitFor } from './support/gate-daemon-helpers.js';
import { createTestLot } from './support/lots.js';
import { MovableClock } from './support/payments-fixture.js';

let db: TestDatabase;
let lot: Lot;
let dir: string;
let runtime: GateRuntime;
const barrier = new MockBarrier();
const source = new MockGateInputSource();
// One instant for the whole file: the fee is priced by the second, so a real clock made it 4.01 when more
// than 9 s passed between parking and scanning (a loaded machine running the whole suite).
const clock = new MovableClock(new Date());
const deps = { get pool() { return db.pool; }, clock, actor: 'desk' };
const tickets: Record<string, { number: string; visitId: string }> = {};

async function parkedTwoHours(plate: string) {
  const parkedAt = new MovableClock(new Date(clock.now().getTime() - 2 * 3_600_000));
  const a = await arrive({ pool: db.pool, clock: parkedAt, actor: 'test' }, lot, { plate, gate: 'in', walkIn: true });
  const { number } = (await db.pool.query<{ number: string }>(`select number from tickets where visit_id = $1`, [a.visit.visit_id])).rows[0]!;
  tickets[plate] = { number, visitId: a.visit.visit_id };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await createTestLot(db.pool, { code: 'VALGATE', spots: 10, ratePerHourMinor: 200, policy: { walk_ins: true } });
  lot = await loadLot(db.pool, 'VALGATE');
  await addValidator(deps, lot, { code: 'SHOP', name: 'Shop', kind: 'amount', value: 500, billing: 'prepaid', balanceMinor: 1000 });
  await addValidator(deps, lot, { code: 'ONCE', name: 'Once a day', kind: 'percent', value: 100, dailyLimit: 1, billing: 'invoice' });
  for (const p of ['CARA', 'CARB', 'CARC']) await parkedTwoHours(p);
  dir = await mkdtemp(join(tmpdir(), 'parkctl-validation-gate-'));
  const config = parseGateDaemonConfig({
    lot: 'VALGATE', gate: 'south-out', direction: 'exit', journalDir: dir, barrier: { driver: 'none' }, syncIntervalSeconds: 3600, allowListRefreshSeconds: 3600,
  }, 'test');
  runtime = await startGateRuntime({ config, databaseUrl: gateRoleTestUrl(db.url), barrier, inputs: [source], clock, logger: silentLogger, listen: false });
});

afterAll(async () => {
  await runtime?.stop();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const scan = (code: string): GateInput => ({ kind: 'credential', code, source: 'scanner', at: clock.now() });

/** Scans and waits until the lane showed something new on its sign (every decision here does). */
async function scanAndWait(code: string): Promise<void> {
  const shown = barrier.displayed.length;
  source.emitInput(scan(code));
  await waitFor(() => barrier.displayed.length > shown, `the sign after ${code}`);
}

describe('a validation scanned at the exit lane', () => {
  it('comes off the unpaid ticket offline, opens the lane, and is applied with the prepaid balance debited when synced', async () => {
    const t = tickets.CARA!;
    await scanAndWait(ticketQr(t));
    expect(barrier.displayed.at(-1)).toBe('PAY 4.00 GBP');
    expect(barrier.opens).toHaveLength(0);
    await scanAndWait('V1/shop');
    expect(barrier.displayed.at(-1)).toBe('GOODBYE');
    expect(barrier.opens).toHaveLength(1);

    await runtime.sync.pass();
    const use = await db.pool.query(`select u.amount_minor, u.actor, t.number from validation_uses u join tickets t on t.ticket_id = u.ticket_id where u.visit_id = $1`, [t.visitId]);
    expect(use.rows).toEqual([{ amount_minor: 400, actor: 'gate:south-out', number: t.number }]);
    expect((await db.pool.query(`select balance_minor from validators where code = 'SHOP'`)).rows[0]).toEqual({ balance_minor: 600 });
    const visit = await db.pool.query(`select exited_at is not null as left, amount_due_minor, amount_paid_minor from visits where visit_id = $1`, [t.visitId]);
    expect(visit.rows[0]).toEqual({ left: true, amount_due_minor: 0, amount_paid_minor: 0 });
  });

  it('refused by the database when synced (the daily limit went at the desk meanwhile): the amount is owed on the visit and the event says why', async () => {
    await applyValidation(deps, lot, 'ONCE', { ticket: tickets.CARC!.number }); // the lane's snapshot still says 0 used today
    const t = tickets.CARB!;
    await scanAndWait(t.number); // the number typed on a barcode works as the QR does
    expect(barrier.displayed.at(-1)).toBe('PAY 4.00 GBP');
    await scanAndWait('V1/ONCE');
    expect(barrier.opens).toHaveLength(2);

    await runtime.sync.pass();
    expect((await db.pool.query(`select count(*)::int as n from validation_uses where visit_id = $1`, [t.visitId])).rows[0]).toEqual({ n: 0 });
    const visit = await db.pool.query(`select amount_due_minor - amount_paid_minor as outstanding from visits where visit_id = $1`, [t.visitId]);
    expect(visit.rows[0]).toEqual({ outstanding: 400 });
    const note = await db.pool.query(`select detail->>'sync' as sync from gate_events where gate_id = 'south-out' and detail->>'sync' like 'validation_refused%'`);
    expect(note.rows).toEqual([{ sync: 'validation_refused: daily_limit, 400 owed on the visit' }]);
  });
});
