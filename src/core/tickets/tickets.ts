// Tickets at the desk and the pay station (issue 15): look one up with what it owes now, pay it (cash, a
// card terminal, or nil with a reason, audited), replace a lost one. The fee is the pricing engine's, by
// the same rule the exit lane applies offline (./fee.ts); a payment leaves the lot's grace to leave.
import { randomBytes } from 'node:crypto';
import { lotChanged, type ChangeDeps } from '../changes.js';
import { isPgError, PgCode, setActor, withTransaction } from '../db.js';
import { NotFoundError, RefusedError, UsageError } from '../errors.js';
import type { Lot } from '../lots/lot.js';
import type { Clock, PoolLike, Queryable } from '../ports.js';
import { quoteWindow } from '../pricing/index.js';
import type { VehicleType } from '../pricing/vehicle-types.js';
import { addVisitPaid, insertEvent, insertPayment } from '../sql/payments.js';
import {
  insertReplacementTicket, makeFlatFeeReplacement, markTicketLost, markTicketPaid, selectLiveTicketByReadPlate, selectLiveTicketOfVisit, selectTicketByNumber,
  lockValidatorsOfTicket, setVisitDue, settleValidationUse, type TicketRow,
} from '../sql/tickets.js';
import { closeVisit, insertVisit, selectOpenVisit, setHoldClock } from '../sql/visits.js';
import { parsePlate } from '../input.js';
import { ticketCharge, validationWorths, type PriceStay, type TicketMoney } from './fee.js';
import { lotTicketPolicy } from './policy.js';

export interface TicketDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
}

export type TicketPayMethod = 'cash' | 'card' | 'nil';

export interface TicketView {
  ticket: TicketRow;
  /** the stay priced now, before credits; null when the lot's rules cannot price it */
  chargeMinor: number | null;
  /** owed now: the charge less what was taken, waived and validated */
  dueMinor: number | null;
  currency: string;
}

/** The lot's rules as a PriceStay for one vehicle type. */
export function lotPricer(lot: Lot, vehicleType: VehicleType): PriceStay {
  return (start, end) => {
    try {
      return quoteWindow(lot.pricing, { timeZone: lot.timeZone, vehicleType, start, end, lotCode: lot.code }).totalMinor;
    } catch {
      return null;
    }
  };
}

export function ticketMoney(t: TicketRow): TicketMoney {
  return {
    enteredAt: t.entered_at, feeMinor: t.fee_minor, paidAt: t.paid_at, exitBy: t.exit_by, lostFeeMinor: t.lost_fee_minor,
    creditsMinor: t.amount_paid_minor + t.waived_minor + t.validated_minor,
  };
}

/**
 * The ticket's money at `now`: an unpaid ticket's validations are worth what they take off the charge
 * now (./fee.ts validationWorths), not what they took off when applied; a paid one's were settled at
 * the payment. `worths`: each validation's worth now, in the order of t.validations.
 */
export function ticketMoneyAt(t: TicketRow, now: Date, price: PriceStay): TicketMoney & { worths: number[] } {
  const base = ticketMoney(t);
  const settled = t.validations.map((u) => Number(u.amount_minor));
  if (t.paid_at || t.validations.length === 0) return { ...base, worths: settled };
  const charge = ticketCharge(base, now, price);
  if (charge === null) return { ...base, worths: settled };
  const worths = validationWorths(t.validations.map((u) => ({ kind: u.kind, value: Number(u.value), amountMinor: Number(u.amount_minor) })), charge, base, now, price);
  return { ...base, creditsMinor: t.amount_paid_minor + t.waived_minor + worths.reduce((a, b) => a + b, 0), worths };
}

/** Settles the ticket's validations at their worth now (payment, exit); returns what they take off in all. */
export async function settleTicketValidations(tx: Queryable, lotId: number, t: TicketRow, worths: number[]): Promise<number> {
  let total = 0;
  for (const [i, u] of t.validations.entries()) total += await settleValidationUse(tx, lotId, u, worths[i]!);
  return total;
}

