// `parkctl shift ...`: the cashier's shift at the desk (issue 15): open with a float, see the drawer so
// far, close by counting it, and look back at earlier shifts.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { loadLot, type Lot } from '../core/lots/lot.js';
import { formatMinorAmount, parseMajorAmount } from '../core/money-format.js';
import { closeShift, openShift, shiftReport, type ShiftReport } from '../core/shifts/shift.js';
import { countShifts, selectShifts, type ShiftRow } from '../core/sql/shifts.js';
import { noteIfLimited } from './list-limit.js';
import type { Run } from './index.js';
import { formatTime, renderFields, renderTable, timeHeader } from './output.js';

function amount(input: string, option: string, lot: Lot): number {
  const minor = parseMajorAmount(input, lot.currency);
  if (minor === null) throw new UsageError(`${option} "${input.slice(0, 40)}" is not an amount in ${lot.currency}`, { hint: `e.g. ${option} 100.00`, code: 'bad_amount' });
  return minor;
}

/** One JSON shape for a shift, open or closed. */
export function shiftJson(s: ShiftRow, lotCode: string) {
  return {
    shiftId: s.shift_id, lot: lotCode, attendant: s.attendant, currency: s.currency, floatMinor: s.float_minor,
    openedAt: s.opened_at.toISOString(), closedAt: s.closed_at?.toISOString() ?? null, closedBy: s.closed_by,
    expectedMinor: s.expected_minor, countedMinor: s.counted_minor,
    differenceMinor: s.counted_minor === null || s.expected_minor === null ? null : s.counted_minor - s.expected_minor,
    reason: s.reason,
  };
}

function reportJson(r: ShiftReport, lotCode: string) {
  return {
    ...shiftJson(r.shift, lotCode),
    expectedMinor: r.shift.expected_minor ?? r.expectedMinor,
    cashInMinor: r.cashInMinor, cashOutMinor: r.cashOutMinor, takenByPurpose: r.takenByPurpose, payments: r.payments, refunds: r.refunds,
  };
}

const purposeNames: Record<string, string> = { reservation: 'bookings paid in cash', overstay: 'overstays and fees', walk_in: 'walk-ins', permit: 'permits paid in cash' };

function renderReport(r: ShiftReport, lot: Lot): string {
  const m = (v: number) => formatMinorAmount(v, r.shift.currency);
  const s = r.shift;
  return renderFields([
    ['shift', s.shift_id], ['attendant', s.attendant],
    ['opened', formatTime(s.opened_at, lot.timeZone)], ['closed', s.closed_at ? `${formatTime(s.closed_at, lot.timeZone)} by ${s.closed_by ?? '?'}` : 'open'],
    ['float', m(s.float_minor)],
    ...Object.entries(r.takenByPurpose).map(([p, v]) => [`+ ${purposeNames[p] ?? p}`, m(v)] as [string, string]),
    ['- refunds handed back', `${m(r.cashOutMinor)}${r.refunds ? ` (${r.refunds})` : ''}`],
    ['expected in drawer', m(s.expected_minor ?? r.expectedMinor)],
    ...(s.counted_minor !== null ? [
      ['counted', m(s.counted_minor)] as [string, string],
      ['difference', r.differenceMinor === 0 ? 'none: the drawer balances' : `${r.differenceMinor! > 0 ? 'over' : 'short'} ${m(Math.abs(r.differenceMinor!))}${s.reason ? ` (${s.reason})` : ''}`] as [string, string],
    ] : []),
  ]);
}

