// The gate's local decision (DESIGN.md section 4, gate): pure, no I/O, a few Map lookups, so a
// barrier opens in milliseconds with the network or the database down. Anything not positively
// allowed fails closed with a short sign text.
//
// Arming loop rule: a credential (plate read, QR scan, ticket button) only counts while a vehicle
// is on the arming loop (ctx.armed). Without one the answer is NO_VEHICLE with no sign text: a
// camera reading a passing car in the street must not open the lane. The daemon holds such a read
// in a LanePresence (./lane.ts) and decides again when the loop comes on.

import type { AllowList, AllowedReservation } from './allow-list.js';
import type { Decision, DecisionReason, GateDirection } from './decision.js';
import { signText } from './decision.js';
import { earlyEntryFeeAtGate, opensAtFor, opensSign } from './early-entry.js';
import { computeOverstay } from './overstay.js';
import { permitVerdict, type AllowedPermit, type PermitVerdict } from './permit-entry.js';
import { normalisePlate } from './plate.js';
import type { GateInput } from './ports.js';
import { ticketExitFee, ticketOfCode } from './ticket-exit.js';
import { walkInFee } from './walk-in-fee.js';
import { walkInWay } from './guidance.js';

export interface DecideContext {
  direction: GateDirection;
  now: Date;
  /** a vehicle is on the arming loop */
  armed: boolean;
  /** plate reads below this confidence never open (default 0.7); a QR scan or attendant can */
  minPlateConfidence?: number;
  /** attendant override: opens an exit despite an amount due (journalled by the daemon with who and why) */
  override?: { by: string; reason: string };
  /** exit: a validator's code scanned at the lane for this vehicle (src/core/gate/ticket-exit.ts) */
  validation?: string;
}

export const defaultMinPlateConfidence = 0.7;
const maxCredentialLength = 128;

type Presented = { plate: string | null; code: string | null; ticket: boolean };

export function decide(list: AllowList, input: GateInput, ctx: DecideContext): Decision {
  const presented = readPresented(input, ctx);
  if (typeof presented === 'string') return refuse(ctx.direction, presented, null);
  if (!ctx.armed) return refuse(ctx.direction, 'NO_VEHICLE', presented.plate);
  return ctx.direction === 'entry' ? decideEntry(list, presented, ctx.now) : decideExit(list, presented, ctx);
}

/** Validates the input at run time too: it came from hardware or a webhook, not from a type checker. */
function readPresented(input: GateInput, ctx: DecideContext): Presented | DecisionReason {
  if (!(ctx.now instanceof Date) || Number.isNaN(ctx.now.getTime())) return 'MALFORMED_INPUT';
  if (typeof input !== 'object' || input === null) return 'MALFORMED_INPUT';
  switch (input.kind) {
    case 'plate': {
      const plate = normalisePlate(input.plate);
      const c = input.confidence;
      if (!plate || typeof c !== 'number' || !(c >= 0 && c <= 1)) return 'MALFORMED_INPUT';
      if (c < (ctx.minPlateConfidence ?? defaultMinPlateConfidence)) return 'LOW_CONFIDENCE';
      return { plate, code: null, ticket: false };
    }
    case 'credential': {
      const code = typeof input.code === 'string' ? input.code.trim() : '';
      if (code.length === 0 || code.length > maxCredentialLength) return 'MALFORMED_INPUT';
      return { plate: null, code, ticket: false };
    }
    case 'button':
      if (input.button === 'ticket' && ctx.direction === 'entry') return { plate: null, code: null, ticket: true };
      return 'NOT_A_CREDENTIAL';
    case 'loop':
      return 'NOT_A_CREDENTIAL';
    default:
      return 'MALFORMED_INPUT';
  }
}

