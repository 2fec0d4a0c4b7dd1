// Issue 15, validations against real PostgreSQL: percent, amount and free hours off a ticket's fee, never
// below zero; limits per lot-local day; a prepaid balance that never goes below zero; the same validator
// never twice on a stay; concurrent applies (held at a lock, then released together) keep all of that;
// the exit lane and the desk see the validated fee; a report per validator.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAllowList } from '../src/core/gate/allow-list.js';
import { decide } from '../src/core/gate/decide.js';
import { PgGateStore } from '../src/core/gate-daemon/store.js';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { payTicket, replaceLostTicket, showTicket } from '../src/core/tickets/tickets.js';
import { addValidator, applyValidation, type NewValidator } from '../src/core/validations/validations.js';
import { completeReservation } from '../src/core/reservations/lifecycle.js';
import { reserve } from '../src/core/reservations/reserve.js';
import { arrive, depart } from '../src/core/visits.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { jsonShapes } from '../src/core/json/schemas.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { waitFor } from './support/gate-daemon-helpers.js';
import { createTestLot } from './support/lots.js';
import { MovableClock } from './support/payments-fixture.js';

let db: TestDatabase;
let lot: Lot;
// Monday 3 March 2031, 08:00 London (= UTC in winter)
const clock = new MovableClock(new Date('2031-03-03T08:00:00Z'));
const deps = () => ({ pool: db.pool, clock, actor: 'test' });
const env = () => ({ DATABASE_URL: db.url, PARKCTL_NOW: clock.now().toISOString() });
let plateNo = 0;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 10 });
  await createTestLot(db.pool, { code: 'VAL', spots: 40, ratePerHourMinor: 200, policy: { walk_ins: true } });
  lot = await loadLot(db.pool, 'VAL');
});
afterAll(async () => {
  await db?.drop();
});

/** A walk-in that came in `hoursAgo` hours before now; returns its ticket number. */
async function ticketParked(hoursAgo: number): Promise<string> {
  const entered = new MovableClock(new Date(clock.now().getTime() - hoursAgo * 3_600_000));
  const a = await arrive({ pool: db.pool, clock: entered, actor: 'test' }, lot, { plate: `VAL${++plateNo}`, gate: 'in', walkIn: true });
  return (await db.pool.query<{ number: string }>(`select number from tickets where lot_id = $1 and visit_id = $2`, [lot.lotId, a.visit.visit_id])).rows[0]!.number;
}
const validator = (o: Partial<NewValidator> & Pick<NewValidator, 'code' | 'kind' | 'value'>) => addValidator(deps(), lot, { name: `${o.code} shop`, billing: 'invoice', ...o });
const refusal = (p: Promise<unknown>) => p.then(() => 'applied', (e: { code?: string }) => e.code ?? String(e));

