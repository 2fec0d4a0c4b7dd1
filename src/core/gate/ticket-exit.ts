// A paper ticket at the exit lane (issue 15): found by its scanned code, priced by the same rule as the
// desk (src/core/tickets/fee.ts) from the prices in the snapshot, with the amount due on the sign.
import { formatMinorAmount } from '../money-format.js';
import { isVehicleType, quoteWindow } from '../pricing/index.js';
import { ticketDue } from '../tickets/fee.js';
import { parseTicketCode } from '../tickets/ticket.js';
import type { AllowList, GatePolicy, OpenVisit } from './allow-list.js';
import { signText } from './decision.js';

/** The open visit a scanned code names as a ticket (its QR, or its number), if any. */
export function ticketOfCode(list: AllowList, code: string): OpenVisit | undefined {
  if (!list.openVisitForTicket) return undefined;
  const t = parseTicketCode(code);
  if (!t) return undefined;
  return (t.visitId ? list.openVisitForTicket(t.visitId) : undefined) ?? list.openVisitForTicket(t.number);
}

/** What a ticket's visit owes now (null: the lot's rules cannot price it) and what the sign says. */
export function ticketExitFee(policy: GatePolicy, visit: OpenVisit, now: Date): { dueMinor: number | null; sign: string } {
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
  const dueMinor = ticketDue({ enteredAt: visit.enteredAt, ...t }, now, price);
  if (dueMinor === null) return { dueMinor, sign: signText.seeAttendant };
  // "PAY 12.50 GBP": the driver sees what to pay (16 characters at most; a long amount says where)
  const sign = policy.currency ? `PAY ${formatMinorAmount(dueMinor, policy.currency)}` : signText.payAtKiosk;
  return { dueMinor, sign: sign.length <= 16 ? sign : signText.payAtKiosk };
}
