// Issue 15 review (tickets and validations) against real PostgreSQL: validations priced at the time of
// payment, not frozen when applied; lost tickets that open no phantom car; cash with no shift open;
// bounded top-ups; id prefixes; hints on refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { payTicket, showTicket } from '../src/core/tickets/tickets.js';
import { addValidator, applyValidation, findValidator, type NewValidator } from '../src/core/validations/validations.js';
import { arrive } from '../src/core/visits.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';
import { MovableClock } from './support/payments-fixture.js';

let db: TestDatabase;
let lot: Lot;
const clock = new MovableClock(new Date('2031-03-03T08:00:00Z'));
const deps = () => ({ pool: db.pool, clock, actor: 'test' });
const env = () => ({ DATABASE_URL: db.url, PARKCTL_NOW: clock.now().toISOString() });
let plateNo = 0;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 6 });
  await createTestLot(db.pool, { code: 'REV', spots: 40, ratePerHourMinor: 200, policy: { walk_ins: true } });
  lot = await loadLot(db.pool, 'REV');
});
afterAll(async () => {
  await db?.drop();
});

async function ticketParked(hoursAgo: number): Promise<{ number: string; visitId: string }> {
  const entered = new MovableClock(new Date(clock.now().getTime() - hoursAgo * 3_600_000));
  const a = await arrive({ pool: db.pool, clock: entered, actor: 'test' }, lot, { plate: `REV${++plateNo}`, gate: 'in', walkIn: true });
  const number = (await db.pool.query<{ number: string }>(`select number from tickets where lot_id = $1 and visit_id = $2`, [lot.lotId, a.visit.visit_id])).rows[0]!.number;
  return { number, visitId: a.visit.visit_id };
}
const validator = (o: Partial<NewValidator> & Pick<NewValidator, 'code' | 'kind' | 'value'>) => addValidator(deps(), lot, { name: `${o.code} shop`, billing: 'invoice', ...o });
const later = (hours: number) => { clock.at = new Date(clock.now().getTime() + hours * 3_600_000); };

describe('a validation is worth what it takes off when the ticket is paid', () => {
  it('free hours leave only the stay after them priced; the prepaid balance pays the worth at payment', async () => {
    await validator({ code: 'FREE3', kind: 'hours', value: 3, billing: 'prepaid', balanceMinor: 5000 });
    const t = await ticketParked(2); // 400 owed, all of it free
    expect(await applyValidation(deps(), lot, 'FREE3', { ticket: t.number })).toMatchObject({ dueBeforeMinor: 400, dueAfterMinor: 0, use: { amount_minor: 400 } });
    later(2); // 4 h in: 800, the first 3 hours free: 200 owed
    expect(await showTicket(deps(), lot, t.number)).toMatchObject({ chargeMinor: 800, dueMinor: 200 });
    const paid = await payTicket(deps(), lot, t.number, { method: 'cash' });
    expect(paid.takenMinor).toBe(200);
    // settled at 600: the balance paid the 200 more the hours became worth
    expect((await findValidator(db.pool, lot, 'FREE3')).balance_minor).toBe(5000 - 600);
    expect(Number((await db.pool.query(`select amount_minor from validation_uses where visit_id = $1`, [t.visitId])).rows[0].amount_minor)).toBe(600);
    expect((await showTicket(deps(), lot, t.number)).dueMinor).toBe(0);
  });

  it('a percent is of the charge at payment, not of the charge when applied', async () => {
    await validator({ code: 'HALF2', kind: 'percent', value: 50 });
    const t = await ticketParked(2);
    expect(await applyValidation(deps(), lot, 'HALF2', { ticket: t.number })).toMatchObject({ dueAfterMinor: 200 });
    later(2);
    expect(await showTicket(deps(), lot, t.number)).toMatchObject({ chargeMinor: 800, dueMinor: 400 });
    expect((await payTicket(deps(), lot, t.number, { method: 'card' })).takenMinor).toBe(400);
  });

  it('a prepaid balance short of the worth at payment pays what it has, never below zero', async () => {
    await validator({ code: 'THIN', kind: 'percent', value: 100, billing: 'prepaid', balanceMinor: 500 });
    const t = await ticketParked(2);
    await applyValidation(deps(), lot, 'THIN', { ticket: t.number }); // 400 of 500
    later(2); // 800 now: the balance has 100 more
    expect((await payTicket(deps(), lot, t.number, { method: 'cash' })).takenMinor).toBe(300);
    expect((await findValidator(db.pool, lot, 'THIN')).balance_minor).toBe(0);
  });

  it('a second apply of the same validator says it is already validated, with a hint', async () => {
    await validator({ code: 'ONCE', kind: 'percent', value: 100 });
    const t = await ticketParked(1);
    await applyValidation(deps(), lot, 'ONCE', { ticket: t.number });
    const r = await runCli(['validation', 'apply', 'ONCE', '--lot', 'REV', '--ticket', t.number], env());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('already validated by ONCE');
    expect(r.stderr).toMatch(/hint/i);
  });
});

