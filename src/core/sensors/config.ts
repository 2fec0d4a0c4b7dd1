// The lot file's `sensors:` section: how each vendor's decoded payload says "occupied", how sure it is and
// how much battery is left, which sensor sits in which spot, and the rules' settings (seed 001, FR-1).
//
//   sensors:
//     heartbeat_seconds: 900          # silent longer: a fault (the spot shows as unknown)
//     parked_elsewhere_minutes: 10    # a checked-in booking whose spot stays empty this long: "parked elsewhere?"
//     vendors:
//       acme-ps1:
//         occupied: { field: status, occupied: [1, "occupied"], free: [0, "free"] }
//         confidence: { field: conf, scale: 100 }   # percent: divided by 100
//         battery: { field: battery_pct }
//     bind:
//       - { spot: L2-B-014, sensor: "70B3D57ED005B89A", vendor: acme-ps1 }
import { z } from 'zod';

/** Readings below this are unconfirmed until a second agreeing reading (seed 001). */
export const confirmThreshold = 0.85;
/** Toggles within this of the last accepted change are ignored: a car driving over the sensor (seed 001). */
export const debounceMs = 3_000;

const scalar = z.union([z.string().max(64), z.number(), z.boolean()]);

const fieldPath = z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'a field name, or a dotted path such as status.occupied');

const numberField = z.object({
  field: fieldPath,
  /** the value is divided by this: 100 for a percentage of confidence; 1 for a 0..1 figure */
  scale: z.number().positive().default(1),
}).strict();

export const vendorMappingSchema = z.object({
  occupied: z.object({
    field: fieldPath,
    /** values meaning a car is there; absent: true and 1 */
    occupied: z.array(scalar).min(1).default([true, 1]),
    /** values meaning the bay is empty; absent: false and 0 */
    free: z.array(scalar).min(1).default([false, 0]),
  }).strict(),
  confidence: numberField.optional(),
  battery: numberField.optional(),
}).strict();

export type VendorMapping = z.infer<typeof vendorMappingSchema>;

/** What a sensor of no named vendor sends: {"occupied": true, "confidence": 0.97, "battery": 88}. */
export const genericMapping: VendorMapping = {
  occupied: { field: 'occupied', occupied: [true, 1, 'occupied'], free: [false, 0, 'free'] },
  confidence: { field: 'confidence', scale: 1 },
  battery: { field: 'battery', scale: 1 },
};

export const sensorIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - (a DevEUI or a device id)');

const bindingSchema = z.object({
  spot: z.string().min(1).max(32),
  sensor: sensorIdSchema,
  vendor: z.string().min(1).max(64).default('generic'),
  heartbeat_seconds: z.number().int().min(10).max(604_800).optional(),
}).strict();

export const sensorSectionSchema = z.object({
  heartbeat_seconds: z.number().int().min(10).max(604_800).default(900),
  parked_elsewhere_minutes: z.number().int().min(1).max(1440).default(10),
  vendors: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), vendorMappingSchema).default({}),
  bind: z.array(bindingSchema).default([]),
}).strict();

export type SensorSection = z.infer<typeof sensorSectionSchema>;

/** What is stored in lots.sensor_config and what the listener reads. */
export interface SensorConfig {
  heartbeatSeconds: number;
  parkedElsewhereMinutes: number;
  vendors: Record<string, VendorMapping>;
}

export interface SensorBinding {
  spotLabel: string;
  sensorId: string;
  vendor: string;
  heartbeatSeconds: number;
}

export const defaultSensorConfig: SensorConfig = { heartbeatSeconds: 900, parkedElsewhereMinutes: 10, vendors: {} };

/** A LoRaWAN DevEUI is 16 hex digits: upper-case, so "70b3..." from ChirpStack and "70B3..." from TTS match. */
export function normaliseSensorId(id: string): string {
  const t = id.trim();
  return /^[0-9a-fA-F]{16}$/.test(t) ? t.toUpperCase() : t;
}

export function sensorConfigOf(section: SensorSection): { config: SensorConfig; bindings: SensorBinding[] } {
  return {
    config: { heartbeatSeconds: section.heartbeat_seconds, parkedElsewhereMinutes: section.parked_elsewhere_minutes, vendors: section.vendors },
    bindings: section.bind.map((b) => ({
      spotLabel: b.spot, sensorId: normaliseSensorId(b.sensor), vendor: b.vendor, heartbeatSeconds: b.heartbeat_seconds ?? section.heartbeat_seconds,
    })),
  };
}

/** The mapping for a vendor name: the lot's own, else the generic one ("generic" or unknown names). */
export function mappingFor(config: SensorConfig, vendor: string): VendorMapping | null {
  if (config.vendors[vendor]) return config.vendors[vendor]!;
  return vendor === 'generic' ? genericMapping : null;
}

/** Reads stored JSON back (lots.sensor_config); anything unreadable falls back to the defaults. */
export function parseStoredSensorConfig(raw: unknown): SensorConfig {
  if (!raw || typeof raw !== 'object') return defaultSensorConfig;
  const r = raw as Partial<SensorConfig>;
  const vendors: Record<string, VendorMapping> = {};
  for (const [name, m] of Object.entries(r.vendors ?? {})) {
    const parsed = vendorMappingSchema.safeParse(m);
    if (parsed.success) vendors[name] = parsed.data;
  }
  return {
    heartbeatSeconds: typeof r.heartbeatSeconds === 'number' ? r.heartbeatSeconds : defaultSensorConfig.heartbeatSeconds,
    parkedElsewhereMinutes: typeof r.parkedElsewhereMinutes === 'number' ? r.parkedElsewhereMinutes : defaultSensorConfig.parkedElsewhereMinutes,
    vendors,
  };
}
