// A booked car that comes before its entry opens (its start less the lot's early_entry_grace_minutes).
// By default it is refused with the time entry opens; a lot may instead let it in with a fee (lot file:
//   policy:
//     early_entry: { mode: fee, max_minutes: 120 }
// ), as commercial car parks do: the time from arrival to the opening is priced with the lot's rates the
// way an overstay is (overstayCharge: rounded up to the overstay slot, bands, tax; no free minutes, no
// daily maximum) and owed at the exit with the rest (visit depart, the exit gate). An attendant can let an
// early car in whatever the policy (`visit arrive --early --reason`): audited with who and why, same fee.
// The grace itself stays free: only minutes before the opening are charged, so coming one minute
// earlier never costs more than one more minute.
import { DateTime } from 'luxon';
import { intIn, objectWith, orDefault, readOrNull, StoredValueError } from '../json/read.js';
import { overstayCharge, type PricingPolicy } from '../pricing/index.js';
import type { VehicleType } from '../pricing/vehicle-types.js';

export interface EarlyEntryPolicy {
  mode: 'refuse' | 'fee';
  maxMinutes: number;
}

export const refuseEarly: EarlyEntryPolicy = { mode: 'refuse', maxMinutes: 0 };

/**
 * The lot's early-entry policy from `lots.policy` as stored; anything unreadable refuses (fails closed).
 * lots/policy-schemas.ts's earlyEntrySchema, read without zod.
 */
export function earlyEntryPolicy(policy: Record<string, unknown> | null | undefined): EarlyEntryPolicy {
  const section = policy?.early_entry;
  if (section === undefined) return refuseEarly;
  return readOrNull((): EarlyEntryPolicy => {
    const e = objectWith(section, ['mode', 'max_minutes'], 'early_entry');
    const mode = orDefault(e.mode, 'refuse' as const, (v) => {
      if (v !== 'refuse' && v !== 'fee') throw new StoredValueError('early_entry.mode', 'expected refuse or fee');
      return v;
    });
    return { mode, maxMinutes: orDefault(e.max_minutes, 240, (v) => intIn(v, 1, 1440, 'early_entry.max_minutes')) };
  }) ?? refuseEarly;
}

/** When a booking starting at `start` may come in. */
export function entryOpensAt(start: Date, earlyEntryGraceMinutes: number): Date {
  return new Date(start.getTime() - Math.max(0, earlyEntryGraceMinutes) * 60_000);
}

/** Whether the policy lets a car arriving at `at` in before `opensAt` with a fee. */
export function feeAllowsEntry(policy: EarlyEntryPolicy, at: Date, opensAt: Date): boolean {
  return policy.mode === 'fee' && opensAt.getTime() - at.getTime() <= policy.maxMinutes * 60_000;
}

export interface EarlyFee {
  /** whole minutes from arrival to the opening, a started minute counting as one */
  earlyMinutes: number;
  /** tax included, minor units */
  amountMinor: number;
}

/** The early time [at, opensAt) priced as an overstay of that length starting at arrival. Throws when the rules cannot price it. */
export function earlyEntryFee(
  pricing: PricingPolicy,
  q: { timeZone: string; vehicleType: VehicleType; at: Date; opensAt: Date; slotMinutes: number; lotCode?: string },
): EarlyFee {
  const charge = overstayCharge(pricing, {
    timeZone: q.timeZone, vehicleType: q.vehicleType, end: q.at, exitAt: q.opensAt, slotMinutes: q.slotMinutes, lotCode: q.lotCode,
  });
  return { earlyMinutes: charge.overstayMinutes, amountMinor: charge.amountMinor };
}

/** "08:45" on the same local day as `now`, else "Tue 12 May 08:45", in the lot's zone. */
export function localTimeText(at: Date, timeZone: string, now: Date): string {
  const t = DateTime.fromJSDate(at, { zone: timeZone });
  const sameDay = t.hasSame(DateTime.fromJSDate(now, { zone: timeZone }), 'day');
  return t.toFormat(sameDay ? 'HH:mm' : 'ccc d LLL HH:mm');
}
