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
import { normalisePlate } from './plate.js';
import type { GateInput } from './ports.js';
import { walkInFee } from './walk-in-fee.js';

export interface DecideContext {
  direction: GateDirection;
  now: Date;
  /** a vehicle is on the arming loop */
  armed: boolean;
  /** plate reads below this confidence never open (default 0.7); a QR scan or attendant can */
  minPlateConfidence?: number;
  /** attendant override: opens an exit despite an amount due (journalled by the daemon with who and why) */
  override?: { by: string; reason: string };
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
    // [start - grace, end): the end is exclusive, as the reservation period is half-open.
    if (t >= opensAt.getTime() && t < r.end.getTime()) {
      return {
        ...base('entry', r.plate),
        allow: true,
        reason: 'RESERVATION',
        sign: `${signText.welcome} ${r.spotLabel}`.slice(0, 16),
        reservationId: r.reservationId,
        spotLabel: r.spotLabel,
      };
    }
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
      amountDueMinor: fee,
      opensAt: early.opensAt,
    };
  }
  return { ...refuse('entry', 'TOO_EARLY', plate), reservationId: early.r.reservationId, sign: opensSign(list, early.opensAt, now), opensAt: early.opensAt };
}

function walkIn(list: AllowList, plate: string | null): Decision {
  const { walkInsAllowed, freeSpots } = list.policy;
  if (!walkInsAllowed) return refuse('entry', 'NO_BOOKING', plate);
  if (!(freeSpots > 0)) return refuse('entry', 'FULL', plate);
  return { ...base('entry', plate), allow: true, reason: 'WALK_IN', sign: signText.welcome };
}

function decideExit(list: AllowList, p: Presented, ctx: DecideContext): Decision {
  let visit = p.plate !== null ? list.openVisitForPlate(p.plate) : undefined;
  if (!visit && p.code !== null) {
    visit = list.openVisitForReservation(p.code);
    const r = visit ? undefined : list.reservationById(p.code);
    if (r) visit = list.openVisitForPlate(r.plate);
  }
  if (!visit) return refuse('exit', 'NO_VISIT', p.plate);

  const { overstaySlotMinutes, ratePerHourMinor } = list.policy;
  const overstay = computeOverstay(visit.reservationEnd, ctx.now, overstaySlotMinutes, ratePerHourMinor);
  const extensionMinor = visit.reservationId ? Number(list.reservationById(visit.reservationId)?.extensionMinor ?? 0) : 0;
  const fee = walkInFee(list.policy, visit, ctx.now);
  const amountDueMinor = Math.max(0, Math.round(visit.amountDueMinor)) + extensionMinor + (fee ?? 0) + overstay.amountMinor;
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
};

function refuse(direction: GateDirection, reason: DecisionReason, plate: string | null): Decision {
  return { ...base(direction, plate), allow: false, reason, sign: refusalSign[reason] };
}
