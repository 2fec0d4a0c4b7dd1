// Splits a window into priced segments: one per run of (local day, winning rule).
//
// Rounding (the one documented step for base charges): within a local day, let exact(t) be the exact charge
// sum(rate * ms) / 3_600_000 from the start of that day to instant t, and F(t) = exact(t) rounded half up to a
// whole minor unit. A segment [a, b) of that day costs F(b) - F(a). Segment amounts are integers, never
// negative, and telescope: a window priced whole costs exactly what its parts cost priced apart, wherever it is
// split (before the daily cap and free minutes, which are not additive by nature). A flat hour at 250/h always
// costs 250; a ten-minute part of it costs 41 or 42 depending on where it falls, never drifting over the day.
import { UsageError } from '../errors.js';
import { divideRoundHalfUp } from './money.js';
import { matchRule, type RuleBook } from './rule-match.js';
import type { VehicleType } from './vehicle-types.js';
import { isoWeekdayOfWallDay, localDateOfWallDay, msPerDay, msPerMinute, type ZoneClock } from './zone-clock.js';

const msPerHour = 3_600_000;
const minutesPerDay = 1440;

export interface QuoteSegment {
  from: Date;
  /** exclusive */
  to: Date;
  /** real elapsed minutes (fractional only when the window is not minute-aligned) */
  minutes: number;
  ratePerHourMinor: number;
  /** the rule that priced it (PricingRule.ruleId) */
  ruleId: number;
  /** before the daily cap and free minutes */
  amountMinor: number;
  /** YYYY-MM-DD in the lot's time zone */
  localDate: string;
}

export interface WindowSpec {
  book: RuleBook;
  clock: ZoneClock;
  vehicleType: VehicleType;
  startMs: number;
  endMs: number;
  /** for error messages */
  lotCode?: string | undefined;
}

function firstAbove(sorted: readonly number[], value: number, fallback: number): number {
  for (const candidate of sorted) if (candidate > value) return candidate;
  return fallback;
}

function noRuleError(spec: WindowSpec, atMs: number): UsageError {
  const lot = spec.lotCode ? `lot ${spec.lotCode}` : 'this lot';
  const local = new Date(atMs + spec.clock.offsetMs(atMs)).toISOString().slice(0, 16).replace('T', ' ');
  return new UsageError(
    `${lot} has no pricing rule for ${spec.vehicleType} at ${local} ${spec.clock.timeZone}: it cannot sell that window`,
    { hint: 'add a rate for this vehicle type and time to the pricing section of the lot file', code: 'no_pricing_rule' },
  );
}

/** Prices [startMs, endMs) segment by segment. Walks from the start of the first local day (see F above). */
export function priceSegments(spec: WindowSpec): QuoteSegment[] {
  const { book, clock, startMs, endMs } = spec;
  const segments: QuoteSegment[] = [];
  if (endMs <= startMs) return segments;
  const walkFromMs = clock.dayStartMs(clock.wallDay(startMs));
  let currentDay = Number.NaN;
  let localDate = '';
  /** exact charge since the start of currentDay, in minor units * ms per hour */
  let exactSinceDayStart = 0;
  let last: QuoteSegment | undefined;

  for (const span of clock.offsetSpans(walkFromMs, endMs)) {
    let cursor = span.fromMs;
    while (cursor < span.toMs) {
      const wallMs = cursor + span.offsetMs;
      const wallDay = Math.floor(wallMs / msPerDay);
      const minuteOfDay = (wallMs - wallDay * msPerDay) / msPerMinute;
      if (wallDay !== currentDay) {
        currentDay = wallDay;
        localDate = localDateOfWallDay(wallDay);
        exactSinceDayStart = 0;
      }
      const nextMinute = firstAbove(book.boundaryMinutes, minuteOfDay, minutesPerDay);
      let pieceEnd = Math.min(span.toMs, wallDay * msPerDay + nextMinute * msPerMinute - span.offsetMs);
      pieceEnd = Math.min(pieceEnd, firstAbove(book.validityEdgesMs, cursor, Number.POSITIVE_INFINITY));
      if (cursor < startMs) pieceEnd = Math.min(pieceEnd, startMs);

      const rule = matchRule(book, isoWeekdayOfWallDay(wallDay), minuteOfDay, cursor);
      const inWindow = cursor >= startMs;
      if (!rule && inWindow) throw noRuleError(spec, cursor);
      const rate = rule ? rule.ratePerHourMinor : 0;
      const before = divideRoundHalfUp(exactSinceDayStart, msPerHour);
      exactSinceDayStart += rate * (pieceEnd - cursor);
      if (inWindow && rule) {
        const amountMinor = divideRoundHalfUp(exactSinceDayStart, msPerHour) - before;
        if (last && last.ruleId === rule.ruleId && last.to.getTime() === cursor && last.localDate === localDate) {
          last.to = new Date(pieceEnd);
          last.minutes = (pieceEnd - last.from.getTime()) / msPerMinute;
          last.amountMinor += amountMinor;
        } else {
          last = {
            from: new Date(cursor),
            to: new Date(pieceEnd),
            minutes: (pieceEnd - cursor) / msPerMinute,
            ratePerHourMinor: rate,
            ruleId: rule.ruleId,
            amountMinor,
            localDate,
          };
          segments.push(last);
        }
      }
      cursor = pieceEnd;
    }
  }
  return segments;
}