export function registerShift(program: Command, run: Run): void {
  const shift = program.command('shift').description('the cashier\'s shift: open with a float, close by counting the drawer');

  shift.command('open')
    .description('open the desk\'s shift with the cash float in the drawer (one open shift per lot)')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--attendant <name>', 'who takes the cash in this shift')
    .requiredOption('--float <amount>', 'the cash in the drawer at the start, in major units (100.00)')
    .action((o: { lot: string; attendant: string; float: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const row = await openShift({ pool, clock: ctx.clock, actor: ctx.actor }, lot, { attendant: o.attendant, floatMinor: amount(o.float, '--float', lot) });
      ctx.out.result(shiftJson(row, lot.code), (j) => renderFields([
        ['shift opened', j.shiftId], ['attendant', j.attendant], ['float', formatMinorAmount(j.floatMinor, j.currency)], ['at', formatTime(row.opened_at, lot.timeZone)],
      ]));
    }, cmd));

  shift.command('show')
    .description('the drawer so far: the float, cash taken, refunds handed back, what should be there')
    .requiredOption('--lot <code>', 'lot code')
    .option('--shift <id>', 'an earlier shift (default: the open one)')
    .action((o: { lot: string; shift?: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      if (o.shift !== undefined && !/^[0-9a-f-]{36}$/i.test(o.shift.trim())) throw new UsageError(`"${o.shift.slice(0, 40)}" is not a shift id`, { hint: `see them: parkctl shift list --lot ${lot.code}`, code: 'bad_shift_id' });
      const r = await shiftReport({ pool, clock: ctx.clock, actor: ctx.actor }, lot, o.shift?.trim().toLowerCase());
      ctx.out.result(reportJson(r, lot.code), () => renderReport(r, lot));
    }, cmd));

  shift.command('close')
    .description('close the open shift with the cash counted; a drawer that does not balance needs --reason')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--counted <amount>', 'the cash counted in the drawer, in major units (345.50)')
    .option('--reason <text>', 'why the count differs from what was expected (kept with the shift)')
    .action((o: { lot: string; counted: string; reason?: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const r = await closeShift({ pool, clock: ctx.clock, actor: ctx.actor }, lot, { countedMinor: amount(o.counted, '--counted', lot), reason: o.reason });
      ctx.out.result(reportJson(r, lot.code), () => renderReport(r, lot));
    }, cmd));

  shift.command('list')
    .description('the lot\'s shifts, newest first, with their balance')
    .requiredOption('--lot <code>', 'lot code')
    .option('--limit <n>', 'how many', '20')
    .action((o: { lot: string; limit: string }, cmd: Command) => run(async (ctx) => {
      if (!/^\d{1,4}$/.test(o.limit) || Number(o.limit) < 1) throw new UsageError(`--limit "${o.limit.slice(0, 20)}" is not a number from 1 to 9999`, { hint: 'e.g. --limit 50' });
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const rows = (await selectShifts(pool, lot.lotId, Number(o.limit))).map((s) => shiftJson(s, lot.code));
      await noteIfLimited(ctx.out, rows.length, Number(o.limit), () => countShifts(pool, lot.lotId));
      const m = (v: number | null, cur: string) => (v === null ? '-' : formatMinorAmount(v, cur));
      ctx.out.result(rows, (list) => (list.length === 0 ? `no shifts in ${lot.code} yet` : renderTable(list, [
        { header: 'SHIFT', field: 'shiftId', value: (s) => s.shiftId, id: true },
        { header: 'ATTENDANT', value: (s) => s.attendant },
        { header: timeHeader('OPENED', list.map((s) => ({ at: new Date(s.openedAt), timeZone: lot.timeZone }))), field: 'openedAt', value: (s) => formatTime(new Date(s.openedAt), lot.timeZone) },
        { header: 'CLOSED', field: 'closedAt', value: (s) => (s.closedAt ? formatTime(new Date(s.closedAt), lot.timeZone) : 'open') },
        { header: 'FLOAT', field: 'floatMinor', value: (s) => m(s.floatMinor, s.currency), align: 'right', priority: 3 },
        { header: 'EXPECTED', field: 'expectedMinor', value: (s) => m(s.expectedMinor, s.currency), align: 'right', priority: 2 },
        { header: 'COUNTED', field: 'countedMinor', value: (s) => m(s.countedMinor, s.currency), align: 'right', priority: 2 },
        { header: 'DIFFERENCE', field: 'differenceMinor', value: (s) => (s.differenceMinor === null ? '-' : m(s.differenceMinor, s.currency)), align: 'right' },
      ])));
    }, cmd));
}
