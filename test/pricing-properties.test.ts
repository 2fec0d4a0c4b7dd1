// Properties of the pricing engine over random policies, zones (with 1-hour and 30-minute DST shifts) and windows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { overstayCharge, quoteWindow, vehicleTypes, type PricingPolicy, type VehicleType } from '../src/core/pricing/index.js';
import { parsePricing } from '../src/core/pricing/schema.js';

const zones = ['Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC', 'America/Sao_Paulo', 'Pacific/Chatham'];
const dayNames = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
const from2024 = Date.UTC(2024, 0, 1);
const to2027 = Date.UTC(2027, 0, 1);
const msPerDay = 86_400_000;

const extraRate = fc
  .record({
    type: fc.option(fc.constantFrom(...vehicleTypes), { nil: undefined }),
    days: fc.option(fc.uniqueArray(fc.constantFrom(...dayNames), { minLength: 1, maxLength: 7 }), { nil: undefined }),
    from: fc.integer({ min: 0, max: 1439 }),
    length: fc.integer({ min: 1, max: 1439 }),
    rate_per_hour_minor: fc.noBias(fc.integer({ min: 0, max: 5000 })),
    priority: fc.integer({ min: -2, max: 5 }),
    validFrom: fc.option(fc.integer({ min: from2024, max: to2027 }), { nil: undefined }),
  })
  .map(({ from, length, validFrom, ...rest }) => ({
    ...rest,
    from: hhmm(from),
    to: hhmm((from + length) % 1440 || 1440),
    ...(validFrom === undefined ? {} : { valid_from: new Date(validFrom).toISOString(), valid_until: new Date(validFrom + 40 * msPerDay).toISOString() }),
  }));

/** A policy that prices every instant: an all-day base rate plus random overlapping bands. */
const rates = fc.tuple(fc.noBias(fc.integer({ min: 0, max: 5000 })), fc.array(extraRate, { maxLength: 6 })).map(([base, extra]) => [{ rate_per_hour_minor: base }, ...extra]);

const settings = fc.record({
  daily_max_minor: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
  free_minutes: fc.integer({ min: 0, max: 60 }),
  tax_rate_bp: fc.integer({ min: 0, max: 3000 }),
  surcharges: fc.array(fc.record({ above_occupancy_percent: fc.integer({ min: 0, max: 99 }), add_percent: fc.integer({ min: 0, max: 100 }) }), { maxLength: 3 }),
});

const fullPolicy = fc.tuple(rates, settings).map(([r, s]) => parsePricing({ rates: r, ...s }));
/** No cap and no free minutes: the only non-additive steps. */
const additivePolicy = rates.map((r) => parsePricing({ rates: r }));

/**
 * Where to split a window, in millionths of it. Unbiased integers: fast-check favours extremes (a split at an end
 * is trivially additive) and fc.double is uniform over representations, so mostly tiny.
 */
const splitAt = fc.noBias(fc.integer({ min: 0, max: 1_000_000 }));
/** half biased (fast-check's edges: 2024-01-01 00:00 UTC, empty windows), half uniform */
const spread = (arb: fc.Arbitrary<number>) => fc.oneof(arb, fc.noBias(arb));
const instant = spread(fc.integer({ min: from2024, max: to2027 }));
/** ms; short windows half the time, where rounding bites hardest */
const duration = fc.oneof(spread(fc.integer({ min: 0, max: 3 * 3_600_000 })), spread(fc.integer({ min: 0, max: 10 * msPerDay })));
const zone = fc.constantFrom(...zones);
const vehicle = fc.constantFrom(...vehicleTypes);
/** occupied / capacity in basis points, as a ratio */
const occupancy = fc.option(fc.noBias(fc.integer({ min: 0, max: 12_000 })).map((bp) => bp / 10_000), { nil: undefined });

function quote(policy: PricingPolicy, timeZone: string, vehicleType: VehicleType, startMs: number, endMs: number, occupancyRatio?: number) {
  return quoteWindow(policy, { timeZone, vehicleType, start: new Date(startMs), end: new Date(endMs), ...(occupancyRatio === undefined ? {} : { occupancyRatio }) });
}

