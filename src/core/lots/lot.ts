// A lot as the rest of core uses it: its settings, its pricing and where each vehicle type's spots lie.
import { UsageError } from '../errors.js';
import { hasControlCharacter } from '../control-characters.js';
import type { Queryable } from '../ports.js';
import type { PricingPolicy } from '../pricing/index.js';
import type { VehicleType } from '../pricing/vehicle-types.js';
import { pricingFromStored } from '../sql/pricing.js';
import { selectLotByCodeWithPricing, selectLotDetail, selectLots, type LotRow } from '../sql/lots.js';

export interface Lot {
  lotId: number;
  code: string;
  name: string;
  timeZone: string;
  currency: string;
  holdMinutes: number;
  noShowGraceMinutes: number;
  earlyEntryGraceMinutes: number;
  maxWindowMinutes: number;
  overstaySlotMinutes: number;
  state: LotRow['state'];
  policy: Record<string, unknown>;
  pricing: PricingPolicy;
  /** active spots per vehicle type and their id range: the allocator starts its scan at random inside it */
  spotRanges: Map<VehicleType, { count: number; minSpotId: number; maxSpotId: number }>;
}

export function lotFromRow(row: LotRow, pricing: PricingPolicy, ranges: Lot['spotRanges']): Lot {
  return {
    lotId: row.lot_id,
    code: row.code,
    name: row.name,
    timeZone: row.time_zone,
    currency: row.currency,
    holdMinutes: row.hold_minutes,
    noShowGraceMinutes: row.no_show_grace_minutes,
    earlyEntryGraceMinutes: row.early_entry_grace_minutes,
    maxWindowMinutes: row.max_window_minutes,
    overstaySlotMinutes: row.overstay_slot_minutes,
    state: row.state,
    policy: row.policy,
    pricing,
    spotRanges: ranges,
  };
}

/** Load a lot by code, or say which codes exist. */
/** Longer than any code a lot file accepts (32): looked up, it could only be unknown. */
const maxLotCodeLength = 64;

export async function loadLot(db: Queryable, code: string): Promise<Lot> {
  // A code no lot can have (a NUL byte, which PostgreSQL refuses outright, or any control character)
  // is unknown without asking: the same one line as any other unknown code, never a driver error.
  const row = hasControlCharacter(code) || code.length > maxLotCodeLength ? null : await selectLotByCodeWithPricing(db, code);
  if (!row) {
    const known = (await selectLots(db)).map((l) => l.code);
    throw new UsageError(`unknown lot "${code}"`, {
      hint: known.length ? `known lots: ${known.slice(0, 8).join(', ')}` : 'import one first: parkctl lot import fixtures/surface-lot.yaml',
      code: 'unknown_lot',
    });
  }
  // two round trips on one connection (there were four on two)
  const { rules, ranges } = await selectLotDetail(db, row.lot_id);
  const { pricing: storedPricing, ...lotRow } = row;
  return lotFromRow(lotRow, pricingFromStored(storedPricing, rules), new Map(ranges.map((r) => [r.vehicle_type, { count: r.count, minSpotId: r.min_spot_id, maxSpotId: r.max_spot_id }])));
}

