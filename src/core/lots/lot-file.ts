// The lot file (YAML or JSON): a lot, its floors and zones, its spots, and its pricing.
// Parsed and checked whole before anything is written: a bad file writes nothing.
import { createHash } from 'node:crypto';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { hasControlCharacter } from '../control-characters.js';
import { UsageError } from '../errors.js';
import { vehicleTypes, type VehicleType } from '../pricing/vehicle-types.js';
import { earlyEntrySchema, permitPolicySchema, ticketPolicySchema } from './policy-schemas.js';
import { sensorConfigOf, sensorSectionSchema, type SensorBinding, type SensorConfig } from '../sensors/config.js';

/** Names and labels are shown on terminals and signs: no control characters (escape sequences, line breaks). */
const plainText = () => z.string().min(1).refine((text) => !hasControlCharacter(text), 'plain text without control characters');

const spotEntry = z.union([
  z.object({ label: plainText().max(32), type: z.enum(vehicleTypes) }).strict(),
  /** "L1-A-001..L1-A-120": a prefix and a numbered run, zero-padded like its first number */
  z.object({ labels: plainText().min(4), type: z.enum(vehicleTypes) }).strict(),
]);

const zoneEntry = z.object({
  code: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, 'letters, digits, - and _ (at most 16)'),
  name: plainText(),
  floor: z.number().int().min(-20).max(200).default(0),
  /** the way to this zone, for the lane display's guidance ("ramp B, then left"); optional */
  route: plainText().max(64).optional(),
  spots: z.array(spotEntry).min(1),
}).strict();

export const lotFileSchema = z.object({
  code: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'letters, digits, - and _ (at most 32)'),
  name: plainText(),
  time_zone: z.string().refine((tz) => IANAZone.isValidZone(tz), 'an IANA time zone such as Europe/London'),
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code such as GBP'),
  hold_minutes: z.number().int().min(1).max(1440).default(15),
  no_show_grace_minutes: z.number().int().min(0).max(1440).default(60),
  early_entry_grace_minutes: z.number().int().min(0).max(1440).default(15),
  max_window_days: z.number().positive().max(366).default(7),
  overstay_slot_minutes: z.number().int().min(1).max(1440).default(15),
  /** free-form lot policy (walk_ins, refunds, ...); the keys checked here are checked whole */
  policy: z.looseObject({ early_entry: earlyEntrySchema.optional(), permits: permitPolicySchema.optional(), tickets: ticketPolicySchema.optional() }).default({}),
  /** where the lot is (optional): the API orders lots by distance from a driver */
  location: z.object({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    address: z.string().min(1).max(500).optional(),
  }).strict().optional(),
  zones: z.array(zoneEntry).min(1),
  /** EV charge points (issue 16): connector N (1, 2, ...) charges the N-th spot listed, an `ev` spot */
  ev_chargers: z.array(z.object({
    id: z.string().regex(/^[A-Za-z0-9._:-]{1,48}$/, 'letters, digits, . _ : - (at most 48)'),
    spots: z.array(plainText().max(32)).min(1).max(99),
  }).strict()).optional(),
  /** spot sensors: vendor mappings, bindings to spots, heartbeat (src/core/sensors/config.ts); optional */
  sensors: sensorSectionSchema.optional(),
  pricing: z.unknown(),
}).strict();

export interface LotLocation {
  latitude: number;
  longitude: number;
  address?: string | undefined;
}

export interface LotSpot {
  /** 1..N in file order: stable ids for re-imports of the same file */
  label: string;
  zoneCode: string;
  vehicleType: VehicleType;
}

export interface LotDefinition {
  code: string;
  name: string;
  timeZone: string;
  currency: string;
  holdMinutes: number;
  noShowGraceMinutes: number;
  earlyEntryGraceMinutes: number;
  maxWindowMinutes: number;
  overstaySlotMinutes: number;
  policy: Record<string, unknown>;
  zones: { code: string; name: string; floor: number; route?: string | undefined }[];
  spots: LotSpot[];
  /** the `sensors:` section, when the file has one (left out of the digest otherwise) */
  sensors?: { config: SensorConfig; bindings: SensorBinding[] } | undefined;
  /** absent in files without one (and then left out of the digest, so older files keep theirs) */
  location?: LotLocation | undefined;
  /** EV charge points and the spot of each connector (absent in files without any, digest unchanged) */
  evChargers?: { id: string; spots: string[] }[] | undefined;
  /** the raw `pricing:` section, parsed by the pricing engine */
  pricing: unknown;
  /** sha256 of the canonical content: the same file imported twice changes nothing */
  digest: string;
}

