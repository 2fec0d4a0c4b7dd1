// The cashier's shift (issue 15): open with a float, close by counting the drawer. What the system
// expected is the float plus the cash taken in the shift's time, less the cash refunds handed back
// in it; the difference from the count is recorded, with a reason when it is not zero.
import { setActor, withTransaction } from '../db.js';
import { NotFoundError, RefusedError, UsageError } from '../errors.js';
import type { Clock, PoolLike, Queryable } from '../ports.js';
import type { Lot } from '../lots/lot.js';
import { formatMinorAmount } from '../money-format.js';
import { insertEvent } from '../sql/payments.js';
import { closeShiftRow, insertShift, selectDrawerLines, selectOpenShift, selectShift, type DrawerLine, type ShiftRow } from '../sql/shifts.js';

export interface ShiftDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
}

export interface ShiftReport {
  shift: ShiftRow;
  /** cash taken, by purpose (reservation, overstay, walk_in, ...), minor units */
  takenByPurpose: Record<string, number>;
  cashInMinor: number;
  cashOutMinor: number;
  /** float + in - out */
  expectedMinor: number;
  /** counted - expected, once closed */
  differenceMinor: number | null;
  payments: number;
  refunds: number;
  lines: DrawerLine[];
}

/** The largest amount of money a desk deals in (a float, a count, a top-up), minor units. */
export const maxMinor = 1e13;

export async function openShift(deps: ShiftDeps, lot: Lot, req: { attendant: string; floatMinor: number }): Promise<ShiftRow> {
  const attendant = req.attendant.trim();
  if (!attendant) throw new UsageError('a shift needs the attendant\'s name', { hint: 'e.g. --attendant "Ann Lee"', code: 'bad_attendant' });
  if (!Number.isSafeInteger(req.floatMinor) || req.floatMinor < 0 || req.floatMinor > maxMinor) {
    throw new UsageError('the float is not an amount', { hint: 'e.g. --float 100.00', code: 'bad_amount' });
  }
  const at = deps.clock.now();
  return withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor);
    const row = await insertShift(tx, { lotId: lot.lotId, attendant, floatMinor: req.floatMinor, currency: lot.currency, at });
    if (!row) {
      const open = await selectOpenShift(tx, lot.lotId);
      throw new RefusedError(`${lot.code} already has an open shift: ${open?.attendant ?? '?'} since ${open?.opened_at.toISOString() ?? '?'}`, {
        hint: `close it first: parkctl shift close --lot ${lot.code} --counted AMOUNT`, code: 'shift_open',
      });
    }
    await insertEvent(tx, { lotId: lot.lotId, kind: 'shift.opened', reservationId: null, actor: deps.actor, detail: { shift_id: row.shift_id, attendant, float_minor: req.floatMinor }, at });
    return row;
  });
}

function summarise(shift: ShiftRow, lines: DrawerLine[]): ShiftReport {
  const takenByPurpose: Record<string, number> = {};
  let cashIn = 0;
  let cashOut = 0;
  for (const l of lines) {
    if (l.direction === 'in') {
      cashIn += l.amount_minor;
      takenByPurpose[l.purpose] = (takenByPurpose[l.purpose] ?? 0) + l.amount_minor;
    } else cashOut += l.amount_minor;
  }
  const expectedMinor = shift.float_minor + cashIn - cashOut;
  return {
    shift, takenByPurpose, cashInMinor: cashIn, cashOutMinor: cashOut, expectedMinor,
    differenceMinor: shift.counted_minor === null ? null : shift.counted_minor - (shift.expected_minor ?? expectedMinor),
    payments: lines.filter((l) => l.direction === 'in').length, refunds: lines.filter((l) => l.direction === 'out').length, lines,
  };
}

/** The open shift's report so far, or a closed one's (by id). */
export async function shiftReport(deps: ShiftDeps, lot: Lot, shiftId?: string): Promise<ShiftReport> {
  const shift = shiftId ? await selectShift(deps.pool, lot.lotId, shiftId) : await selectOpenShift(deps.pool, lot.lotId);
  if (!shift) {
    throw new NotFoundError(shiftId ? `no shift ${shiftId} in ${lot.code}` : `${lot.code} has no open shift`, {
      hint: shiftId ? `see the shifts: parkctl shift list --lot ${lot.code}` : `open one: parkctl shift open --lot ${lot.code} --attendant NAME --float 100.00`, code: 'no_shift',
    });
  }
  const lines = await selectDrawerLines(deps.pool, lot.lotId, shift.currency, shift.opened_at, shift.closed_at ?? new Date(deps.clock.now().getTime() + 1));
  return summarise(shift, lines);
}

export async function closeShift(deps: ShiftDeps, lot: Lot, req: { countedMinor: number; reason?: string | undefined }): Promise<ShiftReport> {
  if (!Number.isSafeInteger(req.countedMinor) || req.countedMinor < 0 || req.countedMinor > maxMinor) {
    throw new UsageError('the count is not an amount', { hint: 'e.g. --counted 345.50', code: 'bad_amount' });
  }
  const reason = req.reason?.trim() || null;
  const at = deps.clock.now();
  return withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, reason ?? undefined);
    const open = await selectOpenShift(tx, lot.lotId, { forUpdate: true });
    if (!open) throw new NotFoundError(`${lot.code} has no open shift`, { hint: `open one: parkctl shift open --lot ${lot.code} --attendant NAME --float 100.00`, code: 'no_shift' });
    const closedAt = new Date(Math.max(at.getTime(), open.opened_at.getTime()));
    const lines = await selectDrawerLines(tx, lot.lotId, open.currency, open.opened_at, new Date(closedAt.getTime() + 1));
    const draft = summarise(open, lines);
    const difference = req.countedMinor - draft.expectedMinor;
    if (difference !== 0 && !reason) {
      const sign = difference > 0 ? 'over' : 'short';
      const money = (m: number) => formatMinorAmount(m, open.currency);
      throw new UsageError(`the drawer is ${sign} by ${money(Math.abs(difference))} (expected ${money(draft.expectedMinor)}, counted ${money(req.countedMinor)})`, {
        hint: 'count again, or close with --reason "why" to record the difference', code: 'drawer_difference',
      });
    }
    const shift = await closeShiftRow(tx, {
      lotId: lot.lotId, shiftId: open.shift_id, at: closedAt, by: deps.actor, expectedMinor: draft.expectedMinor, countedMinor: req.countedMinor,
      cashInMinor: draft.cashInMinor, cashOutMinor: draft.cashOutMinor, reason,
    });
    await insertEvent(tx, {
      lotId: lot.lotId, kind: 'shift.closed', reservationId: null, actor: deps.actor, reason, at: closedAt,
      detail: { shift_id: shift.shift_id, attendant: shift.attendant, expected_minor: draft.expectedMinor, counted_minor: req.countedMinor, difference_minor: difference },
    });
    return summarise(shift, lines);
  });
}

/** Cash taken with no shift open is in no drawer count: the warning to print (stderr), or null when a shift is open. */
export async function cashOutsideShiftWarning(db: Queryable, lot: Lot): Promise<string | null> {
  return (await selectOpenShift(db, lot.lotId)) ? null : `warning: no shift open in ${lot.code}: this cash is not in any drawer count (open one: parkctl shift open --lot ${lot.code} --attendant ... --float ...)`;
}
