// A paper ticket at the exit lane (issue 15): found by its scanned code, priced by the same rule as the
// desk (src/core/tickets/fee.ts) from the prices in the snapshot, with the amount due on the sign. A
// validator's code scanned at the lane comes off it offline, judged from the snapshot (limit, balance);
// the database applies it when the exit is synced, or keeps the amount visibly due if it refuses.
import { formatMinorAmount } from '../money-format.js';
import { isVehicleType, quoteWindow } from '../pricing/index.js';
import { ticketCharge } from '../tickets/fee.js';
import { parseTicketCode } from '../tickets/ticket.js';
import { validationAmount } from '../validations/amount.js';
import type { AllowList, GatePolicy, OpenVisit } from './allow-list.js';
import { signText } from './decision.js';

/** The open visit a scanned code names as a ticket (its QR, or its number), if any. */
export function ticketOfCode(list: AllowList, code: string): OpenVisit | undefined {
  if (!list.openVisitForTicket) return undefined;
  const t = parseTicketCode(code);
  if (!t) return undefined;
  return (t.visitId ? list.openVisitForTicket(t.visitId) : undefined) ?? list.openVisitForTicket(t.number);
}

export interface TicketExitFee {
  /** null: the lot's rules cannot price it */
  dueMinor: number | null;
  sign: string;
  validation?: { code: string; amountMinor: number; refused?: string };
}

/** What a ticket's visit owes now, less a validation scanned at the lane, and what the sign says. */
export function ticketExitFee(policy: GatePolicy, visit: OpenVisit, now: Date, validationCode?: string): TicketExitFee {
  const prices = policy.walkInPrices;
  const vehicleType = visit.vehicleType !== undefined && isVehicleType(visit.vehicleType) ? visit.vehicleType : 'regular';
  const price = (start: Date, end: Date): number | null => {
    if (!prices) return null;
    try {
      return quoteWindow(prices.pricing, { timeZone: prices.timeZone, vehicleType, start, end, lotCode: policy.lotCode }).totalMinor;
    } catch {
      return null;
    }
  };
  const t = visit.ticket!;
  const charge = ticketCharge({ enteredAt: visit.enteredAt, ...t }, now, price);
  if (charge === null) return { dueMinor: null, sign: signText.seeAttendant };
  let dueMinor = Math.max(0, charge - t.creditsMinor);
  let validation: TicketExitFee['validation'];
  if (validationCode !== undefined) {
    validation = laneValidation(policy, validationCode, charge, dueMinor, (h) => price(visit.enteredAt, new Date(Math.min(now.getTime(), visit.enteredAt.getTime() + h * 3_600_000))));
    dueMinor -= validation.amountMinor;
  }
  // anything else the visit owes (EV charging, issue 16): a ticket's own money nets to zero on the visit
  dueMinor += Math.max(0, Math.round(visit.amountDueMinor));
  // "PAY 12.50 GBP": the driver sees what to pay (16 characters at most; a long amount says where)
  const sign = policy.currency ? `PAY ${formatMinorAmount(dueMinor, policy.currency)}` : signText.payAtKiosk;
  return { dueMinor, sign: sign.length <= 16 ? sign : signText.payAtKiosk, ...(validation ? { validation } : {}) };
}

function laneValidation(policy: GatePolicy, code: string, chargeMinor: number, dueMinor: number, freeHours: (h: number) => number | null): NonNullable<TicketExitFee['validation']> {
  const v = policy.validators?.[code];
  if (!v) return { code, amountMinor: 0, refused: 'unknown_validator' };
  if (v.dailyLimit !== null && v.usesToday >= v.dailyLimit) return { code, amountMinor: 0, refused: 'daily_limit' };
  const amountMinor = validationAmount(v, chargeMinor, dueMinor, freeHours);
  if (v.balanceMinor !== null && v.balanceMinor < amountMinor) return { code, amountMinor: 0, refused: 'balance_short' };
  return { code, amountMinor };
}