function expandLabels(run: string, where: string): string[] {
  const m = /^(.*?)(\d+)\.\.(.*?)(\d+)$/.exec(run);
  if (!m || (m[3] !== '' && m[3] !== m[1])) {
    throw new UsageError(`${where}: "${run}" is not a label run`, { hint: 'write it as PREFIX001..PREFIX120, e.g. L1-A-001..L1-A-120', code: 'bad_lot_file' });
  }
  const [, prefix, fromText, , toText] = m as unknown as [string, string, string, string, string];
  const from = Number(fromText);
  const to = Number(toText);
  if (to < from || to - from >= 10_000) {
    throw new UsageError(`${where}: "${run}" runs backwards or is over 10,000 spots`, { hint: 'check the numbers of the run', code: 'bad_lot_file' });
  }
  const width = fromText.length;
  return Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${String(from + i).padStart(width, '0')}`);
}

function zodMessage(err: z.ZodError): string {
  const issue = err.issues[0]!;
  const path = issue.path.length ? issue.path.join('.') : '(top level)';
  return `${path}: ${issue.message}`;
}

function checkEvChargers(chargers: { id: string; spots: string[] }[], spots: LotSpot[], source: string): { id: string; spots: string[] }[] {
  const types = new Map(spots.map((s) => [s.label, s.vehicleType]));
  const ids = new Set<string>();
  const taken = new Set<string>();
  for (const c of chargers) {
    if (ids.has(c.id)) throw new UsageError(`${source}: charger "${c.id}" appears twice`, { hint: 'every charge point id must be unique', code: 'bad_lot_file' });
    ids.add(c.id);
    for (const label of c.spots) {
      const type = types.get(label);
      if (type !== 'ev') {
        throw new UsageError(`${source}: charger ${c.id}: spot "${label}" ${type ? `is a ${type} spot` : 'is not in the lot'}`, { hint: 'bind connectors to ev spots of the file', code: 'bad_lot_file' });
      }
      if (taken.has(label)) throw new UsageError(`${source}: spot "${label}" has two connectors`, { hint: 'one connector per spot', code: 'bad_lot_file' });
      taken.add(label);
    }
  }
  return chargers;
}

/** Validate a parsed lot file. `source` names the file in messages. */
export function parseLotFile(data: unknown, source: string): LotDefinition {
  const parsed = lotFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new UsageError(`${source}: ${zodMessage(parsed.error)}`, { hint: 'fix the lot file; see fixtures/ for examples', code: 'bad_lot_file' });
  }
  const f = parsed.data;
  const spots: LotSpot[] = [];
  const seen = new Map<string, string>();
  for (const [zi, zone] of f.zones.entries()) {
    for (const [si, entry] of zone.spots.entries()) {
      const where = `${source}: zones.${zi}.spots.${si}`;
      const labels = 'label' in entry ? [entry.label] : expandLabels(entry.labels, where);
      for (const label of labels) {
        const other = seen.get(label);
        if (other) {
          throw new UsageError(`${source}: spot label "${label}" appears twice (zones ${other} and ${zone.code})`, {
            hint: 'every spot label must be unique in a lot',
            code: 'duplicate_spot_label',
          });
        }
        seen.set(label, zone.code);
        spots.push({ label, zoneCode: zone.code, vehicleType: entry.type });
      }
    }
  }
  const zoneCodes = new Set<string>();
  for (const z2 of f.zones) {
    if (zoneCodes.has(z2.code)) {
      throw new UsageError(`${source}: zone "${z2.code}" appears twice`, { hint: 'every zone code must be unique in a lot', code: 'bad_lot_file' });
    }
    zoneCodes.add(z2.code);
  }
  const definition = {
    code: f.code.toUpperCase(),
    name: f.name,
    timeZone: f.time_zone,
    currency: f.currency.toUpperCase(),
    holdMinutes: f.hold_minutes,
    noShowGraceMinutes: f.no_show_grace_minutes,
    earlyEntryGraceMinutes: f.early_entry_grace_minutes,
    maxWindowMinutes: Math.round(f.max_window_days * 1440),
    overstaySlotMinutes: f.overstay_slot_minutes,
    policy: f.policy,
    zones: f.zones.map((z2) => ({ code: z2.code, name: z2.name, floor: z2.floor, ...(z2.route ? { route: z2.route } : {}) })),
    spots,
    pricing: f.pricing ?? {},
    // undefined when absent: JSON.stringify leaves it out, so the digest of a file without one is unchanged
    location: f.location,
    evChargers: f.ev_chargers?.length ? checkEvChargers(f.ev_chargers, spots, source) : undefined,
    sensors: f.sensors ? sensorConfigOf(f.sensors) : undefined,
  };
  const sensorSpots = new Set<string>();
  const sensorIds = new Set<string>();
  for (const b of definition.sensors?.bindings ?? []) {
    if (sensorSpots.has(b.spotLabel) || sensorIds.has(b.sensorId)) {
      throw new UsageError(`${source}: sensors.bind names spot "${b.spotLabel}" or sensor "${b.sensorId}" twice`, { hint: 'one sensor per spot, one spot per sensor', code: 'bad_lot_file' });
    }
    sensorSpots.add(b.spotLabel);
    sensorIds.add(b.sensorId);
    if (!seen.has(b.spotLabel)) {
      throw new UsageError(`${source}: sensors.bind names spot "${b.spotLabel}", which is not in the file`, { hint: 'bind sensors to spots listed under zones', code: 'bad_lot_file' });
    }
  }
  const digest = createHash('sha256').update(JSON.stringify(definition)).digest('hex');
  return { ...definition, digest };
}
