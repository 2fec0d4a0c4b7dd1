// The `pricing:` section of a lot file (YAML or JSON), validated with zod and normalised to a PricingPolicy.
// Human-friendly on purpose: day names, "HH:MM" times, a daily maximum as one number or per type.
//
//   pricing:
//     rates:
//       - { type: regular, rate_per_hour_minor: 250 }                      # every day, all day
//       - { type: regular, days: weekdays, from: "07:00", to: "10:00", rate_per_hour_minor: 400, priority: 10 }
//       - { days: [fri, sat], from: "22:00", to: "06:00", rate_per_hour_minor: 150 }   # across midnight
//       - { rate_per_hour_minor: 300 }                                      # no type: every vehicle type
//     daily_max_minor: { default: 3000, motorcycle: 1000 }                 # or one number for all types
//     free_minutes: 10
//     tax_rate_bp: 2000                                                    # 20.00 %
//     surcharges: [{ above_occupancy_percent: 80, add_percent: 20 }, { above_occupancy_percent: 90, add_percent: 50 }]
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { allWeekdays, type IsoWeekday, type PricingPolicy, type PricingRule } from './policy.js';
import { maxRatePerHourMinor, settingsToPolicy, type PricingSettings } from './settings.js';
import { vehicleTypes } from './vehicle-types.js';

// Reading what is stored needs no zod (settings.ts); these stay importable from here.
export { maxRatePerHourMinor, policyToSettingsJson, settingsToPolicy, type PricingSettingsJson } from './settings.js';

const dayNames = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const dayGroups: Record<string, readonly IsoWeekday[]> = { all: allWeekdays, weekdays: [1, 2, 3, 4, 5], weekend: [6, 7] };

const wallTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a time "HH:MM" from 00:00 to 24:00')
  .transform((text) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5)));

const daysField = z.union([
  z.enum(['all', 'weekdays', 'weekend']).transform((group) => [...(dayGroups[group] ?? allWeekdays)]),
  z
    .array(z.enum(dayNames))
    .min(1, 'list at least one day')
    .transform((names) => [...new Set(names.map((name) => (dayNames.indexOf(name) + 1) as IsoWeekday))].sort((a, b) => a - b)),
]);

const instant = z.iso.datetime({ offset: true, message: 'expected an ISO date-time with offset, e.g. 2025-01-01T00:00:00+01:00' });
const minorAmount = z.int().min(0);

export const rateSchema = z
  .strictObject({
    type: z.enum(vehicleTypes).optional(),
    days: daysField.optional(),
    from: wallTime.optional(),
    to: wallTime.optional(),
    rate_per_hour_minor: minorAmount.max(maxRatePerHourMinor),
    priority: z.int().default(0),
    valid_from: instant.optional(),
    valid_until: instant.optional(),
  })
  .superRefine((rate, ctx) => {
    const from = rate.from ?? 0;
    const to = rate.to ?? 1440;
    if (from === to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'from and to are equal: the band is empty' });
    if (from === 1440) ctx.addIssue({ code: 'custom', path: ['from'], message: 'a band cannot start at 24:00' });
    if (rate.valid_from && rate.valid_until && Date.parse(rate.valid_from) >= Date.parse(rate.valid_until)) {
      ctx.addIssue({ code: 'custom', path: ['valid_until'], message: 'valid_until must be after valid_from' });
    }
  });

const dailyMaxSchema = z.union([
  minorAmount.transform((amount) => ({ default: amount })),
  z.strictObject({ default: minorAmount.optional(), ...Object.fromEntries(vehicleTypes.map((t) => [t, minorAmount.optional()])) }),
]);

const surchargeSchema = z.strictObject({
  above_occupancy_percent: z.number().min(0).max(100),
  add_percent: z.int().min(0).max(1000),
});

/** EV charging (issue 16): energy per kWh, and an idle fee per hour once the car stops charging but stays plugged in. */
const evPricingSchema = z.strictObject({
  energy_per_kwh_minor: minorAmount.max(1_000_000),
  idle_per_hour_minor: minorAmount.max(maxRatePerHourMinor).default(0),
  idle_grace_minutes: z.int().min(0).max(1440).default(0),
});

/** Everything but the rates: what `lots.pricing` (jsonb) stores. */
export const pricingSettingsSchema = z.strictObject({
  ev: evPricingSchema.optional(),
  daily_max_minor: dailyMaxSchema.optional(),
  free_minutes: z.int().min(0).max(1440).default(0),
  tax_rate_bp: z.int().min(0).max(100_000).default(0),
  surcharges: z.array(surchargeSchema).default([]),
});

export const pricingFileSchema = pricingSettingsSchema.extend({
  rates: z.array(rateSchema).min(1, 'a lot needs at least one rate'),
});

export type PricingFileSection = z.input<typeof pricingFileSchema>;
// zod's reading and settings.ts's agree (test/stored-settings.test.ts); the types must too
const _sameOutput: (s: z.output<typeof pricingSettingsSchema>) => PricingSettings = (s) => s;
void _sameOutput;

function formatIssues(error: z.ZodError, root: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`), root);
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

/** zod-parses or throws a UsageError naming the path of each problem (first five). */
export function parseOrUsage<S extends z.ZodType>(schema: S, input: unknown, root: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new UsageError(`invalid ${root}: ${formatIssues(result.error, root)}`, { hint: 'fix the pricing section of the lot file' });
  }
  return result.data;
}

/** Validates the `pricing:` section of a lot file; UsageError with a path ("pricing.rates[1].from: ...") on bad input. */
export function parsePricing(fileSection: unknown): PricingPolicy {
  const parsed = parseOrUsage(pricingFileSchema, fileSection, 'pricing');
  const rules: PricingRule[] = parsed.rates.map((rate, index) => ({
    ruleId: index + 1,
    vehicleType: rate.type ?? null,
    days: rate.days ?? [...allWeekdays],
    fromMinute: rate.from ?? 0,
    toMinute: rate.to ?? 1440,
    ratePerHourMinor: rate.rate_per_hour_minor,
    priority: rate.priority,
    validFrom: rate.valid_from ? new Date(rate.valid_from) : null,
    validUntil: rate.valid_until ? new Date(rate.valid_until) : null,
  }));
  return settingsToPolicy(parsed, rules);
}
