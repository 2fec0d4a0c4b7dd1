// Validations (issue 15): a shop, a hotel or a cinema takes parking off its customers' fee: a percent,
// an amount, or free hours, at most so many a day, from a prepaid balance or on a monthly invoice.
//
// Money balances: a use is worked out under the validator's row lock and then the ticket's (or visit's),
// in that order everywhere, so two applies take turns; it takes off at most what is owed at that moment
// (never a negative fee, nothing when nothing is owed); a unique index refuses the same validator twice
// on one ticket, visit or booking; a prepaid balance is debited by one guarded update under a check
// constraint that it never goes below zero.
import { setActor, withTransaction, isPgError, PgCode } from '../db.js';
import { NotFoundError, RefusedError, UsageError } from '../errors.js';
import type { Lot } from '../lots/lot.js';
import type { Clock, PoolLike, Queryable } from '../ports.js';
import { overstayCharge } from '../pricing/index.js';
import { selectReservation } from '../sql/reservations.js';
import { selectLiveTicketOfVisit, selectTicketByNumber, type TicketRow } from '../sql/tickets.js';
import {
  countUsesOnDay, creditValidator, hasValidatedVisit, debitValidator, insertValidationUse, insertValidator, selectValidationReport, selectValidatorByCode, sumValidatedForVisit,
  type ValidationKind, type ValidationUseRow, type ValidatorBilling, type ValidatorRow,
} from '../sql/validations.js';
import { ticketCharge } from '../tickets/fee.js';
import { lotPricer, ticketMoneyAt } from '../tickets/tickets.js';
import { lotChanged, type ChangeDeps } from '../changes.js';
import { validationAmount } from './amount.js';
import { formatMinorAmount } from '../money-format.js';
import { maxMinor } from '../shifts/shift.js';
import { localDay } from './day.js';

export { localDay } from './day.js';

export { validationAmount } from './amount.js';

export interface ValidationDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
}

export interface NewValidator {
  code: string;
  name: string;
  kind: ValidationKind;
  /** percent 1..100, amount in minor units, or whole hours */
  value: number;
  dailyLimit?: number | null | undefined;
  billing: ValidatorBilling;
  /** prepaid: the opening balance, minor units */
  balanceMinor?: number | undefined;
}

export const validatorCodePattern = /^[A-Z0-9][A-Z0-9-]{1,31}$/;

export async function addValidator(deps: ValidationDeps, lot: Lot, v: NewValidator): Promise<ValidatorRow> {
  const code = v.code.trim().toUpperCase();
  if (!validatorCodePattern.test(code)) throw new UsageError(`validator code "${v.code.slice(0, 40)}" must be 2 to 32 letters, digits or dashes`, { hint: 'e.g. --code CINEMA1', code: 'bad_code' });
  if (!v.name.trim() || v.name.length > 200) throw new UsageError('a validator needs a name of 1 to 200 characters', { hint: 'e.g. --name "Riverside Cinema"', code: 'bad_name' });
  if (!Number.isSafeInteger(v.value) || v.value <= 0 || (v.kind === 'percent' && v.value > 100)) {
    throw new UsageError(`${v.kind} ${v.value} is not valid`, { hint: 'percent 1-100, an amount above 0, or whole hours above 0', code: 'bad_value' });
  }
  if (v.billing === 'invoice' && v.balanceMinor) throw new UsageError('an invoiced validator has no prepaid balance', { hint: 'leave out --balance, or use --billing prepaid', code: 'bad_option' });
  const now = deps.clock.now();
  return withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor);
    const row = await insertValidator(tx, {
      lotId: lot.lotId, code, name: v.name.trim(), kind: v.kind, value: v.value, dailyLimit: v.dailyLimit ?? null, billing: v.billing,
      balanceMinor: 0, currency: lot.currency, now,
    });
    if (!row) throw new RefusedError(`${lot.code} already has a validator ${code}`, { hint: `see it: parkctl validation validator show ${code} --lot ${lot.code}`, code: 'validator_exists' });
    if (v.balanceMinor) {
      await creditValidator(tx, { lotId: lot.lotId, validatorId: row.validator_id, amountMinor: v.balanceMinor, at: now, actor: deps.actor });
      return { ...row, balance_minor: v.balanceMinor };
    }
    return row;
  });
}

