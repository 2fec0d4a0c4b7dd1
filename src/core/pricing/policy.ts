// The normalised pricing policy of one lot: what parsePricing returns and loadPricing rebuilds from
// `pricing_rules` + `lots.pricing`. Every amount is integer minor units of the lot's currency.
import type { VehicleType } from './vehicle-types.js';

/** ISO weekday in the lot's time zone: 1 = Monday .. 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const allWeekdays: readonly IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];

/**
 * One rate band. It applies at an instant when the vehicle type matches (null: every type), the instant lies in
 * [validFrom, validUntil), and the local wall-clock time lies in the band:
 * - fromMinute < toMinute: on a listed day, fromMinute <= minute-of-day < toMinute;
 * - fromMinute > toMinute (a band across midnight, e.g. 22:00-06:00): it starts on a listed day at fromMinute and
 *   runs into the next day until toMinute, so Friday 22:00-06:00 also covers Saturday 00:00-06:00.
 */
export interface PricingRule {
  /** position in the lot file, 1-based; also the primary key in `pricing_rules` and the last tie-breaker */
  ruleId: number;
  /** null: every vehicle type */
  vehicleType: VehicleType | null;
  /** sorted, distinct */
  days: IsoWeekday[];
  /** minutes after local midnight, 0..1439 */
  fromMinute: number;
  /** minutes after local midnight, 1..1440 (1440 = end of day) */
  toMinute: number;
  ratePerHourMinor: number;
  /** higher wins where rules overlap */
  priority: number;
  /** inclusive; null: since always */
  validFrom: Date | null;
  /** exclusive; null: for ever */
  validUntil: Date | null;
}

/** Applies when occupancy is strictly above the threshold; of several, the highest threshold exceeded wins. */
export interface SurchargeBand {
  aboveOccupancyPercent: number;
  addPercent: number;
}

export interface DailyMaximum {
  /** cap for types without their own; null: no cap */
  defaultMinor: number | null;
  byType: Partial<Record<VehicleType, number>>;
}

export interface PricingPolicy {
  rules: PricingRule[];
  dailyMaxMinor: DailyMaximum;
  /** a window no longer than this costs nothing; a longer one pays in full (a grace period, not a deduction) */
  freeMinutes: number;
  /** tax added on top of subtotal + surcharge, in basis points: 2000 = 20.00 % */
  taxRateBp: number;
  /** sorted by threshold, ascending */
  surcharges: SurchargeBand[];
  /** EV charging (issue 16); absent: charging is free */
  ev?: EvPricing;
}

export interface EvPricing {
  energyPerKwhMinor: number;
  /** charged per started minute once the car stopped charging and stays plugged in past the grace */
  idlePerHourMinor: number;
  idleGraceMinutes: number;
}

export function dailyMaxFor(policy: PricingPolicy, vehicleType: VehicleType): number | null {
  return policy.dailyMaxMinor.byType[vehicleType] ?? policy.dailyMaxMinor.defaultMinor;
}
