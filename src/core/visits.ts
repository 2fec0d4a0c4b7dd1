// Arrivals and departures, for the gate and for attendants by hand (seed 000 vehicle_arrived / vehicle_left).
// The visit row is the record; a trigger moves its reservation (CHECKED_IN, then COMPLETED with the
// unused rest of the window released) so the gate role never writes reservations itself.
import { billChargingAtExit } from './ev/billing.js';
import { lotChanged, type ChangeDeps } from './changes.js';
import { isPgError, PgCode, setActor, withTransaction } from './db.js';
import { RefusedError } from './errors.js';
import type { Lot } from './lots/lot.js';
import { chargeOverstay, type OverstayCharge } from './payments/overstay.js';
import type { Clock, Logger, PaymentProvider, PoolLike } from './ports.js';
import { overstayCharge, quoteWindow } from './pricing/index.js';
import type { VehicleType } from './pricing/vehicle-types.js';
import { getReservation } from './reservations/lifecycle.js';
import { selectReservation } from './sql/reservations.js';
import { closeVisit, insertVisit, selectArrivableReservation, selectOpenVisit, selectUpcomingReservation, selectVisit, setHoldClock, type VisitRow } from './sql/visits.js';
import { decideEarlyArrival, recordEarlyArrival, type EarlyArrival } from './visits-early.js';
import { selectLiveTicketOfVisit } from './sql/tickets.js';
import { sumValidatedForVisit } from './sql/validations.js';
import { ticketCharge } from './tickets/fee.js';
import { lotPricer, settleTicketValidations, ticketMoneyAt } from './tickets/tickets.js';

export interface VisitDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
  /** at departure, an overstay is charged off-session to the card saved at checkout; without it, it stays due */
  payments?: PaymentProvider | undefined;
  logger?: Logger | undefined;
}

export interface ArriveRequest {
  /** a reservation id (QR code) or a plate */
  reservationId?: string;
  plate?: string;
  gate: string;
  /** a car without a booking, when the lot takes walk-ins */
  walkIn?: boolean;
  /** a walk-in's vehicle type (a booking brings its own) */
  vehicleType?: VehicleType;
  /** attendant override: let a booked car in before its entry opens, whatever the lot's policy (audited) */
  early?: { reason: string };
}

export interface Arrival {
  visit: VisitRow;
  spotLabel: string | null;
  reservationEnd: Date | null;
  /** set when the car came in before its entry opened (by the lot's policy or an attendant's override) */
  earlyEntry: EarlyArrival | null;
}

