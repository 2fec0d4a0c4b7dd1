// Issue 15, the cashier's shift: the drawer expected = float + cash taken in the shift - cash refunds
// handed back in it; a count that differs needs a reason; one open shift per lot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeReservation } from '../src/core/reservations/lifecycle.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { book, startPaymentsHarness, type PaymentsHarness } from './support/payments-fixture.js';
import { runCli } from './support/cli.js';

let h: PaymentsHarness;
const cash = new CashPaymentProvider({ currency: 'GBP' });
let next = 0;
const env = () => ({ DATABASE_URL: h.db.url, PARKCTL_NOW: h.clock.now().toISOString() });

beforeAll(async () => {
  h = await startPaymentsHarness({
    code: 'SHIFT', spots: 10,
    policy: { walk_ins: true, refunds: [{ min_hours_before_start: 24, percent: 100 }] },
  });
});
afterAll(() => h.close());

async function cashPaid(plate: string) {
  const r = await book(h, { plate, startInHours: 48 + (next += 0.5), payments: cash });
  await completeReservation(h.deps(cash), r.reservationId, `cash:${r.reservationId}:${r.priceMinor}:GBP`);
  return r;
}

describe('the cashier\'s shift', () => {
  it('expects the float plus cash taken less refunds handed back, and a count that differs needs a reason', async () => {
    const before = await cashPaid('SHBEFORE'); // taken before the shift: not in its drawer
    h.clock.advanceMinutes(5);
    const opened = await runCli(['--json', 'shift', 'open', '--lot', 'SHIFT', '--attendant', 'Ann Lee', '--float', '100.00'], env());
    expect(opened.code).toBe(0);
    expect(opened.json).toMatchObject({ attendant: 'Ann Lee', floatMinor: 10000, currency: 'GBP', closedAt: null });
    const second = await runCli(['shift', 'open', '--lot', 'SHIFT', '--attendant', 'Bob', '--float', '50'], env());
    expect(second.code).toBe(3);
    expect(second.stderr).toContain('already has an open shift: Ann Lee');

    h.clock.advanceMinutes(5);
    const a = await cashPaid('SHCASH1');
    const b = await cashPaid('SHCASH2');
    await book(h, { plate: 'SHCARD', startInHours: 60 }); // a card booking (Stripe): not cash
    // a cash refund decided in the shift and handed back: out of the drawer; the one before the shift
    // is cancelled too but not handed back: still due, not out of the drawer
    expect((await runCli(['booking', 'cancel', b.reservationId], env())).code).toBe(0);
    expect((await runCli(['payments', 'hand-back', b.reservationId], env())).code).toBe(0);
    expect((await runCli(['booking', 'cancel', before.reservationId], env())).code).toBe(0);

    const expected = 10000 + a.priceMinor + b.priceMinor - b.priceMinor;
    const shown = await runCli(['--json', 'shift', 'show', '--lot', 'SHIFT'], env());
    expect(shown.json).toMatchObject({
      expectedMinor: expected, cashInMinor: a.priceMinor + b.priceMinor, cashOutMinor: b.priceMinor, payments: 2, refunds: 1,
      takenByPurpose: { reservation: a.priceMinor + b.priceMinor },
    });
    const human = await runCli(['shift', 'show', '--lot', 'SHIFT'], env());
    expect(human.stdout).toMatch(new RegExp(`expected in drawer:\\s+${(expected / 100).toFixed(2)} GBP`));

    h.clock.advanceMinutes(60);
    const short = (expected - 550) / 100;
    const refused = await runCli(['shift', 'close', '--lot', 'SHIFT', '--counted', short.toFixed(2)], env());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('the drawer is short by 5.50 GBP');
    expect((await runCli(['--json', 'shift', 'show', '--lot', 'SHIFT'], env())).json).toMatchObject({ closedAt: null });

    const closed = await runCli(['--json', 'shift', 'close', '--lot', 'SHIFT', '--counted', short.toFixed(2), '--reason', 'change given twice'], env());
    expect(closed.code).toBe(0);
    expect(closed.json).toMatchObject({ expectedMinor: expected, countedMinor: expected - 550, differenceMinor: -550, reason: 'change given twice', closedBy: 'test' });
    const id = (closed.json as { shiftId: string }).shiftId;
    const events = await h.db.pool.query(`select kind, detail->>'difference_minor' as diff from events where kind like 'shift.%' order by event_id`);
    expect(events.rows).toEqual([{ kind: 'shift.opened', diff: null }, { kind: 'shift.closed', diff: '-550' }]);

    // closed: no open shift; the closed one is still shown by id and listed
    expect((await runCli(['shift', 'show', '--lot', 'SHIFT'], env())).code).toBe(4);
    expect((await runCli(['--json', 'shift', 'show', '--lot', 'SHIFT', '--shift', id], env())).json).toMatchObject({ shiftId: id, differenceMinor: -550 });
    const list = await runCli(['shift', 'list', '--lot', 'SHIFT'], env());
    expect(list.stdout).toContain(id.slice(0, 8));
    expect(list.stdout).toContain('-5.50 GBP');
  });

  it('a balanced drawer closes without a reason; the next shift starts from zero', async () => {
    h.clock.advanceMinutes(10);
    expect((await runCli(['shift', 'open', '--lot', 'SHIFT', '--attendant', 'Cy', '--float', '20'], env())).code).toBe(0);
    h.clock.advanceMinutes(1);
    const c = await cashPaid('SHCASH3');
    h.clock.advanceMinutes(1);
    const closed = await runCli(['--json', 'shift', 'close', '--lot', 'SHIFT', '--counted', ((2000 + c.priceMinor) / 100).toFixed(2)], env());
    expect(closed.code).toBe(0);
    expect(closed.json).toMatchObject({ floatMinor: 2000, cashInMinor: c.priceMinor, differenceMinor: 0, reason: null });
  });

  it('refuses amounts that are not money, and writes nothing', async () => {
    for (const bad of ['abc', '1.005', '-5', '', '1e3', '99999999999999999']) {
      const r = await runCli(['shift', 'open', '--lot', 'SHIFT', '--attendant', 'Dee', '--float', bad], env());
      expect(r.code, bad).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/is not an amount in GBP/);
    }
    expect((await runCli(['shift', 'open', '--lot', 'SHIFT', '--attendant', '  ', '--float', '1'], env())).code).toBe(2);
    const open = await h.db.pool.query(`select count(*)::int as n from shifts where closed_at is null`);
    expect(open.rows[0].n).toBe(0);
  });
});
