// "How many spots are free, and what does the window cost?" Never which spots (seed 000).
// The cache answers first when there is one; the database decides on a miss or a cache failure.
import type { Lot } from './lots/lot.js';
import type { CapacityCache, Clock, Queryable } from './ports.js';
import { quoteWindow, type Quote } from './pricing/index.js';
import type { VehicleType } from './pricing/vehicle-types.js';
import { lotPermitPolicy } from './permits/policy.js';
import { countBusySpots } from './sql/capacity.js';
import { countPermitCarsInside } from './sql/gate.js';

export interface CapacityAnswer {
  lotCode: string;
  vehicleType: VehicleType;
  start: Date;
  end: Date;
  free: number;
  total: number;
  quote: Quote;
  /** where the counts came from */
  source: 'cache' | 'database';
}

/** ms a cached count may live; every write that changes counts also invalidates the lot at once. */
export const capacityCacheTtlMs = 5_000;

export function capacityCacheKey(lotId: number, type: VehicleType, start: Date, end: Date): string {
  return `${lotId}:${type}:${Math.floor(start.getTime() / 60_000)}:${Math.ceil(end.getTime() / 60_000)}`;
}

export function occupancyRatio(free: number, total: number): number {
  return total === 0 ? 1 : (total - free) / total;
}

export async function countCapacity(
  deps: { db: Queryable; clock: Clock; cache?: CapacityCache | undefined },
  lot: Lot,
  vehicleType: VehicleType,
  start: Date,
  end: Date,
): Promise<{ free: number; total: number; source: 'cache' | 'database' }> {
  const key = capacityCacheKey(lot.lotId, vehicleType, start, end);
  const cached = deps.cache ? await deps.cache.get(key) : null;
  if (cached) {
    const [free, total] = cached.split('/').map(Number);
    if (Number.isInteger(free) && Number.isInteger(total)) return { free: free!, total: total!, source: 'cache' };
  }
  const total = lot.spotRanges.get(vehicleType)?.count ?? 0;
  const busy = total === 0 ? 0 : await countBusySpots(deps.db, { lotId: lot.lotId, vehicleType, start, end, now: deps.clock.now() });
  const free = Math.max(0, total - busy - (await keptForPermits(deps.db, lot, vehicleType)));
  if (deps.cache) await deps.cache.set(key, `${free}/${total}`, capacityCacheTtlMs);
  return { free, total, source: 'database' };
}

export async function checkCapacity(
  deps: { db: Queryable; clock: Clock; cache?: CapacityCache | undefined },
  lot: Lot,
  vehicleType: VehicleType,
  start: Date,
  end: Date,
): Promise<CapacityAnswer> {
  const counts = await countCapacity(deps, lot, vehicleType, start, end);
  const quote = quoteWindow(lot.pricing, {
    timeZone: lot.timeZone,
    vehicleType,
    start,
    end,
    occupancyRatio: occupancyRatio(counts.free, counts.total),
  });
  return { lotCode: lot.code, vehicleType, start, end, ...counts, quote };
}

/**
 * Places the lot keeps for permit cars that are not inside yet (policy.permits.reserved_spots): not for
 * sale. Permit cars inside hold spots of their own (like walk-ins), so they are in `busy` already.
 */
export async function keptForPermits(db: Queryable, lot: Lot, vehicleType: VehicleType): Promise<number> {
  const reserved = lotPermitPolicy(lot.policy).reservedSpots[vehicleType] ?? 0;
  if (reserved <= 0) return 0;
  const inside = (await countPermitCarsInside(db, lot.lotId)).get(vehicleType) ?? 0;
  return Math.max(0, reserved - inside);
}
