// Issue 19, item 8 (invariant 9): a cash refund is visibly due until the attendant hands it back.
// `booking cancel` says how much and by which band of the policy, `payments list --due` shows what is due
// at the desk, and `payments hand-back` (the dashboard's `r`) pays it out once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardActions } from '../src/core/dashboard/actions.js';
import { DashboardSnapshotReader } from '../src/core/dashboard/snapshot.js';
import { completeReservation } from '../src/core/reservations/lifecycle.js';
import { CashPaymentProvider } from '../src/drivers/cash-payments.js';
import { book, startPaymentsHarness, type PaymentsHarness } from './support/payments-fixture.js';
import { runCli } from './support/cli.js';

let h: PaymentsHarness;
const cash = new CashPaymentProvider({ currency: 'GBP' });
let next = 0;
const startIn = (noticeHours: number) => noticeHours + (next += 0.01);
let env: Record<string, string>;

beforeAll(async () => {
  h = await startPaymentsHarness({
    code: 'PAYC', spots: 10,
    policy: { walk_ins: true, refunds: [{ min_hours_before_start: 24, percent: 100 }, { min_hours_before_start: 2, percent: 50 }] },
  });
  // the cash provider (no Stripe configured) and the harness's clock
  env = { DATABASE_URL: h.env.DATABASE_URL!, PARKCTL_NOW: h.clock.now().toISOString() };
});
afterAll(() => h.close());

async function cashPaid(plate: string, noticeHours: number) {
  const r = await book(h, { plate, startInHours: startIn(noticeHours), payments: cash });
  await completeReservation(h.deps(cash), r.reservationId, `cash:${r.reservationId}:${r.priceMinor}:GBP`);
  return r;
}
const refundRows = async (reservationId: string) =>
  (await h.db.pool.query(`select amount_minor, status from payments where reservation_id = $1 and purpose = 'refund'`, [reservationId])).rows;

describe('cash refunds', () => {
  it('booking cancel prints the amount and the band; list --due shows it; hand-back pays it out once', async () => {
    const r = await cashPaid('CASHB1', 5); // 5 h notice: the 50 % band
    const half = r.priceMinor / 2;
    const cancel = await runCli(['booking', 'cancel', r.reservationId, '--reason', 'customer asked'], env);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(new RegExp(`refund:\\s+${(half / 100).toFixed(2)} GBP due at the desk in cash \\(cancelled 5h before the start: 50% back`));
    expect(cancel.stdout).toContain(`parkctl payments hand-back ${r.reservationId}`);
    expect(await refundRows(r.reservationId)).toEqual([{ amount_minor: half, status: 'due' }]);

    const due = await runCli(['payments', 'list', '--due', '--lot', 'PAYC'], env);
    expect(due.stdout).toContain(r.reservationId);
    expect(due.stdout).toContain(`due at the desk: ${(half / 100).toFixed(2)} GBP in 1 refund`);
    const dueJson = await runCli(['--json', 'payments', 'list', '--due'], env);
    expect(dueJson.json).toEqual([expect.objectContaining({ reservationId: r.reservationId, status: 'due', amountMinor: half })]);

    const handed = await runCli(['--json', 'payments', 'hand-back', r.reservationId], env);
    expect(handed.code).toBe(0);
    expect(handed.json).toMatchObject({ amountMinor: half, currency: 'GBP', plate: 'CASHB1' });
    expect(await refundRows(r.reservationId)).toEqual([{ amount_minor: half, status: 'succeeded' }]);
    const again = await runCli(['--json', 'payments', 'hand-back', r.reservationId], env);
    expect(again.code).toBe(3);
    expect(again.json).toMatchObject({ error: { code: 'nothing_due' } });
    expect((await runCli(['--json', 'payments', 'list', '--due'], env)).json).toEqual([]);
  });

  it('--json of booking cancel carries the refund: amount, percent, band, status', async () => {
    const r = await cashPaid('CASHB2', 30);
    const cancel = await runCli(['--json', 'booking', 'cancel', r.reservationId], env);
    expect(cancel.json).toMatchObject({
      reservationId: r.reservationId, status: 'CANCELLED',
      refund: { amountMinor: r.priceMinor, currency: 'GBP', percent: 100, status: 'due', provider: 'cash', band: expect.stringContaining('100% back') },
    });
    const nothing = await cashPaid('CASHB3', 1);
    const late = await runCli(['booking', 'cancel', nothing.reservationId], env);
    expect(late.stdout).toMatch(/refund:\s+nothing \(cancelled 1h before the start: 0% back/);
  });

  it("the dashboard's cancel names the cash due, an alert shows it (selectable for r), and its hand-back pays it out", async () => {
    const r = await cashPaid('CASHB4', 30);
    const actions = createDashboardActions({ pool: h.db.pool, clock: h.clock, actor: 'dashboard:ann', payments: cash, barrierWaitMs: 0 }, h.lot);
    expect(await actions.cancel(r.reservationId)).toContain(`${(r.priceMinor / 100).toFixed(2)} GBP cash due back (100%)`);
    const refundAlerts = async () => (await new DashboardSnapshotReader(h.db.pool, h.lot).read(h.clock.now())).alerts.filter((a) => a.kind === 'refund_due' && a.reservationId === r.reservationId);
    expect(await refundAlerts()).toEqual([expect.objectContaining({ reservationId: r.reservationId, text: `CASHB4 ${(r.priceMinor / 100).toFixed(2)} GBP cash back due (r)` })]);
    expect(await actions.handBack(r.reservationId)).toBe(`${(r.priceMinor / 100).toFixed(2)} GBP handed back to CASHB4`);
    expect(await refundRows(r.reservationId)).toEqual([{ amount_minor: r.priceMinor, status: 'succeeded' }]);
    await expect(actions.handBack(r.reservationId)).rejects.toMatchObject({ code: 'nothing_due' });
    expect(await refundAlerts()).toEqual([]);
  });
});