describe('what a validation takes off', () => {
  it('percent, amount and free hours, never more than is owed', async () => {
    await validator({ code: 'HALF', kind: 'percent', value: 50 });
    await validator({ code: 'FIVER', kind: 'amount', value: 500 });
    await validator({ code: 'THREEH', kind: 'hours', value: 3 });

    const t1 = await ticketParked(2); // 400
    expect(await applyValidation(deps(), lot, 'half', { ticket: t1 })).toMatchObject({ dueBeforeMinor: 400, dueAfterMinor: 200, use: { amount_minor: 200 } });
    const t2 = await ticketParked(2);
    expect(await applyValidation(deps(), lot, 'FIVER', { ticket: t2 })).toMatchObject({ dueBeforeMinor: 400, dueAfterMinor: 0, use: { amount_minor: 400 } });
    const t3 = await ticketParked(5); // 1000, the first 3 hours (600) free
    expect(await applyValidation(deps(), lot, 'THREEH', { ticket: t3 })).toMatchObject({ dueAfterMinor: 400, use: { amount_minor: 600 } });
    // a second validator on the same ticket takes off what is left at most: the fee never goes below zero
    expect(await applyValidation(deps(), lot, 'FIVER', { ticket: t3 })).toMatchObject({ dueAfterMinor: 0, use: { amount_minor: 400 } });
    expect(await refusal(applyValidation(deps(), lot, 'HALF', { ticket: t3 }))).toBe('nothing_due');
    expect((await showTicket(deps(), lot, t3)).dueMinor).toBe(0);
  });

  it('the exit lane and the desk see the validated fee; payment takes the rest', async () => {
    const t = await ticketParked(3); // 600
    await applyValidation(deps(), lot, 'FIVER', { ticket: t });
    const snapshot = await new PgGateStore(db.pool, { lotCode: 'VAL', gateId: 'out', direction: 'exit', clock }).loadSnapshot(clock.now(), 24);
    expect(decide(buildAllowList(snapshot), { kind: 'credential', code: t, source: 's', at: clock.now() }, { direction: 'exit', now: clock.now(), armed: true }))
      .toMatchObject({ allow: false, amountDueMinor: 100, sign: 'PAY 1.00 GBP' });
    const paid = await payTicket(deps(), lot, t, { method: 'cash' });
    expect(paid).toMatchObject({ takenMinor: 100, chargeMinor: 600 });
    const visit = await db.pool.query(`select amount_due_minor, amount_paid_minor from visits where visit_id = $1`, [paid.ticket.visit_id]);
    expect(visit.rows[0]).toEqual({ amount_due_minor: 100, amount_paid_minor: 100 }); // owed after the validation, all paid
  });

  it('never twice from the same validator on a stay, not even through a replacement ticket', async () => {
    const t = await ticketParked(2);
    await applyValidation(deps(), lot, 'HALF', { ticket: t });
    expect(await refusal(applyValidation(deps(), lot, 'HALF', { ticket: t }))).toBe('already_validated');
    const plate = (await db.pool.query<{ plate: string }>(`select plate from tickets where number = $1`, [t])).rows[0]!.plate;
    const replacement = await replaceLostTicket(deps(), lot, { plate });
    expect(await refusal(applyValidation(deps(), lot, 'HALF', { ticket: replacement.ticket.number }))).toBe('already_validated');
  });
});

describe('limits and balances', () => {
  it('a daily limit counts the lot\'s calendar day', async () => {
    await validator({ code: 'TWICE', kind: 'amount', value: 100, dailyLimit: 2 });
    for (let i = 0; i < 2; i++) await applyValidation(deps(), lot, 'TWICE', { ticket: await ticketParked(1) });
    const third = await ticketParked(1);
    expect(await refusal(applyValidation(deps(), lot, 'TWICE', { ticket: third }))).toBe('daily_limit');
    const cli = await runCli(['validation', 'apply', 'TWICE', '--lot', 'VAL', '--ticket', third], env());
    expect(cli.code).toBe(3);
    expect(cli.stderr).toContain('has used its 2 validations for 2031-03-03');
    clock.advanceMinutes(16 * 60); // Tuesday 00:00 in London: a new day
    expect(await applyValidation(deps(), lot, 'TWICE', { ticket: third })).toMatchObject({ use: { amount_minor: 100, local_day: '2031-03-04' } });
  });

  it('a prepaid balance pays each validation and never goes below zero', async () => {
    await validator({ code: 'PREPAID', kind: 'amount', value: 300, billing: 'prepaid', balanceMinor: 500 });
    expect(await applyValidation(deps(), lot, 'PREPAID', { ticket: await ticketParked(2) })).toMatchObject({ validator: { balance_minor: 200 } });
    expect(await refusal(applyValidation(deps(), lot, 'PREPAID', { ticket: await ticketParked(2) }))).toBe('balance_short');
    await expect(db.pool.query(`update validators set balance_minor = balance_minor - 201 where code = 'PREPAID'`)).rejects.toMatchObject({ code: '23514' });
    const topped = await runCli(['--json', 'validation', 'validator', 'topup', 'PREPAID', '--lot', 'VAL', '--amount', '10.00'], env());
    expect(topped.json).toMatchObject({ balanceMinor: 1200 });
  });
});

