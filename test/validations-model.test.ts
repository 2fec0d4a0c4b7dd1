// Issue 15, money balances (DESIGN.md section 2) for validations: random sequences of cars parking,
// validations applied (percent, amount, free hours; prepaid and invoiced), top-ups, payments and time
// passing, against real PostgreSQL. After every sequence: what a prepaid validator was given (its opening
// balance is its first top-up) equals its balance plus what its validations took; a validator applies at most once
// to a stay; no ticket owes less than nothing; every refusal is a named refusal, never a crash.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { payTicket, showTicket } from '../src/core/tickets/tickets.js';
import { addValidator, applyValidation, topUpValidator } from '../src/core/validations/validations.js';
import { arrive } from '../src/core/visits.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';
import { MovableClock } from './support/payments-fixture.js';

let db: TestDatabase;
let run = 0;
/** validations that took money, over every sequence: the property must not pass on refusals alone */
let tookMoney = 0;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 6 });
});
afterAll(async () => {
  await db?.drop();
});

type Op =
  | { kind: 'park'; hoursAgo: number }
  | { kind: 'apply'; validator: number; ticket: number }
  | { kind: 'topup'; validator: number; amount: number }
  | { kind: 'pay'; ticket: number }
  | { kind: 'wait'; minutes: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('park' as const), hoursAgo: fc.integer({ min: 0, max: 8 }) }),
  fc.record({ kind: fc.constant('apply' as const), validator: fc.nat(3), ticket: fc.nat(9) }),
  fc.record({ kind: fc.constant('topup' as const), validator: fc.nat(3), amount: fc.integer({ min: 1, max: 2_000 }) }),
  fc.record({ kind: fc.constant('pay' as const), ticket: fc.nat(9) }),
  fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 240 }) }),
);

/** Refusals a random sequence may meet; anything else is a defect. */
const expected = new Set(['nothing_due', 'already_validated', 'daily_limit', 'balance_short', 'ticket_used', 'ticket_paid', 'invoiced', 'not_prepaid']);

async function play(ops: Op[]): Promise<void> {
  const code = `VM${++run}`;
  await createTestLot(db.pool, { code, spots: 20, ratePerHourMinor: 200, policy: { walk_ins: true } });
  const lot: Lot = await loadLot(db.pool, code);
  const clock = new MovableClock(new Date('2031-05-05T12:00:00Z'));
  const deps = { pool: db.pool, clock, actor: 'model' };
  const validators = [
    await addValidator(deps, lot, { code: 'PCT', name: 'percent', kind: 'percent', value: 30, billing: 'prepaid', balanceMinor: 500 }),
    await addValidator(deps, lot, { code: 'AMT', name: 'amount', kind: 'amount', value: 250, billing: 'prepaid', balanceMinor: 300, dailyLimit: 3 }),
    await addValidator(deps, lot, { code: 'HRS', name: 'hours', kind: 'hours', value: 2, billing: 'prepaid', balanceMinor: 100 }),
    await addValidator(deps, lot, { code: 'INV', name: 'invoice', kind: 'percent', value: 100, billing: 'invoice' }),
  ];
  const tickets: string[] = [];
  let plate = 0;
  for (const o of ops) {
    let outcome: Promise<unknown>;
    switch (o.kind) {
      case 'park': {
        const entered = new MovableClock(new Date(clock.now().getTime() - o.hoursAgo * 3_600_000));
        const a = await arrive({ pool: db.pool, clock: entered, actor: 'model' }, lot, { plate: `VM${run}X${++plate}`, gate: 'in', walkIn: true });
        const t = await db.pool.query<{ number: string }>(`select number from tickets where lot_id = $1 and visit_id = $2`, [lot.lotId, a.visit.visit_id]);
        tickets.push(t.rows[0]!.number);
        continue;
      }
      case 'wait':
        clock.advanceMinutes(o.minutes);
        continue;
      case 'apply':
        if (tickets.length === 0) continue;
        outcome = applyValidation(deps, lot, validators[o.validator]!.code, { ticket: tickets[o.ticket % tickets.length]! });
        break;
      case 'topup':
        outcome = topUpValidator(deps, lot, validators[o.validator]!.code, o.amount);
        break;
      case 'pay':
        if (tickets.length === 0) continue;
        outcome = payTicket(deps, lot, tickets[o.ticket % tickets.length]!, { method: 'cash' });
        break;
    }
    await outcome.catch((err: { code?: string; exitCode?: number }) => {
      // a refusal (exit 2, 3 or 4) with its code; never a crash
      if (!err.exitCode || err.exitCode === 70 || !(expected.has(err.code ?? '') || [2, 3, 4].includes(err.exitCode))) throw err;
    });
  }

  const money = await db.pool.query<{ code: string; billing: string; balance: string; topups: string; used: string }>(
    `select v.code, v.billing, v.balance_minor::text as balance,
            coalesce((select sum(t.amount_minor) from validator_topups t where t.lot_id = v.lot_id and t.validator_id = v.validator_id), 0)::text as topups,
            coalesce((select sum(u.amount_minor) from validation_uses u where u.lot_id = v.lot_id and u.validator_id = v.validator_id), 0)::text as used
       from validators v where v.lot_id = $1 order by v.code`, [lot.lotId]);
  for (const m of money.rows) {
    expect(Number(m.balance)).toBeGreaterThanOrEqual(0);
    // the opening balance is the first top-up row
    if (m.billing === 'prepaid') expect(Number(m.balance) + Number(m.used), m.code).toBe(Number(m.topups));
  }
  tookMoney += money.rows.filter((m) => Number(m.used) > 0).length;
  const twice = await db.pool.query(
    `select 1 from validation_uses where lot_id = $1 group by validator_id, visit_id having count(*) > 1`, [lot.lotId]);
  expect(twice.rowCount).toBe(0);
  for (const t of tickets) expect((await showTicket(deps, lot, t)).dueMinor ?? 0).toBeGreaterThanOrEqual(0);
}

describe('validations over random sequences (money balances)', () => {
  it('a prepaid validator\'s money is conserved, a stay is validated once by each, nothing is owed below zero', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), play), { numRuns: 40 });
    expect(tookMoney).toBeGreaterThan(0);
  });
});