export async function arrive(deps: VisitDeps, lot: Lot, req: ArriveRequest): Promise<Arrival> {
  const at = deps.clock.now();
  let reservationId = req.reservationId ?? null;
  let plate = req.plate ?? null;
  if (!reservationId && plate && !req.walkIn) {
    // a booking open now, else the plate's next one (an early car: refused with when it opens, or let in below)
    const found = await selectArrivableReservation(deps.pool, { lotId: lot.lotId, plate, at, earlyGraceMinutes: lot.earlyEntryGraceMinutes })
      ?? await selectUpcomingReservation(deps.pool, { lotId: lot.lotId, plate, at });
    if (!found) {
      throw new RefusedError(`no booking for ${plate} at ${lot.code} now`, { hint: 'check the plate, or admit it as a walk-in with --walk-in', code: 'no_booking' });
    }
    reservationId = found.reservation_id;
  }
  let spotId: number | null = null;
  let spotLabel: string | null = null;
  let reservationEnd: Date | null = null;
  let vehicleType: VehicleType = req.vehicleType ?? 'regular';
  let early: EarlyArrival | null = null;
  if (reservationId) {
    const r = await getReservation(deps.pool, reservationId);
    plate = r.plate;
    if (r.lot_id !== lot.lotId) throw new RefusedError(`reservation ${r.reservation_id} is for ${r.lot_code}, not ${lot.code}`, { code: 'wrong_lot' });
    if (r.status === 'CHECKED_IN') throw new RefusedError(`${r.plate} is already inside ${lot.code}`, { hint: 'anti-passback: it must exit first', code: 'already_inside' });
    if (r.status === 'TENTATIVE') throw new RefusedError(`reservation ${r.reservation_id} is not paid yet`, { hint: `take payment, then: parkctl booking complete ${r.reservation_id} --payment-token ...`, code: 'not_paid' });
    if (r.status !== 'CONFIRMED') throw new RefusedError(`reservation ${r.reservation_id} is ${r.status}`, { code: 'not_confirmed' });
    early = decideEarlyArrival(lot, r, at, req.early);
    if (at >= r.ends_at) throw new RefusedError(`reservation ${r.reservation_id} ended at ${r.ends_at.toISOString()}`, { code: 'window_over' });
    spotId = r.spot_id;
    vehicleType = r.vehicle_type;
    spotLabel = r.spot_label;
    reservationEnd = r.ends_at;
  } else if (req.walkIn) {
    if (lot.policy.walk_ins === false) throw new RefusedError(`${lot.code} takes no walk-ins`, { code: 'no_walk_ins' });
  }
  if (!plate) throw new RefusedError('a plate or a reservation id is needed to check a car in', { code: 'no_credential' });
  try {
    // The car takes its spot in the same transaction (migrations/0012): a walk-in one free now, a booking its
    // own, from its entry when early, or another when a car still holds it. An attendant admits no walk-in
    // the lot has no spot for (a gate that did, offline, is recorded all the same by its sync).
    const visit = await withTransaction(deps.pool, async (tx) => {
      await setActor(tx, deps.actor, early?.reason);
      await setHoldClock(tx, at);
      const inserted = await insertVisit(tx, { lotId: lot.lotId, reservationId, plate: plate!, vehicleType, spotId, gate: req.gate, enteredAt: at, amountDueMinor: early?.feeMinor ?? 0 });
      const placed = await selectVisit(tx, lot.lotId, inserted.visit_id);
      if (!reservationId && placed.spot_id === null) {
        throw new RefusedError(`no ${vehicleType} spot free at ${lot.code} for a walk-in`, {
          hint: `cars inside and bookings of now hold every ${vehicleType} spot: see parkctl lot show ${lot.code}`, code: 'no_spot_free',
        });
      }
      if (early) await recordEarlyArrival(tx, deps.actor, lot, inserted, early);
      return placed;
    });
    await lotChanged(deps, lot.lotId);
    const { spot_label: placedLabel, ...row } = visit;
    return { visit: row, spotLabel: placedLabel ?? spotLabel, reservationEnd, earlyEntry: early };
  } catch (err) {
    if (isPgError(err, PgCode.uniqueViolation)) {
      throw new RefusedError(`${plate} is already inside ${lot.code}`, { hint: 'anti-passback: it must exit first', code: 'already_inside' });
    }
    throw err;
  }
}

export interface Departure {
  visit: VisitRow;
  /** minutes past the reservation's end (0 when on time or early) */
  overstayMinutes: number;
  /** what the reservation's extensions cost (part of amountDueMinor) */
  extensionMinor: number;
  /** what coming in before entry opened cost (part of amountDueMinor; src/core/visits-early.ts) */
  earlyEntryMinor: number;
  /** EV charging of the visit (energy and idle fees, issue 16; part of amountDueMinor) */
  chargingMinor: number;
  /** what the driver owes at the exit: extensions and overstay, or the whole stay for a walk-in */
  amountDueMinor: number;
  currency: string;
  /** the rest of the window went back on sale */
  releasedEarly: boolean;
  /** the off-session charge of an overstay to the card on file; null when none was attempted */
  charge: OverstayCharge | null;
  /** what the attendant still has to take (`parkctl payments collect`), minor units */
  amountOutstandingMinor: number;
}