function decideEntry(list: AllowList, p: Presented, now: Date): Decision {
  if (p.ticket) return walkIn(list, null);
  let candidates: readonly AllowedReservation[];
  if (p.code !== null) {
    const byId = list.reservationById(p.code);
    candidates = byId ? [byId] : [];
  } else {
    candidates = list.reservationsForPlate(p.plate as string);
  }
  const plate = p.plate ?? candidates[0]?.plate ?? null;

  // Anti-passback first: a vehicle already inside never enters again, whatever it holds.
  const inside =
    (plate !== null && list.openVisitForPlate(plate)) ||
    candidates.some((r) => r.status === 'CHECKED_IN' || list.openVisitForReservation(r.reservationId));
  if (inside) return refuse('entry', 'ALREADY_INSIDE', plate);
  if (list.policy.lotState === 'closed_to_all') return refuse('entry', 'CLOSED', plate);

  // A booking valid now, then a permit: both are admitted when the lot is FULL or CLOSED to walk-ins.
  const booked = bookedNow(candidates, list, now);
  if (booked) return booked;
  const permits = p.plate !== null ? list.permitsForPlate(p.plate) : p.code !== null ? [list.permitById(p.code)].filter((x): x is AllowedPermit => x !== undefined) : [];
  if (permits.length > 0) {
    const byPermit = permitEntry(list, permits, plate ?? permits[0]!.plates[0] ?? null, now);
    // a permit out of its hours does not hide a booking that opens soon (TOO_EARLY says when)
    if (byPermit.allow || candidates.length === 0) return byPermit;
  }

  if (candidates.length === 0) {
    // Walk-ins are for vehicles with no booking here at all, and only by plate or ticket: an
    // unknown QR code is someone else's ticket or a typo, and fails closed.
    return p.plate !== null ? walkIn(list, p.plate) : refuse('entry', 'NO_BOOKING', null);
  }

  const t = now.getTime();
  let early: { r: AllowedReservation; opensAt: Date } | null = null;
  for (const r of candidates) {
    if (r.status !== 'CONFIRMED') continue;
    const opensAt = opensAtFor(list, r);
    if (t < opensAt.getTime() && (!early || opensAt < early.opensAt)) early = { r, opensAt };
  }
  if (!early) return refuse('entry', 'EXPIRED', plate);
  // before its entry opens: let in with a fee when the lot's policy says so, else the time it opens
  const fee = earlyEntryFeeAtGate(list, early.r, now, early.opensAt);
  if (fee !== null) {
    return {
      ...base('entry', early.r.plate),
      allow: true,
      reason: 'EARLY_ENTRY',
      sign: `${signText.welcome} ${early.r.spotLabel}`.slice(0, 16),
      reservationId: early.r.reservationId,
      spotLabel: early.r.spotLabel,
      ...(early.r.way ? { guidance: early.r.way } : {}),
      amountDueMinor: fee,
      opensAt: early.opensAt,
    };
  }
  return { ...refuse('entry', 'TOO_EARLY', plate), reservationId: early.r.reservationId, sign: opensSign(list, early.opensAt, now), opensAt: early.opensAt };
}

/** A confirmed booking whose entry is open now: [start - grace, end), the end exclusive as the period is half-open. */
function bookedNow(candidates: readonly AllowedReservation[], list: AllowList, now: Date): Decision | null {
  const t = now.getTime();
  for (const r of candidates) {
    if (r.status !== 'CONFIRMED') continue;
    if (t >= opensAtFor(list, r).getTime() && t < r.end.getTime()) {
      return {
        ...base('entry', r.plate),
        allow: true,
        reason: 'RESERVATION',
        sign: `${signText.welcome} ${r.spotLabel}`.slice(0, 16),
        reservationId: r.reservationId,
        spotLabel: r.spotLabel,
        ...(r.way ? { guidance: r.way } : {}),
      };
    }
  }
  return null;
}

const verdictOrder: readonly PermitVerdict[] = ['PERMIT', 'PERMIT_IN_USE', 'PERMIT_UNPAID', 'PERMIT_NOT_VALID_NOW', 'PERMIT_SUSPENDED'];

/** The first permit of the plate that admits it; else the most telling refusal among them. */
function permitEntry(list: AllowList, permits: readonly AllowedPermit[], plate: string | null, now: Date): Decision {
  const policy = list.policy.permits;
  if (!policy) return refuse('entry', 'NO_BOOKING', plate);
  let best: { p: AllowedPermit; v: PermitVerdict } | null = null;
  for (const p of permits) {
    const v = permitVerdict(p, now, policy, list.openVisitsForPermit(p.permitId));
    if (!best || verdictOrder.indexOf(v) < verdictOrder.indexOf(best.v)) best = { p, v };
    if (v === 'PERMIT') break;
  }
  const { p, v } = best!;
  if (v === 'PERMIT') return { ...base('entry', plate), allow: true, reason: 'PERMIT', sign: signText.welcome, permitId: p.permitId };
  return { ...refuse('entry', v, plate), permitId: p.permitId };
}

function walkIn(list: AllowList, plate: string | null): Decision {
  const { walkInsAllowed, freeSpots, lotState } = list.policy;
  if (lotState === 'closed' || lotState === 'closed_to_all') return refuse('entry', 'CLOSED', plate);
  if (!walkInsAllowed) return refuse('entry', 'NO_BOOKING', plate);
  if (!(freeSpots > 0)) return refuse('entry', 'FULL', plate);
  // a walk-in's type is not known at the lane: regular, the type most spots are
  const way = walkInWay(list.policy.freeByFloor, 'regular');
  return { ...base('entry', plate), allow: true, reason: 'WALK_IN', sign: signText.welcome, ...(way ? { guidance: way } : {}) };
}

