// A lot's pricing settings (everything but the rates) as `lots.pricing` stores them, read back without zod
// (json/read.ts says why; schema.ts's pricingSettingsSchema is what they must agree with).
import { UsageError } from '../errors.js';
import { intIn, isJsonObject, numberIn, objectWith, orDefault, StoredValueError } from '../json/read.js';
import type { PricingPolicy } from './policy.js';
import { vehicleTypes, type VehicleType } from './vehicle-types.js';

/** Keeps sum(rate * ms) of a 25-hour day exact in a double (see money.ts). */
export const maxRatePerHourMinor = 10_000_000;

/** The settings once read, defaults filled in (as zod's output of pricingSettingsSchema). */
export interface PricingSettings {
  ev?: { energy_per_kwh_minor: number; idle_per_hour_minor: number; idle_grace_minutes: number } | undefined;
  daily_max_minor?: Partial<Record<'default' | VehicleType, number | undefined>> | undefined;
  free_minutes: number;
  tax_rate_bp: number;
  surcharges: { above_occupancy_percent: number; add_percent: number }[];
}

/** What `lots.pricing` stores (the lot file's words, defaults optional). */
export interface PricingSettingsJson {
  ev?: { energy_per_kwh_minor: number; idle_per_hour_minor?: number; idle_grace_minutes?: number } | undefined;
  daily_max_minor?: number | Partial<Record<'default' | VehicleType, number | undefined>> | undefined;
  free_minutes?: number | undefined;
  tax_rate_bp?: number | undefined;
  surcharges?: { above_occupancy_percent: number; add_percent: number }[] | undefined;
}

const safeMax = Number.MAX_SAFE_INTEGER;
const settingsKeys = ['ev', 'daily_max_minor', 'free_minutes', 'tax_rate_bp', 'surcharges'] as const;
const dailyMaxKeys = ['default', ...vehicleTypes] as const;

function readEv(value: unknown, where: string): PricingSettings['ev'] {
  const ev = objectWith(value, ['energy_per_kwh_minor', 'idle_per_hour_minor', 'idle_grace_minutes'], where);
  return {
    energy_per_kwh_minor: intIn(ev.energy_per_kwh_minor, 0, 1_000_000, `${where}.energy_per_kwh_minor`),
    idle_per_hour_minor: orDefault(ev.idle_per_hour_minor, 0, (v) => intIn(v, 0, maxRatePerHourMinor, `${where}.idle_per_hour_minor`)),
    idle_grace_minutes: orDefault(ev.idle_grace_minutes, 0, (v) => intIn(v, 0, 1440, `${where}.idle_grace_minutes`)),
  };
}

function readDailyMax(value: unknown, where: string): PricingSettings['daily_max_minor'] {
  if (typeof value === 'number') return { default: intIn(value, 0, safeMax, where) };
  if (!isJsonObject(value)) throw new StoredValueError(where, 'expected a whole number or an object of them by vehicle type');
  const byKey = objectWith(value, dailyMaxKeys, where);
  const out: Partial<Record<'default' | VehicleType, number | undefined>> = {};
  for (const key of dailyMaxKeys) {
    if (key in byKey) out[key] = orDefault(byKey[key], undefined, (v) => intIn(v, 0, safeMax, `${where}.${key}`));
  }
  return out;
}

function readSurcharges(value: unknown, where: string): PricingSettings['surcharges'] {
  if (!Array.isArray(value)) throw new StoredValueError(where, 'expected a list');
  return value.map((item, i) => {
    const band = objectWith(item, ['above_occupancy_percent', 'add_percent'], `${where}[${i}]`);
    return {
      above_occupancy_percent: numberIn(band.above_occupancy_percent, 0, 100, `${where}[${i}].above_occupancy_percent`),
      add_percent: intIn(band.add_percent, 0, 1000, `${where}[${i}].add_percent`),
    };
  });
}

/** `lots.pricing` (rates excluded) read back; UsageError naming the path when it is malformed. */
export function readPricingSettings(value: unknown, root: string): PricingSettings {
  try {
    const s = objectWith(value, settingsKeys, root);
    return {
      ...(s.ev !== undefined ? { ev: readEv(s.ev, `${root}.ev`) } : {}),
      ...(s.daily_max_minor !== undefined ? { daily_max_minor: readDailyMax(s.daily_max_minor, `${root}.daily_max_minor`) } : {}),
      free_minutes: orDefault(s.free_minutes, 0, (v) => intIn(v, 0, 1440, `${root}.free_minutes`)),
      tax_rate_bp: orDefault(s.tax_rate_bp, 0, (v) => intIn(v, 0, 100_000, `${root}.tax_rate_bp`)),
      surcharges: orDefault(s.surcharges, [], (v) => readSurcharges(v, `${root}.surcharges`)),
    };
  } catch (err) {
    if (!(err instanceof StoredValueError)) throw err;
    throw new UsageError(`invalid ${root}: ${err.message}`, { hint: 'fix the pricing section of the lot file' });
  }
}

export function settingsToPolicy(settings: PricingSettings, rules: PricingPolicy['rules']): PricingPolicy {
  const { default: defaultMinor, ...byType } = (settings.daily_max_minor ?? {}) as Record<string, number | undefined>;
  return {
    rules,
    dailyMaxMinor: {
      defaultMinor: defaultMinor ?? null,
      byType: Object.fromEntries(Object.entries(byType).filter(([, v]) => v !== undefined)) as Partial<Record<VehicleType, number>>,
    },
    freeMinutes: settings.free_minutes,
    taxRateBp: settings.tax_rate_bp,
    surcharges: [...settings.surcharges]
      .map((band) => ({ aboveOccupancyPercent: band.above_occupancy_percent, addPercent: band.add_percent }))
      .sort((a, b) => a.aboveOccupancyPercent - b.aboveOccupancyPercent),
    ...(settings.ev ? { ev: { energyPerKwhMinor: settings.ev.energy_per_kwh_minor, idlePerHourMinor: settings.ev.idle_per_hour_minor, idleGraceMinutes: settings.ev.idle_grace_minutes } } : {}),
  };
}

/** The `lots.pricing` document for a policy (the inverse of settingsToPolicy, rates excluded). */
export function policyToSettingsJson(policy: PricingPolicy): PricingSettingsJson {
  const dailyMax: Record<string, number> = { ...policy.dailyMaxMinor.byType } as Record<string, number>;
  if (policy.dailyMaxMinor.defaultMinor !== null) dailyMax.default = policy.dailyMaxMinor.defaultMinor;
  return {
    ...(Object.keys(dailyMax).length > 0 ? { daily_max_minor: dailyMax } : {}),
    free_minutes: policy.freeMinutes,
    tax_rate_bp: policy.taxRateBp,
    surcharges: policy.surcharges.map((band) => ({ above_occupancy_percent: band.aboveOccupancyPercent, add_percent: band.addPercent })),
    ...(policy.ev ? { ev: { energy_per_kwh_minor: policy.ev.energyPerKwhMinor, idle_per_hour_minor: policy.ev.idlePerHourMinor, idle_grace_minutes: policy.ev.idleGraceMinutes } } : {}),
  };
}