describe('cash, top-ups and refusals at the desk', () => {
  it('cash with no shift open is taken, with a warning on stderr; with a shift open, no warning', async () => {
    const t = await ticketParked(1);
    const r = await runCli(['ticket', 'pay', t.number, '--lot', 'REV', '--cash'], env());
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no shift open');
    expect(r.stderr).toContain('not in any drawer count');
    expect((await runCli(['shift', 'open', '--lot', 'REV', '--attendant', 'ann', '--float', '50.00'], env())).code).toBe(0);
    const t2 = await ticketParked(1);
    const r2 = await runCli(['ticket', 'pay', t2.number, '--lot', 'REV', '--cash'], env());
    expect(r2.code).toBe(0);
    expect(r2.stderr).not.toContain('no shift open');
  });

  it('a top-up is bounded like a shift float (exit 2 with a hint); an invoiced one and an empty code get hints', async () => {
    await validator({ code: 'TOPS', kind: 'amount', value: 100, billing: 'prepaid', balanceMinor: 49059 });
    const huge = await runCli(['validation', 'validator', 'topup', 'TOPS', '--lot', 'REV', '--amount', '99999999999'], env());
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/hint/i);
    expect((await findValidator(db.pool, lot, 'TOPS')).balance_minor).toBe(49059);
    await validator({ code: 'INV', kind: 'amount', value: 100 });
    const inv = await runCli(['validation', 'validator', 'topup', 'INV', '--lot', 'REV', '--amount', '10.00'], env());
    expect(inv.code).not.toBe(0);
    expect(inv.stderr).toContain('validation report');
    const empty = await runCli(['validation', 'validator', 'show', '', '--lot', 'REV'], env());
    expect(empty.code).toBe(2);
    expect(empty.stderr).not.toContain('  in');
  });
});

describe('validation apply --visit by prefix', () => {
  it('a unique prefix of the visit id is enough; a malformed one is exit 2 with a hint', async () => {
    await validator({ code: 'PFX', kind: 'percent', value: 10 });
    const t = await ticketParked(2);
    const r = await runCli(['--json', 'validation', 'apply', 'PFX', '--lot', 'REV', '--visit', t.visitId.slice(0, 8)], env());
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ visitId: t.visitId, ticket: t.number });
    const bad = await runCli(['validation', 'apply', 'PFX', '--lot', 'REV', '--visit', 'zzz'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/hint/i);
  });
});

describe('visit depart on a paid ticket', () => {
  it('says the stay was paid, not "to collect: nothing" under an amount due', async () => {
    const t = await ticketParked(1);
    await payTicket(deps(), lot, t.number, { method: 'card' });
    const plate = (await db.pool.query(`select plate from visits where visit_id = $1`, [t.visitId])).rows[0].plate as string;
    const r = await runCli(['visit', 'depart', '--lot', 'REV', '--plate', plate], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2\.00 GBP, paid/);
    expect(r.stdout).not.toMatch(/^to collect:/m);
  });
});

describe('input rules', () => {
  it('lot state refuses an empty --reason; ticket lost takes the one plate rule (2-12, as permit create)', async () => {
    const empty = await runCli(['lot', 'state', 'REV', 'full', '--reason', ''], env());
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/hint/i);
    const one = await runCli(['ticket', 'lost', '--lot', 'REV', '--plate', 'A', '--cash'], env());
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('2-12');
    const long = await runCli(['ticket', 'lost', '--lot', 'REV', '--plate', 'ABCDEFGHJKLMNP', '--cash'], env());
    expect(long.code).toBe(2);
  });
});

describe('ticket lost --visit', () => {
  it('the attendant names the car\'s visit (a prefix): priced from its entry on that visit, no new visit', async () => {
    const t = await ticketParked(2);
    const r = await runCli(['--json', 'ticket', 'lost', '--lot', 'REV', '--visit', t.visitId.slice(0, 8)], env());
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ pricedBy: 'entry', lost: t.number, visitId: t.visitId, chargeMinor: 400 });
  });
});