/** Holds `lockSql` in a transaction of its own, starts `applies`, releases once both wait on the lock. */
async function raceAt(lockSql: string, values: unknown[], applies: Array<() => Promise<unknown>>): Promise<string[]> {
  const blocker = new pg.Client({ connectionString: db.url });
  await blocker.connect();
  try {
    await blocker.query('begin');
    await blocker.query(lockSql, values);
    const running = applies.map((f) => refusal(f()));
    await waitFor(async () => (await db.pool.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows[0]!.n >= applies.length, 'both applies waiting on the lock');
    await blocker.query('commit');
    return (await Promise.all(running)).sort();
  } finally {
    await blocker.end();
  }
}

describe('two applies at once', () => {
  it('the same validator on the same ticket: one applies, the other is refused', async () => {
    await validator({ code: 'RACE1', kind: 'amount', value: 100 });
    const t = await ticketParked(2);
    const outcomes = await raceAt(`select 1 from validators where code = 'RACE1' for update`, [], [
      () => applyValidation(deps(), lot, 'RACE1', { ticket: t }), () => applyValidation(deps(), lot, 'RACE1', { ticket: t }),
    ]);
    expect(outcomes).toEqual(['already_validated', 'applied']);
    expect((await db.pool.query(`select count(*)::int as n from validation_uses u join validators v using (lot_id, validator_id) where v.code = 'RACE1'`)).rows[0]).toEqual({ n: 1 });
  });

  it('a prepaid balance enough for one: one applies, the balance stays at zero or above', async () => {
    await validator({ code: 'RACE2', kind: 'amount', value: 300, billing: 'prepaid', balanceMinor: 400 });
    const [a, b] = [await ticketParked(2), await ticketParked(2)];
    const outcomes = await raceAt(`select 1 from validators where code = 'RACE2' for update`, [], [
      () => applyValidation(deps(), lot, 'RACE2', { ticket: a }), () => applyValidation(deps(), lot, 'RACE2', { ticket: b }),
    ]);
    expect(outcomes).toEqual(['applied', 'balance_short']);
    expect((await db.pool.query(`select balance_minor from validators where code = 'RACE2'`)).rows[0]).toEqual({ balance_minor: 100 });
  });

  it('two validators on one ticket: together they take off no more than the fee', async () => {
    await validator({ code: 'RACE3', kind: 'amount', value: 300 });
    await validator({ code: 'RACE4', kind: 'amount', value: 300 });
    const t = await ticketParked(2); // 400
    const outcomes = await raceAt(`select 1 from tickets where lot_id = $1 and number = $2 for update`, [lot.lotId, t], [
      () => applyValidation(deps(), lot, 'RACE3', { ticket: t }), () => applyValidation(deps(), lot, 'RACE4', { ticket: t }),
    ]);
    expect(outcomes).toEqual(['applied', 'applied']);
    const taken = await db.pool.query(`select sum(amount_minor)::int as s from validation_uses u join tickets t on t.visit_id = u.visit_id where t.number = $1`, [t]);
    expect(taken.rows[0]).toEqual({ s: 400 });
    expect((await showTicket(deps(), lot, t)).dueMinor).toBe(0);
  });
});

describe('a booking', () => {
  it('its car inside: the validation comes off what it owes at the exit (here an overstay), at the gate and at depart', async () => {
    const cash = new CashPaymentProvider({ currency: 'GBP' });
    const start = new Date(clock.now().getTime() - 3 * 3_600_000);
    const r = await reserve({ db: db.pool, clock: new MovableClock(new Date(start.getTime() - 3_600_000)), payments: cash, actor: 'test' }, lot, {
      vehicleType: 'regular', start, end: new Date(start.getTime() + 2 * 3_600_000), plate: 'BOOKV1', customerRef: 'cust-bookv1',
    });
    await completeReservation({ pool: db.pool, clock: new MovableClock(new Date(start.getTime() - 3_600_000)), payments: cash, actor: 'test' }, r.reservationId, `cash:${r.reservationId}:${r.priceMinor}:GBP`);
    await arrive({ pool: db.pool, clock: new MovableClock(start), actor: 'test' }, lot, { reservationId: r.reservationId, gate: 'in' });
    // an hour past its end: 200 owed; the bakery takes 150 off
    await validator({ code: 'BAKERY', kind: 'amount', value: 150 });
    const cli = await runCli(['--json', 'validation', 'apply', 'BAKERY', '--lot', 'VAL', '--booking', r.reservationId], env());
    expect(cli.json).toMatchObject({ ticket: null, bookingId: r.reservationId, amountMinor: 150, dueBeforeMinor: 200, dueAfterMinor: 50 });
    const snapshot = await new PgGateStore(db.pool, { lotCode: 'VAL', gateId: 'out', direction: 'exit', clock }).loadSnapshot(clock.now(), 24);
    expect(decide(buildAllowList(snapshot), { kind: 'plate', plate: 'BOOKV1', confidence: 0.9, source: 's', readId: 'b1', at: clock.now() }, { direction: 'exit', now: clock.now(), armed: true }))
      .toMatchObject({ allow: false, reason: 'PAYMENT_DUE', amountDueMinor: 50 });
    expect(await refusal(applyValidation(deps(), lot, 'BAKERY', { reservationId: r.reservationId }))).toBe('already_validated');
    const left = await depart(deps(), lot, { plate: 'BOOKV1', gate: 'out' });
    expect(left).toMatchObject({ overstayMinutes: 60, amountDueMinor: 50, amountOutstandingMinor: 50 });
    // gone: nothing more to validate
    expect(await refusal(applyValidation(deps(), lot, 'HALF', { reservationId: r.reservationId }))).toBe('not_inside');
  });
});

describe('the commands', () => {
  it('validator add|list|show, apply by CLI, and the report per day', async () => {
    const added = await runCli(['--json', 'validation', 'validator', 'add', '--lot', 'VAL', '--code', 'cinema1', '--name', 'Riverside Cinema', '--hours', '2', '--daily-limit', '50', '--prepaid', '20.00'], env());
    expect(added.json).toMatchObject({ code: 'CINEMA1', kind: 'hours', value: 2, dailyLimit: 50, billing: 'prepaid', balanceMinor: 2000 });
    expect(jsonShapes.Validator.safeParse(added.json).error).toBeUndefined();
    const both = await runCli(['validation', 'validator', 'add', '--lot', 'VAL', '--code', 'X1', '--name', 'x', '--hours', '2', '--percent', '5'], env());
    expect(both.code).toBe(2);
    const t = await ticketParked(3);
    const applied = await runCli(['--json', 'validation', 'apply', 'CINEMA1', '--lot', 'VAL', '--ticket', t], env());
    expect(applied.json).toMatchObject({ validator: 'CINEMA1', ticket: t, amountMinor: 400, dueAfterMinor: 200, balanceMinor: 1600 });
    expect(jsonShapes.Validation.safeParse(applied.json).error).toBeUndefined();
    const none = await runCli(['validation', 'apply', 'CINEMA1', '--lot', 'VAL'], env());
    expect(none.code).toBe(2);
    const show = await runCli(['--json', 'validation', 'validator', 'show', 'CINEMA1', '--lot', 'VAL'], env());
    expect(show.json).toMatchObject({ usesToday: 1, balanceMinor: 1600 });
    expect(jsonShapes.Validator.safeParse(show.json).error).toBeUndefined();
    const listed = await runCli(['--json', 'validation', 'validator', 'list', '--lot', 'VAL'], env());
    expect(jsonShapes.Validator.array().safeParse(listed.json).error).toBeUndefined();
    const list = await runCli(['validation', 'validator', 'list', '--lot', 'VAL'], env());
    expect(list.stdout).toContain('Riverside Cinema');
    const report = await runCli(['--json', 'validation', 'report', '--lot', 'VAL', '--validator', 'CINEMA1', '--from', '2031-03-01', '--to', '2031-03-31'], env());
    expect(report.json).toMatchObject({ uses: 1, amountMinor: 400, topupsMinor: 2000, balanceMinor: 1600, days: [{ day: '2031-03-04', uses: 1, amountMinor: 400 }] });
    expect(jsonShapes.ValidationReport.safeParse(report.json).error).toBeUndefined();
    const bad = await runCli(['validation', 'report', '--lot', 'VAL', '--validator', 'CINEMA1', '--from', 'March'], env());
    expect(bad.code).toBe(2);
  });
});