export function viewTicket(lot: Lot, t: TicketRow, now: Date): TicketView {
  if (t.status === 'used' || t.status === 'lost') {
    return { ticket: t, chargeMinor: t.amount_due_minor, dueMinor: Math.max(0, t.amount_due_minor - t.amount_paid_minor), currency: lot.currency };
  }
  const price = lotPricer(lot, t.vehicle_type);
  const money = ticketMoneyAt(t, now, price);
  const chargeMinor = ticketCharge(money, now, price);
  const validated = money.worths.reduce((a, b) => a + b, 0);
  return { ticket: { ...t, validated_minor: validated }, chargeMinor, dueMinor: chargeMinor === null ? null : Math.max(0, chargeMinor - money.creditsMinor), currency: lot.currency };
}

async function findTicket(db: Queryable, lot: Lot, number: string, forUpdate = false): Promise<TicketRow> {
  const n = number.trim().toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9-]{0,23}$/.test(n)) throw new UsageError(`"${number.slice(0, 40)}" is not a ticket number`, { hint: 'e.g. NORTHIN-1042 or W17, as printed', code: 'bad_ticket_number' });
  const t = await selectTicketByNumber(db, lot.lotId, n, { forUpdate });
  if (!t) throw new NotFoundError(`no ticket ${n} in ${lot.code}`, { hint: `see them: parkctl ticket list --lot ${lot.code}`, code: 'unknown_ticket' });
  return t;
}

export async function showTicket(deps: { pool: PoolLike; clock: Clock }, lot: Lot, number: string): Promise<TicketView> {
  return viewTicket(lot, await findTicket(deps.pool, lot, number), deps.clock.now());
}

export interface PayRequest {
  method: TicketPayMethod;
  /** required with nil: why nothing is taken (audited) */
  reason?: string | undefined;
}

export interface Paid extends TicketView {
  /** taken now (cash or card), minor units */
  takenMinor: number;
  /** waived now (nil), minor units */
  waivedMinor: number;
}

