// What a walk-in owes at the exit gate: its stay priced by the lot's own rules, the same quote
// `visit depart` makes (src/core/visits.ts), from the prices the allow-list snapshot carries.
import { isVehicleType, quoteWindow } from '../pricing/index.js';
import type { GatePolicy, OpenVisit } from './allow-list.js';

/**
 * 0 for a booked visit, without prices in the snapshot (one saved before they were), or with no time
 * parked. null when the lot's rules do not price this stay (no rule for part of it, for this vehicle
 * type, or none valid any more): the attendant decides. Never throws: the gate must always answer.
 */
export function walkInFee(policy: GatePolicy, visit: OpenVisit, now: Date): number | null {
  const prices = policy.walkInPrices;
  if (visit.reservationId !== null || !prices || !(now.getTime() > visit.enteredAt.getTime())) return 0;
  const vehicleType = visit.vehicleType !== undefined && isVehicleType(visit.vehicleType) ? visit.vehicleType : 'regular';
  try {
    return quoteWindow(prices.pricing, { timeZone: prices.timeZone, vehicleType, start: visit.enteredAt, end: now, lotCode: policy.lotCode }).totalMinor;
  } catch {
    return null;
  }
}