export async function topUpValidator(deps: ValidationDeps, lot: Lot, code: string, amountMinor: number): Promise<ValidatorRow> {
  const hint = `at most ${formatMinorAmount(maxMinor, lot.currency)} (the bound of shift open --float), balance included; e.g. --amount 250.00`;
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0 || amountMinor > maxMinor) {
    throw new UsageError(`--amount ${formatMinorAmount(amountMinor, lot.currency)} is too large for a top-up`, { hint, code: 'bad_amount' });
  }
  return withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor);
    const v = await findValidator(tx, lot, code, true);
    if (v.billing !== 'prepaid') throw new RefusedError(`${v.code} is invoiced monthly: it has no balance to top up`, { hint: `its validations are billed from the report: parkctl validation report --lot ${lot.code} --validator ${v.code}`, code: 'not_prepaid' });
    if (v.balance_minor + amountMinor > maxMinor) throw new UsageError(`${v.code}'s balance would be ${formatMinorAmount(v.balance_minor + amountMinor, lot.currency)}`, { hint, code: 'bad_amount' });
    await creditValidator(tx, { lotId: lot.lotId, validatorId: v.validator_id, amountMinor, at: deps.clock.now(), actor: deps.actor });
    return { ...v, balance_minor: v.balance_minor + amountMinor };
  });
}

export async function findValidator(db: Queryable, lot: Lot, code: string, forUpdate = false): Promise<ValidatorRow> {
  const c = code.trim().toUpperCase();
  if (!c) throw new UsageError('a validator code is needed', { hint: `e.g. CINEMA1; see them: parkctl validation validator list --lot ${lot.code}`, code: 'bad_code' });
  const v = validatorCodePattern.test(c) ? await selectValidatorByCode(db, lot.lotId, c, { forUpdate }) : null;
  if (!v) throw new NotFoundError(`no validator ${code.slice(0, 40)} in ${lot.code}`, { hint: `see them: parkctl validation validator list --lot ${lot.code}`, code: 'unknown_validator' });
  return v;
}


export type ValidationTarget = { ticket: string } | { visitId: string } | { reservationId: string };

export interface Applied {
  use: ValidationUseRow;
  validator: ValidatorRow;
  /** the ticket validated, when it was one */
  ticketNumber: string | null;
  /** owed before and after, minor units */
  dueBeforeMinor: number;
  dueAfterMinor: number;
}

interface Owed {
  ticket: TicketRow | null;
  visitId: string;
  reservationId: string | null;
  /** the whole fee now (percent is of this) */
  baseMinor: number;
  dueMinor: number;
  freeHours: (hours: number) => number | null;
}