describe('pricing properties', () => {
  it('never charges a negative or fractional amount, and totals add up', () => {
    fc.assert(
      fc.property(fullPolicy, zone, vehicle, instant, duration, occupancy, (policy, tz, type, start, length, occ) => {
        const q = quote(policy, tz, type, start, start + length, occ);
        for (const amount of [q.totalMinor, q.subtotalMinor, q.taxMinor, q.surchargeMinor, ...q.segments.map((s) => s.amountMinor)]) {
          expect(Number.isSafeInteger(amount) && amount >= 0).toBe(true);
        }
        expect(q.totalMinor).toBe(q.subtotalMinor + q.surchargeMinor + q.taxMinor);
      }),
    );
  });

  it('never makes a longer window cheaper (extended at either end)', () => {
    fc.assert(
      fc.property(fullPolicy, zone, vehicle, instant, duration, duration, duration, occupancy, (policy, tz, type, start, length, extraEnd, extraStart, occ) => {
        const short = quote(policy, tz, type, start, start + length, occ).totalMinor;
        expect(quote(policy, tz, type, start, start + length + extraEnd, occ).totalMinor).toBeGreaterThanOrEqual(short);
        expect(quote(policy, tz, type, start - extraStart, start + length, occ).totalMinor).toBeGreaterThanOrEqual(short);
      }),
    );
  });

  it('holds the daily maximum on every local day', () => {
    fc.assert(
      fc.property(fullPolicy, zone, vehicle, instant, duration, (policy, tz, type, start, length) => {
        const cap = policy.dailyMaxMinor.byType[type] ?? policy.dailyMaxMinor.defaultMinor;
        const q = quote(policy, tz, type, start, start + length);
        if (cap === null) return;
        for (const day of q.days) expect(day.chargedMinor).toBeLessThanOrEqual(cap);
        expect(q.subtotalMinor).toBeLessThanOrEqual(cap * q.days.length);
        expect(new Set(q.days.map((day) => day.localDate)).size).toBe(q.days.length);
      }),
    );
  });

  it('prices a window whole as its two parts priced apart, split anywhere', () => {
    fc.assert(
      fc.property(additivePolicy, zone, vehicle, instant, duration, splitAt, (policy, tz, type, start, length, at) => {
        const end = start + length;
        const split = start + Math.floor((length * at) / 1_000_000);
        const whole = quote(policy, tz, type, start, end);
        const parts = [quote(policy, tz, type, start, split), quote(policy, tz, type, split, end)];
        expect(parts[0]!.subtotalMinor + parts[1]!.subtotalMinor).toBe(whole.subtotalMinor);
        expect(whole.segments.reduce((sum, s) => sum + s.amountMinor, 0)).toBe(whole.subtotalMinor);
      }),
      { numRuns: 200 },
    );
  });

  it('charges the real elapsed time at a flat rate, DST or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), zone, instant, duration, (rate, tz, start, length) => {
        const q = quote(parsePricing({ rates: [{ rate_per_hour_minor: rate }] }), tz, 'regular', start, start + length);
        const coveredMs = q.segments.reduce((sum, s) => sum + (s.to.getTime() - s.from.getTime()), 0);
        expect(coveredMs).toBe(length);
        // Rounding is at most half a minor unit at each end of each local day's part of the window.
        expect(Math.abs(q.subtotalMinor - (rate * length) / 3_600_000)).toBeLessThanOrEqual(q.days.length);
      }),
    );
  });

  it('bills overstay in whole slots that cover it, never cheaper for a later exit', () => {
    fc.assert(
      fc.property(fullPolicy, zone, vehicle, instant, fc.integer({ min: 0, max: msPerDay }), fc.integer({ min: 0, max: msPerDay }), fc.integer({ min: 1, max: 60 }),
        (policy, tz, type, end, late, later, slotMinutes) => {
          const charge = (ms: number) => overstayCharge(policy, { timeZone: tz, vehicleType: type, end: new Date(end), exitAt: new Date(end + ms), slotMinutes });
          const first = charge(late);
          expect(first.billedMinutes % slotMinutes).toBe(0);
          expect(first.billedMinutes).toBeGreaterThanOrEqual(first.overstayMinutes);
          expect(first.billedMinutes - first.overstayMinutes).toBeLessThan(slotMinutes);
          expect(first.overstayMinutes * 60_000).toBeGreaterThanOrEqual(late);
          expect(charge(late + later).amountMinor).toBeGreaterThanOrEqual(first.amountMinor);
        }),
    );
  });
});
