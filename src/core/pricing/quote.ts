// quoteWindow: the price of parking one vehicle over [start, end) in a lot.
//
// Steps, each rounded half up once, in integer minor units:
//   1. base: segments priced per local day (segments.ts documents the rounding);
//   2. daily maximum: each local calendar day's base is capped at the type's daily maximum (a day is a calendar
//      day in the lot's zone, 23 or 25 hours long on DST days; a window touching three days can pay three caps);
//   3. free minutes: a window no longer than freeMinutes costs 0; a longer one pays in full (grace, not deduction);
//   4. surcharge: subtotal * addPercent / 100 of the highest occupancy band strictly exceeded;
//   5. tax: (subtotal + surcharge) * taxRateBp / 10000.  total = subtotal + surcharge + tax.
import { UsageError } from '../errors.js';
import { applyBasisPoints, divideRoundHalfUp } from './money.js';
import { dailyMaxFor, type PricingPolicy, type SurchargeBand } from './policy.js';
import { ruleBookFor, type RuleBook } from './rule-match.js';
import { priceSegments, type QuoteSegment } from './segments.js';
import type { VehicleType } from './vehicle-types.js';
import { msPerMinute, ZoneClock } from './zone-clock.js';

export interface QuoteRequest {
  /** the lot's IANA time zone */
  timeZone: string;
  vehicleType: VehicleType;
  start: Date;
  /** exclusive */
  end: Date;
  /** occupied / capacity, 0..1 (above 1 when overbooked); omitted: no surcharge */
  occupancyRatio?: number;
  /** names the lot in errors */
  lotCode?: string;
}

export interface QuoteDay {
  /** YYYY-MM-DD in the lot's zone */
  localDate: string;
  /** base before the cap */
  amountMinor: number;
  /** after the cap */
  chargedMinor: number;
  capApplied: boolean;
}

export interface Quote {
  totalMinor: number;
  /** base after daily caps and free minutes; excludes surcharge and tax */
  subtotalMinor: number;
  surchargeMinor: number;
  /** the band applied, 0 when none */
  surchargePercent: number;
  taxMinor: number;
  capApplied: boolean;
  freeMinutesApplied: boolean;
  /** amounts before cap and free minutes; see `days` for the cap */
  segments: QuoteSegment[];
  days: QuoteDay[];
}

/** Rule books are per policy object and vehicle type: policies are immutable once parsed or loaded. */
const bookCache = new WeakMap<PricingPolicy, Map<VehicleType, RuleBook>>();

export function cachedRuleBook(policy: PricingPolicy, vehicleType: VehicleType): RuleBook {
  let byType = bookCache.get(policy);
  if (!byType) bookCache.set(policy, (byType = new Map()));
  let book = byType.get(vehicleType);
  if (!book) byType.set(vehicleType, (book = ruleBookFor(policy.rules, vehicleType)));
  return book;
}

export function validInstantMs(value: Date, name: string): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`${name} is not a valid time`);
  return ms;
}

/** The band applied at an occupancy: the highest threshold strictly exceeded. Compared in basis points. */
export function surchargeBandAt(bands: readonly SurchargeBand[], occupancyRatio: number | undefined): SurchargeBand | undefined {
  if (occupancyRatio === undefined) return undefined;
  if (!Number.isFinite(occupancyRatio) || occupancyRatio < 0) {
    throw new UsageError(`occupancy ratio must be a number >= 0, got ${occupancyRatio}`);
  }
  const occupancyBp = Math.round(occupancyRatio * 10_000);
  let applied: SurchargeBand | undefined;
  for (const band of bands) {
    if (occupancyBp > band.aboveOccupancyPercent * 100 && (!applied || band.aboveOccupancyPercent > applied.aboveOccupancyPercent)) {
      applied = band;
    }
  }
  return applied;
}

function capByDay(segments: readonly QuoteSegment[], capMinor: number | null): QuoteDay[] {
  const days: QuoteDay[] = [];
  for (const segment of segments) {
    let day = days[days.length - 1];
    if (!day || day.localDate !== segment.localDate) {
      day = { localDate: segment.localDate, amountMinor: 0, chargedMinor: 0, capApplied: false };
      days.push(day);
    }
    day.amountMinor += segment.amountMinor;
  }
  for (const day of days) {
    day.capApplied = capMinor !== null && day.amountMinor > capMinor;
    day.chargedMinor = day.capApplied && capMinor !== null ? capMinor : day.amountMinor;
  }
  return days;
}

export function quoteWindow(policy: PricingPolicy, q: QuoteRequest): Quote {
  const startMs = validInstantMs(q.start, 'start');
  const endMs = validInstantMs(q.end, 'end');
  if (endMs < startMs) throw new UsageError(`the window ends (${q.end.toISOString()}) before it starts (${q.start.toISOString()})`);
  const clock = ZoneClock.for(q.timeZone);
  const segments = priceSegments({
    book: cachedRuleBook(policy, q.vehicleType),
    clock,
    vehicleType: q.vehicleType,
    startMs,
    endMs,
    lotCode: q.lotCode,
  });
  const days = capByDay(segments, dailyMaxFor(policy, q.vehicleType));
  const freeMinutesApplied = policy.freeMinutes > 0 && endMs - startMs <= policy.freeMinutes * msPerMinute;
  const subtotalMinor = freeMinutesApplied ? 0 : days.reduce((sum, day) => sum + day.chargedMinor, 0);
  const band = surchargeBandAt(policy.surcharges, q.occupancyRatio);
  const surchargeMinor = band ? divideRoundHalfUp(subtotalMinor * band.addPercent, 100) : 0;
  const taxMinor = applyBasisPoints(subtotalMinor + surchargeMinor, policy.taxRateBp);
  return {
    totalMinor: subtotalMinor + surchargeMinor + taxMinor,
    subtotalMinor,
    surchargeMinor,
    surchargePercent: band ? band.addPercent : 0,
    taxMinor,
    capApplied: !freeMinutesApplied && days.some((day) => day.capApplied),
    freeMinutesApplied,
    segments,
    days,
  };
}
