// The entry gate and a booked car that comes before its entry opens (its start less the lot's early-entry
// grace): refused with the time it opens on the sign ("OPENS 08:45", lot time), or, when the lot's policy
// lets early cars in with a fee (src/core/lots/early-entry.ts), let in with that fee, the same price
// `visit arrive` makes, owed at the exit. Pure and never throwing, like the rest of the gate's decision.
import { DateTime } from 'luxon';
import { earlyEntryFee, entryOpensAt, feeAllowsEntry } from '../lots/early-entry.js';
import { isVehicleType } from '../pricing/index.js';
import type { AllowList, AllowedReservation } from './allow-list.js';
import { signText } from './decision.js';

/** When `r` opens, and whether a car at `now` is before that. */
export function opensAtFor(list: AllowList, r: AllowedReservation): Date {
  return entryOpensAt(r.start, list.policy.earlyEntryGraceMinutes);
}

/** "OPENS 08:45" (same lot day), "OPENS TUE 08:45" (another): 16 characters at most. */
export function opensSign(list: AllowList, opensAt: Date, now: Date): string {
  const zone = list.policy.walkInPrices?.timeZone ?? 'UTC';
  const t = DateTime.fromJSDate(opensAt, { zone });
  const sameDay = t.hasSame(DateTime.fromJSDate(now, { zone }), 'day');
  return `${signText.opens} ${t.toFormat(sameDay ? 'HH:mm' : 'ccc HH:mm').toUpperCase()}`.slice(0, 16);
}

/**
 * The fee that lets `r`'s car in at `now`, before `opensAt`; null when the lot's policy does not (refuse,
 * too long before, no free place for it, no prices in the snapshot, or rules that cannot price the time).
 */
export function earlyEntryFeeAtGate(list: AllowList, r: AllowedReservation, now: Date, opensAt: Date): number | null {
  const { earlyEntry, walkInPrices, freeSpots, overstaySlotMinutes, lotCode } = list.policy;
  if (!earlyEntry || !walkInPrices || !feeAllowsEntry(earlyEntry, now, opensAt)) return null;
  // before its window the booking holds no place yet: the car takes one like a walk-in would
  if (!(freeSpots > 0)) return null;
  try {
    return earlyEntryFee(walkInPrices.pricing, {
      timeZone: walkInPrices.timeZone, vehicleType: isVehicleType(r.vehicleType) ? r.vehicleType : 'regular', at: now, opensAt,
      slotMinutes: overstaySlotMinutes > 0 ? overstaySlotMinutes : 1, lotCode,
    }).amountMinor;
  } catch {
    return null;
  }
}
