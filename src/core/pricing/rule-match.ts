// Which rule prices an instant. Precedence where rules overlap (documented for lot authors):
//   1. higher `priority`;
//   2. then the more specific rule: a rule for the vehicle type beats an all-types rule, fewer days beat more
//      days, a shorter band beats a longer one, a bounded validity beats an open one;
//   3. then file order (lower ruleId).
import type { IsoWeekday, PricingRule } from './policy.js';
import type { VehicleType } from './vehicle-types.js';

const minutesPerDay = 1440;

function bandLengthMinutes(rule: PricingRule): number {
  return rule.fromMinute < rule.toMinute ? rule.toMinute - rule.fromMinute : minutesPerDay - rule.fromMinute + rule.toMinute;
}

function validityBounds(rule: PricingRule): number {
  return (rule.validFrom ? 1 : 0) + (rule.validUntil ? 1 : 0);
}

/** Negative when a goes first. */
export function comparePrecedence(a: PricingRule, b: PricingRule): number {
  return (
    b.priority - a.priority ||
    (b.vehicleType ? 1 : 0) - (a.vehicleType ? 1 : 0) ||
    a.days.length - b.days.length ||
    bandLengthMinutes(a) - bandLengthMinutes(b) ||
    validityBounds(b) - validityBounds(a) ||
    a.ruleId - b.ruleId
  );
}

/** The rules that can price this vehicle type, best first, plus every instant-independent boundary. */
export interface RuleBook {
  rules: PricingRule[];
  /** sorted distinct wall-clock minutes (0 < m < 1440) where some rule starts or ends */
  boundaryMinutes: number[];
  /** sorted distinct instants (UTC ms) where some rule becomes valid or stops being valid */
  validityEdgesMs: number[];
}

export function ruleBookFor(rules: readonly PricingRule[], vehicleType: VehicleType): RuleBook {
  const applicable = rules.filter((rule) => rule.vehicleType === null || rule.vehicleType === vehicleType);
  applicable.sort(comparePrecedence);
  const minutes = new Set<number>();
  const edges = new Set<number>();
  for (const rule of applicable) {
    for (const m of [rule.fromMinute, rule.toMinute]) if (m > 0 && m < minutesPerDay) minutes.add(m);
    for (const d of [rule.validFrom, rule.validUntil]) if (d) edges.add(d.getTime());
  }
  return {
    rules: applicable,
    boundaryMinutes: [...minutes].sort((a, b) => a - b),
    validityEdgesMs: [...edges].sort((a, b) => a - b),
  };
}

function coversWallTime(rule: PricingRule, weekday: number, minuteOfDay: number): boolean {
  const days = rule.days as readonly number[];
  if (rule.fromMinute < rule.toMinute) {
    return minuteOfDay >= rule.fromMinute && minuteOfDay < rule.toMinute && days.includes(weekday);
  }
  // Across midnight: the evening part belongs to a listed day, the morning part to the day after one.
  if (minuteOfDay >= rule.fromMinute) return days.includes(weekday);
  if (minuteOfDay < rule.toMinute) return days.includes(weekday === 1 ? 7 : weekday - 1);
  return false;
}

/** The winning rule at a wall-clock time and instant, or undefined when none covers it. */
export function matchRule(
  book: RuleBook,
  weekday: IsoWeekday | number,
  minuteOfDay: number,
  instantMs: number,
): PricingRule | undefined {
  for (const rule of book.rules) {
    if (rule.validFrom && instantMs < rule.validFrom.getTime()) continue;
    if (rule.validUntil && instantMs >= rule.validUntil.getTime()) continue;
    if (coversWallTime(rule, weekday, minuteOfDay)) return rule;
  }
  return undefined;
}