/** What the target owes now, with its rows locked (after the validator's). */
async function owedNow(tx: Queryable, lot: Lot, target: ValidationTarget, now: Date): Promise<Owed> {
  let ticket: TicketRow | null = null;
  if ('ticket' in target) {
    const n = target.ticket.trim().toUpperCase();
    ticket = /^[A-Z0-9][A-Z0-9-]{0,23}$/.test(n) ? await selectTicketByNumber(tx, lot.lotId, n, { forUpdate: true }) : null;
    if (!ticket) throw new NotFoundError(`no ticket ${target.ticket.slice(0, 40)} in ${lot.code}`, { hint: `see them: parkctl ticket list --lot ${lot.code}`, code: 'unknown_ticket' });
  } else if ('visitId' in target) {
    ticket = await selectLiveTicketOfVisit(tx, lot.lotId, target.visitId, { forUpdate: true });
  }
  if (ticket) {
    if (ticket.status === 'used' || ticket.status === 'lost' || ticket.exited_at) throw new RefusedError(`ticket ${ticket.number} is ${ticket.status}: nothing to validate`, { code: 'ticket_closed' });
    const price = lotPricer(lot, ticket.vehicle_type);
    const money = ticketMoneyAt(ticket, now, price);
    const charge = ticketCharge(money, now, price);
    if (charge === null) throw new RefusedError(`${lot.code}'s prices do not cover this stay`, { code: 'not_priced' });
    const enteredAt = ticket.entered_at;
    return {
      ticket, visitId: ticket.visit_id, reservationId: null, baseMinor: charge, dueMinor: Math.max(0, charge - money.creditsMinor),
      // what h free hours are worth now: the charge less the stay after them
      freeHours: (h) => {
        const freeUntil = new Date(enteredAt.getTime() + h * 3_600_000);
        const rest = now > freeUntil ? price(freeUntil, now) : 0;
        return rest === null ? null : charge - rest;
      },
    };
  }
  // a booking's car inside: what it owes now (early entry, extensions, overstay so far)
  const key = 'visitId' in target ? target.visitId : 'reservationId' in target ? target.reservationId : '';
  const { rows } = await tx.query<{ visit_id: string; reservation_id: string | null; permit_id: string | null; amount_due_minor: number; amount_paid_minor: number }>(
    'visitId' in target
      ? `select visit_id::text, reservation_id::text, permit_id::text, amount_due_minor, amount_paid_minor from visits where lot_id = $1::integer and visit_id = $2::uuid and exited_at is null for update`
      : `select visit_id::text, reservation_id::text, permit_id::text, amount_due_minor, amount_paid_minor from visits where lot_id = $1::integer and reservation_id = $2::uuid and exited_at is null for update`,
    [lot.lotId, key],
  );
  const visit = rows[0];
  if (!visit || !visit.reservation_id) {
    throw new RefusedError('reservationId' in target ? 'that booking\'s car is not inside: validate it while it is' : 'no car inside on that visit with a ticket or a booking', { code: 'not_inside' });
  }
  const r = (await selectReservation(tx, visit.reservation_id, { lotId: lot.lotId }))!;
  const overstay = now > r.ends_at ? overstayCharge(lot.pricing, { timeZone: lot.timeZone, vehicleType: r.vehicle_type, end: r.ends_at, exitAt: now, slotMinutes: lot.overstaySlotMinutes }).amountMinor : 0;
  const base = Number(visit.amount_due_minor) + Number(r.extension_minor) + overstay;
  const validated = await sumValidatedForVisit(tx, lot.lotId, visit.visit_id);
  const price = lotPricer(lot, r.vehicle_type);
  return {
    ticket: null, visitId: visit.visit_id, reservationId: visit.reservation_id, baseMinor: base,
    dueMinor: Math.max(0, base - Number(visit.amount_paid_minor) - validated),
    freeHours: (h) => (now > r.ends_at ? price(r.ends_at, new Date(Math.min(now.getTime(), r.ends_at.getTime() + h * 3_600_000))) : 0),
  };
}

