// What a gate decided, and the short texts lane displays show. Kept apart from decide.ts so the
// daemon, the journal and the dashboard can name reasons without pulling in the rules.

export type GateDirection = 'entry' | 'exit';

export const decisionReasons = [
  // entry, allowed
  'RESERVATION',
  'WALK_IN',
  /** a permit vehicle inside its permit's days and times, paid, with a place of its permit free */
  'PERMIT',
  /** a booked car before its entry opened, let in by the lot's policy; the fee is owed at the exit */
  'EARLY_ENTRY',
  // exit, allowed
  'EXIT_PAID',
  'EXIT_OVERRIDE',
  // refused
  'NO_VEHICLE',
  'MALFORMED_INPUT',
  'NOT_A_CREDENTIAL',
  'LOW_CONFIDENCE',
  'NO_BOOKING',
  'TOO_EARLY',
  'EXPIRED',
  'ALREADY_INSIDE',
  'FULL',
  'NO_VISIT',
  'PAYMENT_DUE',
  // permits (src/core/gate/permit-entry.ts)
  'PERMIT_NOT_VALID_NOW',
  'PERMIT_UNPAID',
  'PERMIT_IN_USE',
  'PERMIT_SUSPENDED',
  /** the lot is closed: to walk-ins (CLOSED), or to everyone (CLOSED-TO-ALL) */
  'CLOSED',
] as const;
export type DecisionReason = (typeof decisionReasons)[number];

/** Lane display texts: 16 characters at most, the width of the smallest sign we drive. */
export const signText = {
  welcome: 'WELCOME',
  goodbye: 'GOODBYE',
  noBooking: 'NO BOOKING',
  full: 'FULL',
  seeAttendant: 'SEE ATTENDANT',
  tooEarly: 'TOO EARLY',
  /** followed by the lot-time HH:mm entry opens, e.g. "OPENS 08:45"; "OPENS TUE 08:45" on another day */
  opens: 'OPENS',
  payAtKiosk: 'PAY AT KIOSK',
  notValidNow: 'NOT VALID NOW',
  permitInUse: 'PERMIT IN USE',
  closed: 'CLOSED',
} as const;

export interface Decision {
  direction: GateDirection;
  allow: boolean;
  reason: DecisionReason;
  /** what the lane display should show; null: leave it as it is (nothing for a driver to read) */
  sign: string | null;
  /** normalised plate the decision was about, when there was one */
  plate: string | null;
  reservationId: string | null;
  visitId: string | null;
  /** spot to show on entry */
  spotLabel: string | null;
  /** exit: what is owed now (visit balance + overstay); entry: an early entry's fee, owed at the exit; else 0 */
  amountDueMinor: number;
  /** TOO_EARLY and EARLY_ENTRY: when the booking's entry opens */
  opensAt?: Date;
  /** exit: billed overstay minutes (whole slots) */
  overstayMinutes: number;
  /** the permit that let the car in (entry), or whose visit leaves (exit) */
  permitId?: string | null;
  /** entry allowed: the way for the lane display, longer than `sign` ("Level 3 > zone B > L3-B-042"; a walk-in's nearest floor) */
  guidance?: string | null;
  /** exit: a validation scanned at the lane, and what it took off amountDueMinor (0: it could not apply) */
  validation?: { code: string; amountMinor: number; refused?: string };
}