/** Pays what a ticket owes now; the car may then leave until exit_by. Inside the caller's transaction. */
export async function payTicketIn(tx: Queryable, deps: TicketDeps, lot: Lot, row: TicketRow, req: PayRequest): Promise<Paid> {
  let t = row;
  const now = deps.clock.now();
  if (t.status === 'used') throw new RefusedError(`ticket ${t.number} was used: the car left`, { hint: `nothing more to pay on it; what it paid: parkctl ticket show ${t.number} --lot ${lot.code}`, code: 'ticket_used' });
  if (t.status === 'lost') throw new RefusedError(`ticket ${t.number} was reported lost`, { hint: 'pay its replacement (parkctl ticket list --lot ' + lot.code + ')', code: 'ticket_lost' });
  const price = lotPricer(lot, t.vehicle_type);
  const money0 = ticketMoneyAt(t, now, price);
  const charge = ticketCharge(money0, now, price);
  if (charge === null) throw new RefusedError(`${lot.code}'s prices do not cover this stay`, { hint: 'take what the attendant decides: parkctl payments collect', code: 'not_priced' });
  // validations are settled at what they are worth now (a prepaid balance pays that, as far as it goes)
  const validatedNow = t.paid_at ? t.validated_minor : await settleTicketValidations(tx, lot.lotId, t, money0.worths);
  const money = { ...money0, creditsMinor: t.amount_paid_minor + t.waived_minor + validatedNow };
  t = { ...t, validated_minor: validatedNow };
  const due = Math.max(0, charge - money.creditsMinor);
  let taken = 0;
  let waived = 0;
  if (due > 0 && req.method === 'nil') {
    waived = due;
    await insertEvent(tx, {
      lotId: lot.lotId, kind: 'ticket_nil_payment', reservationId: null, actor: deps.actor, reason: req.reason ?? null,
      detail: { ticket: t.number, visitId: t.visit_id, waivedMinor: due, currency: lot.currency }, at: now,
    });
  } else if (due > 0) {
    const payment = await insertPayment(tx, {
      lotId: lot.lotId, visitId: t.visit_id, purpose: 'walk_in', amountMinor: due, currency: lot.currency, provider: req.method, status: 'succeeded',
      idempotencyKey: `ticket:${t.ticket_id}:${money.creditsMinor}`, note: `ticket ${t.number}, taken by ${deps.actor}`, now,
    });
    if (!payment) throw new RefusedError(`that payment for ticket ${t.number} was already recorded`, { code: 'already_collected' });
    await addVisitPaid(tx, { lotId: lot.lotId, visitId: t.visit_id, amountMinor: due });
    taken = due;
  }
  const exitBy = new Date(now.getTime() + lotTicketPolicy(lot.policy).exitGraceMinutes * 60_000);
  await markTicketPaid(tx, { lotId: lot.lotId, ticketId: t.ticket_id, feeMinor: charge, paidAt: now, exitBy, waivedMinor: waived, waiveReason: waived > 0 ? req.reason ?? null : null });
  // the visit owes the charge less what was waived and validated: settled, due = paid
  await setVisitDue(tx, lot.lotId, t.visit_id, charge - t.waived_minor - waived - t.validated_minor);
  const ticket: TicketRow = {
    ...t, status: 'paid', fee_minor: charge, paid_at: now, exit_by: exitBy, waived_minor: t.waived_minor + waived,
    waive_reason: waived > 0 ? req.reason ?? null : t.waive_reason,
    amount_paid_minor: t.amount_paid_minor + taken, amount_due_minor: Math.max(0, charge - t.waived_minor - waived - t.validated_minor),
  };
  return { ticket, chargeMinor: charge, dueMinor: 0, currency: lot.currency, takenMinor: taken, waivedMinor: waived };
}

function checkPay(req: PayRequest): void {
  if (req.method === 'nil' && !req.reason?.trim()) {
    throw new UsageError('a nil payment needs a reason', { hint: 'e.g. --nil --reason "barrier fault, driver waited 20 min"', code: 'reason_required' });
  }
}

export async function payTicket(deps: TicketDeps, lot: Lot, number: string, req: PayRequest): Promise<Paid> {
  checkPay(req);
  const paid = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, req.reason);
    await lockValidatorsOfTicket(tx, lot.lotId, number.trim());
    return payTicketIn(tx, deps, lot, await findTicket(tx, lot, number, true), req);
  });
  await lotChanged(deps, lot.lotId);
  return paid;
}

export interface LostRequest {
  /** the plate of the car (read at the entry: its entry time is proven) */
  plate?: string | undefined;
  /** the attendant knows the car's visit (its id): the stay is priced from its entry */
  visitId?: string | undefined;
  /** pay at once; absent: the replacement is issued unpaid */
  pay?: PayRequest | undefined;
}

export interface Replaced extends TicketView {
  /** the lost ticket, when the plate found it */
  lostNumber: string | null;
  /** 'entry': priced from the entry the plate read proves; 'flat': the lot's lost-ticket fee */
  pricedBy: 'entry' | 'flat';
  paid: Paid | null;
}

/**
 * A lost ticket: with a plate read at the entry, the car's visit is known and priced from its entry;
 * otherwise the lot's flat lost-ticket fee, on a visit opened now for the car. Either way a replacement
 * ticket (L<n>) is issued, and paid at once when asked.
 */