function decideExit(list: AllowList, p: Presented, ctx: DecideContext): Decision {
  let visit = p.plate !== null ? list.openVisitForPlate(p.plate) : undefined;
  // a scanned paper ticket (its QR, or its number on a barcode)
  if (!visit && p.code !== null) visit = ticketOfCode(list, p.code);
  if (!visit && p.code !== null) {
    visit = list.openVisitForReservation(p.code);
    const r = visit ? undefined : list.reservationById(p.code);
    if (r) visit = list.openVisitForPlate(r.plate);
  }
  if (!visit) {
    // a permit car with no visit (its entry was never read: a barrier left up, a passback reset) is not
    // kept in: its permit is its right to be here
    const permit = p.plate !== null ? list.permitsForPlate(p.plate).find((x) => x.status === 'active') : undefined;
    if (permit) return { ...base('exit', p.plate), allow: true, reason: 'EXIT_PAID', sign: signText.goodbye, permitId: permit.permitId };
    return refuse('exit', 'NO_VISIT', p.plate);
  }
  if (visit.permitId) {
    // a permit's stay is paid by the permit; only what was already owed (none, usually) is due
    const owed = Math.max(0, Math.round(visit.amountDueMinor));
    const found = { ...base('exit', normalisePlate(visit.plate) ?? p.plate), visitId: visit.visitId, amountDueMinor: owed, permitId: visit.permitId };
    if (owed <= 0) return { ...found, allow: true, reason: 'EXIT_PAID', sign: signText.goodbye };
    if (ctx.override) return { ...found, allow: true, reason: 'EXIT_OVERRIDE', sign: signText.goodbye };
    return { ...found, allow: false, reason: 'PAYMENT_DUE', sign: signText.payAtKiosk };
  }

  if (visit.ticket && visit.reservationId === null) {
    // a ticket's stay: unpaid, priced now; paid, free until its grace ends (src/core/tickets/fee.ts)
    const t = ticketExitFee(list.policy, visit, ctx.now, ctx.validation);
    const found = {
      ...base('exit', normalisePlate(visit.plate) ?? p.plate), visitId: visit.visitId, amountDueMinor: t.dueMinor ?? 0, ...(t.validation ? { validation: t.validation } : {}),
    };
    if (t.dueMinor === 0) return { ...found, allow: true, reason: 'EXIT_PAID', sign: signText.goodbye };
    if (ctx.override) return { ...found, allow: true, reason: 'EXIT_OVERRIDE', sign: signText.goodbye };
    return { ...found, allow: false, reason: 'PAYMENT_DUE', sign: t.sign };
  }

  const { overstaySlotMinutes, ratePerHourMinor } = list.policy;
  const overstay = computeOverstay(visit.reservationEnd, ctx.now, overstaySlotMinutes, ratePerHourMinor);
  const extensionMinor = visit.reservationId ? Number(list.reservationById(visit.reservationId)?.extensionMinor ?? 0) : 0;
  const fee = walkInFee(list.policy, visit, ctx.now);
  const amountDueMinor = Math.max(0, Math.max(0, Math.round(visit.amountDueMinor)) + extensionMinor + (fee ?? 0) + overstay.amountMinor - (visit.validatedMinor ?? 0));
  const found = {
    ...base('exit', normalisePlate(visit.plate) ?? p.plate),
    reservationId: visit.reservationId,
    visitId: visit.visitId,
    amountDueMinor,
    overstayMinutes: overstay.overstayMinutes,
  };
  // a stay the lot's rules cannot price (fee null) is not free, and not a kiosk amount either
  if (fee !== null && amountDueMinor <= 0) return { ...found, allow: true, reason: 'EXIT_PAID', sign: signText.goodbye };
  if (ctx.override) return { ...found, allow: true, reason: 'EXIT_OVERRIDE', sign: signText.goodbye };
  return { ...found, allow: false, reason: 'PAYMENT_DUE', sign: fee === null ? signText.seeAttendant : signText.payAtKiosk };
}

function base(direction: GateDirection, plate: string | null): Omit<Decision, 'allow' | 'reason' | 'sign'> {
  return { direction, plate, reservationId: null, visitId: null, spotLabel: null, amountDueMinor: 0, overstayMinutes: 0 };
}

const refusalSign: Record<DecisionReason, string | null> = {
  RESERVATION: null,
  WALK_IN: null,
  EARLY_ENTRY: null,
  EXIT_PAID: null,
  EXIT_OVERRIDE: null,
  NO_VEHICLE: null,
  NOT_A_CREDENTIAL: null,
  LOW_CONFIDENCE: null,
  MALFORMED_INPUT: signText.seeAttendant,
  NO_BOOKING: signText.noBooking,
  TOO_EARLY: signText.tooEarly,
  EXPIRED: signText.seeAttendant,
  ALREADY_INSIDE: signText.seeAttendant,
  FULL: signText.full,
  NO_VISIT: signText.seeAttendant,
  PAYMENT_DUE: signText.payAtKiosk,
  PERMIT: null,
  PERMIT_NOT_VALID_NOW: signText.notValidNow,
  PERMIT_UNPAID: signText.seeAttendant,
  PERMIT_IN_USE: signText.permitInUse,
  PERMIT_SUSPENDED: signText.seeAttendant,
  CLOSED: signText.closed,
};

function refuse(direction: GateDirection, reason: DecisionReason, plate: string | null): Decision {
  return { ...base(direction, plate), allow: false, reason, sign: refusalSign[reason] };
}