export async function applyValidation(deps: ValidationDeps, lot: Lot, code: string, target: ValidationTarget): Promise<Applied> {
  const now = deps.clock.now();
  const day = localDay(now, lot.timeZone);
  const applied = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor);
    // the validator first (its daily count and balance), then the ticket or visit: the same order for every apply
    const v = await findValidator(tx, lot, code, true);
    if (!v.active) throw new RefusedError(`validator ${v.code} is not active`, { code: 'validator_inactive' });
    if (v.daily_limit !== null && await countUsesOnDay(tx, lot.lotId, v.validator_id, day) >= v.daily_limit) {
      throw new RefusedError(`${v.code} has used its ${v.daily_limit} validations for ${day}`, { hint: 'the limit starts again tomorrow (lot time)', code: 'daily_limit' });
    }
    const owed = await owedNow(tx, lot, target, now);
    const label = owed.ticket ? `ticket ${owed.ticket.number}` : `booking ${owed.reservationId}`;
    if (await hasValidatedVisit(tx, lot.lotId, v.validator_id, owed.visitId)) {
      throw new RefusedError(`${label} is already validated by ${v.code}`, { hint: 'a validator validates a stay once; see it: parkctl ticket show ... or parkctl validation report', code: 'already_validated' });
    }
    if (owed.dueMinor <= 0) throw new RefusedError(`nothing is owed on ${label}: a validation takes off only what is due`, { code: 'nothing_due' });
    const amount = validationAmount(v, owed.baseMinor, owed.dueMinor, owed.freeHours);
    if (amount <= 0) throw new RefusedError(`${v.code}'s ${v.value} ${v.kind} takes nothing off ${label}`, { code: 'nothing_off' });
    if (v.billing === 'prepaid' && !await debitValidator(tx, lot.lotId, v.validator_id, amount)) {
      throw new RefusedError(`${v.code}'s prepaid balance (${v.balance_minor}) is less than the ${amount} this validation takes off`, {
        hint: `top it up: parkctl validation validator topup ${v.code} --lot ${lot.code} --amount ...`, code: 'balance_short',
      });
    }
    try {
      const use = await insertValidationUse(tx, {
        lotId: lot.lotId, validatorId: v.validator_id, ticketId: owed.ticket?.ticket_id ?? null, visitId: owed.visitId,
        reservationId: owed.ticket ? null : owed.reservationId, amountMinor: amount, localDay: day, at: now, actor: deps.actor,
      });
      return { use, validator: { ...v, balance_minor: v.billing === 'prepaid' ? v.balance_minor - amount : v.balance_minor }, ticketNumber: owed.ticket?.number ?? null, dueBeforeMinor: owed.dueMinor, dueAfterMinor: owed.dueMinor - amount };
    } catch (err) {
      if (isPgError(err, PgCode.uniqueViolation)) throw new RefusedError(`${v.code} already validated ${label}`, { hint: 'a validator validates a stay once', code: 'already_validated' });
      throw err;
    }
  });
  await lotChanged(deps, lot.lotId);
  return applied;
}

export interface ValidationReport {
  validator: ValidatorRow;
  from: string;
  to: string;
  days: Array<{ day: string; uses: number; amountMinor: number }>;
  uses: number;
  /** taken off fees in the period: what an invoiced validator is billed, what a prepaid one spent */
  amountMinor: number;
  topupsMinor: number;
}

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** A validator's uses per lot-local day from `from` to `to` (inclusive; default: this month so far). */
export async function validationReport(deps: { pool: PoolLike; clock: Clock }, lot: Lot, code: string, range: { from?: string | undefined; to?: string | undefined }): Promise<ValidationReport> {
  const today = localDay(deps.clock.now(), lot.timeZone);
  const from = range.from ?? `${today.slice(0, 8)}01`;
  const to = range.to ?? today;
  for (const [name, d] of [['--from', from], ['--to', to]] as const) {
    if (!dayPattern.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) throw new UsageError(`${name} "${d.slice(0, 20)}" is not a date`, { hint: `e.g. ${name} ${today}`, code: 'bad_date' });
  }
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`, { hint: 'swap them', code: 'bad_range' });
  const v = await findValidator(deps.pool, lot, code);
  const r = await selectValidationReport(deps.pool, lot.lotId, v.validator_id, from, to);
  const days = r.days.map((d) => ({ day: d.day, uses: d.uses, amountMinor: d.amount_minor }));
  return {
    validator: v, from, to, days, uses: days.reduce((n, d) => n + d.uses, 0), amountMinor: days.reduce((n, d) => n + d.amountMinor, 0), topupsMinor: r.topupsMinor,
  };
}

/** How many validations a validator gave today (lot time). */
export async function countTodayUses(deps: { pool: PoolLike; clock: Clock }, lot: Lot, v: ValidatorRow): Promise<number> {
  return countUsesOnDay(deps.pool, lot.lotId, v.validator_id, localDay(deps.clock.now(), lot.timeZone));
}
