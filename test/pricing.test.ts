import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../src/core/errors.js';
import { overstayCharge, quoteWindow, type PricingPolicy, type VehicleType } from '../src/core/pricing/index.js';
import { parsePricing } from '../src/core/pricing/schema.js';

const london = 'Europe/London';
/** local wall time in London -> instant */
const at = (local: string, zone = london): Date => DateTime.fromISO(local, { zone }).toJSDate();

const lotPricing = {
  rates: [
    { type: 'regular', rate_per_hour_minor: 250 },
    { type: 'regular', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:00', to: '10:00', rate_per_hour_minor: 400, priority: 10 },
    { rate_per_hour_minor: 300 },
  ],
  daily_max_minor: { default: 3000, motorcycle: 1000 },
  free_minutes: 10,
  tax_rate_bp: 2000,
  surcharges: [{ above_occupancy_percent: 80, add_percent: 20 }, { above_occupancy_percent: 90, add_percent: 50 }],
};
const policy = parsePricing(lotPricing);

function quote(p: PricingPolicy, start: string, end: string, extra: { vehicleType?: VehicleType; occupancyRatio?: number; zone?: string } = {}) {
  const zone = extra.zone ?? london;
  return quoteWindow(p, {
    timeZone: zone,
    vehicleType: extra.vehicleType ?? 'regular',
    start: at(start, zone),
    end: at(end, zone),
    ...(extra.occupancyRatio === undefined ? {} : { occupancyRatio: extra.occupancyRatio }),
  });
}

/** A policy with only the given rates: no cap, no free minutes, no tax. */
const bare = (rates: unknown[], more: Record<string, unknown> = {}) => parsePricing({ rates, ...more });

describe('parsePricing', () => {
  it('normalises days, times, caps and bands', () => {
    expect(policy.rules[1]).toMatchObject({ ruleId: 2, vehicleType: 'regular', days: [1, 2, 3, 4, 5], fromMinute: 420, toMinute: 600, priority: 10 });
    expect(policy.rules[2]).toMatchObject({ vehicleType: null, days: [1, 2, 3, 4, 5, 6, 7], fromMinute: 0, toMinute: 1440 });
    expect(policy.dailyMaxMinor).toEqual({ defaultMinor: 3000, byType: { motorcycle: 1000 } });
    expect(policy.surcharges.map((band) => band.addPercent)).toEqual([20, 50]);
    expect(bare([{ days: 'weekend', rate_per_hour_minor: 1 }], { daily_max_minor: 500 }).dailyMaxMinor.defaultMinor).toBe(500);
  });

  it.each(['surface-lot.yaml', 'city-garage.yaml'])('accepts the pricing section of fixtures/%s', (file) => {
    const lotFile = parseYaml(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as { pricing: unknown };
    const parsed = parsePricing(lotFile.pricing);
    expect(parsed.rules.length).toBeGreaterThan(1);
    expect(parsed.taxRateBp).toBe(2000);
  });

  it.each([
    [{ rates: [{ rate_per_hour_minor: 1, from: '25:00' }] }, 'pricing.rates[0].from'],
    [{ rates: [{ rate_per_hour_minor: 1, from: '08:00', to: '08:00' }] }, 'pricing.rates[0].to'],
    [{ rates: [{ rate_per_hour_minor: -1 }] }, 'pricing.rates[0].rate_per_hour_minor'],
    [{ rates: [{ rate_per_hour_minor: 2.5 }] }, 'pricing.rates[0].rate_per_hour_minor'],
    [{ rates: [{ rate_per_hour_minor: 1, type: 'truck' }] }, 'pricing.rates[0].type'],
    [{ rates: [{ rate_per_hour_minor: 1, days: ['someday'] }] }, 'pricing.rates[0].days'],
    [{ rates: [{ rate_per_hour: 1 }] }, 'pricing.rates[0]'],
    [{ rates: [] }, 'pricing.rates'],
    [{ rates: [{ rate_per_hour_minor: 1 }], surcharges: [{ above_occupancy_percent: 120, add_percent: 5 }] }, 'pricing.surcharges[0].above_occupancy_percent'],
    [{ rates: [{ rate_per_hour_minor: 1, valid_from: '2025-01-01' }] }, 'pricing.rates[0].valid_from'],
  ])('rejects %j naming %s', (section, path) => {
    expect(() => parsePricing(section)).toThrow(UsageError);
    expect(() => parsePricing(section)).toThrow(path);
  });
});

describe('quoteWindow: bands and rules', () => {
  it('prices a flat hour and adds tax', () => {
    const q = quote(policy, '2025-06-04T12:00', '2025-06-04T13:00');
    expect(q).toMatchObject({ subtotalMinor: 250, taxMinor: 50, surchargeMinor: 0, totalMinor: 300, capApplied: false, freeMinutesApplied: false });
    expect(q.segments).toEqual([
      { from: at('2025-06-04T12:00'), to: at('2025-06-04T13:00'), minutes: 60, ratePerHourMinor: 250, ruleId: 1, amountMinor: 250, localDate: '2025-06-04' },
    ]);
  });

  it('uses the weekday peak band on a Monday but not on a Saturday', () => {
    expect(quote(policy, '2025-06-02T07:00', '2025-06-02T10:00').subtotalMinor).toBe(1200);
    expect(quote(policy, '2025-06-07T07:00', '2025-06-07T10:00').subtotalMinor).toBe(750);
  });

  it('cuts a window at a band boundary', () => {
    const q = quote(policy, '2025-06-02T09:30', '2025-06-02T10:30');
    expect(q.segments.map((s) => [s.ruleId, s.minutes, s.amountMinor])).toEqual([[2, 30, 200], [1, 30, 125]]);
    expect(q.subtotalMinor).toBe(325);
  });

  it('falls back to the all-types rule for a type without its own', () => {
    expect(quote(policy, '2025-06-04T12:00', '2025-06-04T13:00', { vehicleType: 'compact' }).subtotalMinor).toBe(300);
  });

  it('picks the highest priority, then the more specific rule', () => {
    const typedBeatsAll = bare([{ rate_per_hour_minor: 100 }, { type: 'ev', rate_per_hour_minor: 200 }]);
    expect(quote(typedBeatsAll, '2025-06-04T12:00', '2025-06-04T13:00', { vehicleType: 'ev' }).subtotalMinor).toBe(200);
    const priorityWins = bare([{ type: 'ev', rate_per_hour_minor: 200 }, { rate_per_hour_minor: 100, priority: 1 }]);
    expect(quote(priorityWins, '2025-06-04T12:00', '2025-06-04T13:00', { vehicleType: 'ev' }).subtotalMinor).toBe(100);
    const narrowerBand = bare([{ rate_per_hour_minor: 100 }, { from: '12:00', to: '13:00', rate_per_hour_minor: 700 }]);
    expect(quote(narrowerBand, '2025-06-04T11:00', '2025-06-04T13:00').subtotalMinor).toBe(800);
  });

  it('runs a band across midnight into the next day', () => {
    const night = bare([{ rate_per_hour_minor: 250 }, { days: ['fri'], from: '22:00', to: '06:00', rate_per_hour_minor: 100, priority: 5 }]);
    expect(quote(night, '2025-06-06T23:00', '2025-06-07T01:00').subtotalMinor).toBe(200); // Fri night into Sat
    expect(quote(night, '2025-06-07T03:00', '2025-06-07T07:00').subtotalMinor).toBe(3 * 100 + 250);
    expect(quote(night, '2025-06-05T23:00', '2025-06-06T01:00').subtotalMinor).toBe(500); // Thu night: not listed
  });

  it('honours validity dates, cutting at the instant a rule starts', () => {
    const summer = bare([{ rate_per_hour_minor: 250 }, { rate_per_hour_minor: 500, priority: 20, valid_from: '2025-06-01T00:00:00+01:00', valid_until: '2025-09-01T00:00:00+01:00' }]);
    const q = quote(summer, '2025-05-31T23:00', '2025-06-01T01:00');
    expect(q.segments.map((s) => s.amountMinor)).toEqual([250, 500]);
    expect(quote(summer, '2025-09-01T00:00', '2025-09-01T01:00').subtotalMinor).toBe(250); // valid_until is exclusive
  });

  it('throws a UsageError naming lot, type and time when no rule covers the window', () => {
    const motorcyclesOnly = bare([{ type: 'motorcycle', rate_per_hour_minor: 100 }]);
    const ask = () => quoteWindow(motorcyclesOnly, { timeZone: london, vehicleType: 'large', start: at('2025-06-04T12:00'), end: at('2025-06-04T13:00'), lotCode: 'MAIN' });
    expect(ask).toThrow(UsageError);
    expect(ask).toThrow(/lot MAIN has no pricing rule for large at 2025-06-04 12:00 Europe\/London/);
    const gap = bare([{ from: '08:00', to: '18:00', rate_per_hour_minor: 100 }]);
    expect(() => quote(gap, '2025-06-04T17:00', '2025-06-04T19:00')).toThrow(/at 2025-06-04 18:00/);
  });

  it('rejects an inverted window and an unknown time zone', () => {
    expect(() => quote(policy, '2025-06-04T13:00', '2025-06-04T12:00')).toThrow(UsageError);
    expect(() => quoteWindow(policy, { timeZone: 'Mars/Olympus', vehicleType: 'regular', start: new Date(0), end: new Date(1) })).toThrow(UsageError);
  });
});

describe('quoteWindow: money steps', () => {
  it('rounds tax half up once', () => {
    const taxed = (rate: number, bp: number) => quote(bare([{ rate_per_hour_minor: rate }], { tax_rate_bp: bp }), '2025-06-04T12:00', '2025-06-04T13:00');
    expect(taxed(333, 2000)).toMatchObject({ taxMinor: 67, totalMinor: 400 }); // 66.6
    expect(taxed(1, 5000)).toMatchObject({ taxMinor: 1, totalMinor: 2 }); // 0.5 -> 1
    expect(taxed(1, 4999)).toMatchObject({ taxMinor: 0, totalMinor: 1 });
  });

  it('adds the highest occupancy band strictly exceeded, taxed with the subtotal', () => {
    const at80 = quote(policy, '2025-06-04T12:00', '2025-06-04T13:00', { occupancyRatio: 0.8 });
    expect(at80).toMatchObject({ surchargeMinor: 0, surchargePercent: 0, totalMinor: 300 });
    const at81 = quote(policy, '2025-06-04T12:00', '2025-06-04T13:00', { occupancyRatio: 0.81 });
    expect(at81).toMatchObject({ surchargeMinor: 50, surchargePercent: 20, taxMinor: 60, totalMinor: 360 });
    const at95 = quote(policy, '2025-06-04T12:00', '2025-06-04T13:00', { occupancyRatio: 0.95 });
    expect(at95).toMatchObject({ surchargeMinor: 125, surchargePercent: 50, totalMinor: 450 });
    const seventy = bare([{ rate_per_hour_minor: 100 }], { surcharges: [{ above_occupancy_percent: 70, add_percent: 10 }] });
    expect(quote(seventy, '2025-06-04T12:00', '2025-06-04T13:00', { occupancyRatio: 0.7 }).surchargeMinor).toBe(0); // 0.7*100 is 70.00000000000001
  });

  it('caps each local calendar day separately', () => {
    // Wed 20:00 -> Thu 20:00: Wed 4 h = 1000; Thu 7*250 + 3*400 + 10*250 = 5450, capped at 3000.
    const q = quote(policy, '2025-06-04T20:00', '2025-06-05T20:00');
    expect(q.days).toEqual([
      { localDate: '2025-06-04', amountMinor: 1000, chargedMinor: 1000, capApplied: false },
      { localDate: '2025-06-05', amountMinor: 5450, chargedMinor: 3000, capApplied: true },
    ]);
    expect(q).toMatchObject({ subtotalMinor: 4000, capApplied: true, taxMinor: 800, totalMinor: 4800 });
    expect(quote(policy, '2025-06-04T00:00', '2025-06-07T00:00', { vehicleType: 'motorcycle' }).subtotalMinor).toBe(3000);
  });

  it('makes a window within the free minutes cost nothing and charges a longer one in full', () => {
    const free = quote(policy, '2025-06-04T12:00', '2025-06-04T12:10');
    expect(free).toMatchObject({ totalMinor: 0, subtotalMinor: 0, freeMinutesApplied: true });
    const paid = quote(policy, '2025-06-04T12:00', '2025-06-04T12:11');
    expect(paid).toMatchObject({ subtotalMinor: 46, freeMinutesApplied: false }); // 11 * 250 / 60 = 45.8
  });
});

describe('quoteWindow: daylight saving in Europe/London', () => {
  const flat = bare([{ rate_per_hour_minor: 250 }]);
  const withNightBand = bare([{ rate_per_hour_minor: 250 }, { from: '01:00', to: '02:00', rate_per_hour_minor: 1000 }]);

  it('charges 23 hours for the spring-forward day', () => {
    const q = quote(flat, '2025-03-30T00:00', '2025-03-31T00:00');
    expect(q.segments.reduce((sum, s) => sum + s.minutes, 0)).toBe(23 * 60);
    expect(q.subtotalMinor).toBe(23 * 250);
    // 01:00-02:00 never happens that night, so its band charges nothing.
    expect(quote(withNightBand, '2025-03-30T00:00', '2025-03-31T00:00').subtotalMinor).toBe(23 * 250);
  });

  it('charges 25 hours for the fall-back day, the repeated hour twice at its band', () => {
    const q = quote(flat, '2025-10-26T00:00', '2025-10-27T00:00');
    expect(q.segments.reduce((sum, s) => sum + s.minutes, 0)).toBe(25 * 60);
    expect(q.subtotalMinor).toBe(25 * 250);
    const banded = quote(withNightBand, '2025-10-26T00:00', '2025-10-27T00:00');
    // 01:00-02:00 BST then 01:00-02:00 GMT: one contiguous run of the band, two real hours.
    expect(banded.segments.filter((s) => s.ruleId === 2).map((s) => [s.from.toISOString(), s.minutes])).toEqual([['2025-10-26T00:00:00.000Z', 120]]);
    expect(banded.subtotalMinor).toBe(2 * 1000 + 23 * 250);
  });

  it('charges the real elapsed time across the change, not the wall-clock difference', () => {
    // 00:30 -> 03:30 local on spring-forward day: 2 real hours; on fall-back day: 4 real hours.
    expect(quote(flat, '2025-03-30T00:30', '2025-03-30T03:30').subtotalMinor).toBe(500);
    const start = at('2025-10-26T00:30');
    const end = new Date(start.getTime() + 4 * 3_600_000);
    expect(quoteWindow(flat, { timeZone: london, vehicleType: 'regular', start, end }).subtotalMinor).toBe(1000);
  });
});

describe('overstayCharge', () => {
  const flat = bare([{ rate_per_hour_minor: 240 }], { tax_rate_bp: 2000, daily_max_minor: 100, free_minutes: 30 });
  const end = at('2025-06-04T12:00');
  const exitAfter = (ms: number) => overstayCharge(flat, { timeZone: london, vehicleType: 'regular', end, exitAt: new Date(end.getTime() + ms), slotMinutes: 15 });

  it.each([
    [60_000, 1, 15],
    [15 * 60_000, 15, 15],
    [16 * 60_000, 16, 30],
    [15 * 60_000 + 1_000, 16, 30],
  ])('rounds %i ms past the end (%i min) up to %i billed minutes', (ms, overstayMinutes, billedMinutes) => {
    expect(exitAfter(ms)).toMatchObject({ overstayMinutes, billedMinutes });
  });

  it('prices the billed slots at the hourly rate plus tax, without free minutes or daily cap', () => {
    expect(exitAfter(16 * 60_000).amountMinor).toBe(120 + 24); // 30 min at 240/h, +20 %
    expect(exitAfter(3 * 3_600_000).amountMinor).toBe(720 + 144);
  });

  it('charges nothing for leaving on time or early', () => {
    expect(exitAfter(0)).toEqual({ overstayMinutes: 0, billedMinutes: 0, amountMinor: 0 });
    expect(exitAfter(-60_000)).toEqual({ overstayMinutes: 0, billedMinutes: 0, amountMinor: 0 });
  });
});