export async function replaceLostTicket(deps: TicketDeps, lot: Lot, req: LostRequest): Promise<Replaced> {
  if (req.pay) checkPay(req.pay);
  const now = deps.clock.now();
  // one plate rule for every command (src/core/input.ts parsePlate): an empty --plate is bad input, not "no plate"
  const plate = req.plate === undefined ? null : parsePlate(req.plate);
  const result = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, req.pay?.reason);
    let proven = plate ? await selectLiveTicketByReadPlate(tx, lot.lotId, plate, { forUpdate: true }) : null;
    if (req.visitId) {
      proven = await selectLiveTicketOfVisit(tx, lot.lotId, req.visitId, { forUpdate: true });
      if (!proven || proven.exited_at) throw new RefusedError(`no car inside ${lot.code} on a ticket with visit ${req.visitId}`, { hint: `see them: parkctl ticket list --lot ${lot.code} --status open`, code: 'not_inside' });
    }
    if (!proven && plate) {
      // the car is inside under that plate (typed at the entry): its own visit, not a new one
      const open = await selectOpenVisit(tx, lot.lotId, plate);
      if (open && (open.reservation_id || open.permit_id)) {
        throw new RefusedError(`${plate} is inside ${lot.code} on a booking or permit, not a ticket`, { hint: 'see parkctl visit list', code: 'not_a_ticket' });
      }
      if (open) proven = await selectLiveTicketOfVisit(tx, lot.lotId, open.visit_id, { forUpdate: true });
    }
    let number: string;
    let lostNumber: string | null = null;
    let phantom: string | null = null;
    if (proven) {
      await markTicketLost(tx, lot.lotId, proven.ticket_id);
      number = await insertReplacementTicket(tx, proven, now);
      lostNumber = proven.number;
    } else {
      // nothing proves a car inside: the flat fee, and the car leaves now. The visit that carries the fee
      // is closed at once, so occupancy never counts a car it cannot see.
      await setHoldClock(tx, now);
      const carPlate = plate ?? `LT${randomBytes(4).toString('hex').toUpperCase()}`;
      let visitId: string;
      try {
        visitId = (await insertVisit(tx, { lotId: lot.lotId, reservationId: null, plate: carPlate, vehicleType: 'regular', spotId: null, gate: 'desk', enteredAt: now })).visit_id;
      } catch (err) {
        if (isPgError(err, PgCode.uniqueViolation)) {
          throw new RefusedError(`${carPlate} is inside ${lot.code} on a booking or permit, not a ticket`, { hint: 'see parkctl visit list', code: 'not_a_ticket' });
        }
        throw err;
      }
      if (!req.pay) throw new UsageError('nothing proves this car is inside: take the flat lost-ticket fee now, and the car leaves', { hint: `e.g. parkctl ticket lost --lot ${lot.code} --cash (or --plate of a car inside)`, code: 'pay_required' });
      const fee = lotTicketPolicy(lot.policy).lostTicketFeeMinor;
      number = await makeFlatFeeReplacement(tx, lot.lotId, visitId, fee, plate);
      phantom = visitId;
    }
    await insertEvent(tx, {
      lotId: lot.lotId, kind: 'ticket_lost', reservationId: null, actor: deps.actor, reason: null,
      detail: { replacement: number, lost: lostNumber, plate, pricedBy: proven ? 'entry' : 'flat' }, at: now,
    });
    const fresh = (await selectTicketByNumber(tx, lot.lotId, number, { forUpdate: true }))!;
    const paid = req.pay ? await payTicketIn(tx, deps, lot, fresh, req.pay) : null;
    if (phantom) {
      const fee = lotTicketPolicy(lot.policy).lostTicketFeeMinor;
      await closeVisit(tx, { lotId: lot.lotId, visitId: phantom, gate: 'desk', exitedAt: now, overstayMinutes: 0, amountDueMinor: fee });
      const closed = (await selectTicketByNumber(tx, lot.lotId, number))!;
      return { fresh: closed, lostNumber, pricedBy: 'flat' as const, paid };
    }
    return { fresh: paid?.ticket ?? fresh, lostNumber, pricedBy: proven ? 'entry' as const : 'flat' as const, paid };
  });
  await lotChanged(deps, lot.lotId);
  return { ...viewTicket(lot, result.fresh, now), lostNumber: result.lostNumber, pricedBy: result.pricedBy, paid: result.paid };
}