export async function depart(deps: VisitDeps, lot: Lot, req: { plate: string; gate: string }): Promise<Departure> {
  const at = deps.clock.now();
  const result = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor);
    const open = await selectOpenVisit(tx, lot.lotId, req.plate);
    if (!open) throw new RefusedError(`${req.plate} is not inside ${lot.code}`, { hint: 'check the plate (parkctl booking list --plate ...)', code: 'not_inside' });
    let overstayMinutes = 0;
    let extensionMinor = 0;
    let earlyEntryMinor = 0;
    let amountDueMinor = 0;
    let releasedEarly = false;
    if (open.reservation_id) {
      // locked: an extension landing meanwhile waits, then finds the booking completed
      const r = (await selectReservation(tx, open.reservation_id, { forUpdate: true, lotId: lot.lotId }))!;
      extensionMinor = r.extension_minor;
      // owed since the car came in before its entry opened (recorded on the visit at entry)
      earlyEntryMinor = Number(open.amount_due_minor);
      amountDueMinor = extensionMinor + earlyEntryMinor;
      if (at > r.ends_at) {
        const charge = overstayCharge(lot.pricing, { timeZone: lot.timeZone, vehicleType: r.vehicle_type, end: r.ends_at, exitAt: at, slotMinutes: lot.overstaySlotMinutes });
        overstayMinutes = charge.overstayMinutes;
        amountDueMinor += charge.amountMinor;
      }
      releasedEarly = at < r.ends_at;
    } else if (open.permit_id) {
      amountDueMinor = Number(open.amount_due_minor); // the permit pays the stay
    } else {
      // a ticket's stay by the ticket's rule (paid: free within its grace; src/core/tickets/fee.ts), less waivers and validations
      const ticket = await selectLiveTicketOfVisit(tx, lot.lotId, open.visit_id, { forUpdate: true });
      const price = lotPricer(lot, open.vehicle_type);
      const money = ticket ? ticketMoneyAt(ticket, at, price) : null;
      const charge = ticket && money ? ticketCharge(money, at, price) : null;
      // an unpaid ticket's validations are settled as the car leaves, at what they are worth now
      const validated = ticket && money && charge !== null ? (ticket.paid_at ? ticket.validated_minor : await settleTicketValidations(tx, lot.lotId, ticket, money.worths)) : 0;
      amountDueMinor = ticket && charge !== null
        ? Math.max(0, charge - ticket.waived_minor - validated)
        : quoteWindow(lot.pricing, { timeZone: lot.timeZone, vehicleType: open.vehicle_type, start: open.entered_at, end: at }).totalMinor;
    }
    if (open.reservation_id) amountDueMinor = Math.max(0, amountDueMinor - await sumValidatedForVisit(tx, lot.lotId, open.visit_id)); // validations (issue 15)
    const chargingMinor = (await billChargingAtExit(tx, lot, open, at)).totalMinor;
    amountDueMinor += chargingMinor;
    const visit = await closeVisit(tx, { lotId: lot.lotId, visitId: open.visit_id, gate: req.gate, exitedAt: at, overstayMinutes, amountDueMinor });
    return { visit, overstayMinutes, extensionMinor, earlyEntryMinor, chargingMinor, amountDueMinor, currency: lot.currency, releasedEarly };
  });
  await lotChanged(deps, lot.lotId);
  // After commit: the charge is a network call (never a lock across it); a decline leaves it due.
  const { visit } = result;
  const charge = deps.payments && visit.reservation_id && result.amountDueMinor > 0
    ? await chargeOverstay({ pool: deps.pool, clock: deps.clock, payments: deps.payments, actor: deps.actor, logger: deps.logger }, {
      lotId: lot.lotId, visitId: visit.visit_id, reservationId: visit.reservation_id, amountMinor: result.amountDueMinor, currency: lot.currency,
    })
    : null;
  const paidMinor = visit.amount_paid_minor + (charge?.paid ? charge.amountMinor : 0);
  return { ...result, visit: { ...visit, amount_paid_minor: paidMinor }, charge, amountOutstandingMinor: Math.max(0, result.amountDueMinor - paidMinor) };
}
