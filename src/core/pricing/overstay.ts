// Overstay at exit: the time past the reservation's end, rounded up to the lot's slot (15 minutes by default:
// 1 -> 15, 15 -> 15, 16 -> 30), priced by the same rules as a booking over [end, end + billed) so bands and
// DST apply. No free minutes and no daily maximum (overstay is not a booking), no occupancy surcharge;
// tax is added as for a booking, so amountMinor is what the driver pays.
import { UsageError } from '../errors.js';
import { applyBasisPoints } from './money.js';
import type { PricingPolicy } from './policy.js';
import { cachedRuleBook, validInstantMs } from './quote.js';
import { priceSegments } from './segments.js';
import type { VehicleType } from './vehicle-types.js';
import { msPerMinute, ZoneClock } from './zone-clock.js';

export interface OverstayRequest {
  timeZone: string;
  vehicleType: VehicleType;
  /** the reservation's end */
  end: Date;
  exitAt: Date;
  /** lots.overstay_slot_minutes */
  slotMinutes: number;
  lotCode?: string;
}

export interface OverstayCharge {
  /** whole minutes past the end, a started minute counting as one */
  overstayMinutes: number;
  /** overstayMinutes rounded up to a multiple of slotMinutes */
  billedMinutes: number;
  /** tax included */
  amountMinor: number;
}

export function overstayCharge(policy: PricingPolicy, q: OverstayRequest): OverstayCharge {
  const endMs = validInstantMs(q.end, 'end');
  const exitMs = validInstantMs(q.exitAt, 'exitAt');
  if (!Number.isSafeInteger(q.slotMinutes) || q.slotMinutes <= 0) {
    throw new UsageError(`overstay slot must be a whole number of minutes > 0, got ${q.slotMinutes}`);
  }
  if (exitMs <= endMs) return { overstayMinutes: 0, billedMinutes: 0, amountMinor: 0 };
  const overstayMinutes = Math.ceil((exitMs - endMs) / msPerMinute);
  const billedMinutes = Math.ceil(overstayMinutes / q.slotMinutes) * q.slotMinutes;
  const segments = priceSegments({
    book: cachedRuleBook(policy, q.vehicleType),
    clock: ZoneClock.for(q.timeZone),
    vehicleType: q.vehicleType,
    startMs: endMs,
    endMs: endMs + billedMinutes * msPerMinute,
    lotCode: q.lotCode,
  });
  const baseMinor = segments.reduce((sum, segment) => sum + segment.amountMinor, 0);
  return { overstayMinutes, billedMinutes, amountMinor: baseMinor + applyBasisPoints(baseMinor, policy.taxRateBp) };
}
