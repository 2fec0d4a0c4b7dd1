// Occupancy only moves the price in coarse bands (e.g. +20 % above 80 %), so reserve reads it from a
// short in-process memo instead of counting the lot on every booking: one round trip per reserve stays
// one round trip. Staleness is bounded by `ttlMs`.
import { countCapacity, occupancyRatio } from './capacity.js';
import type { Lot } from './lots/lot.js';
import type { CapacityCache, Clock, Queryable } from './ports.js';
import type { VehicleType } from './pricing/vehicle-types.js';

export class OccupancyMemo {
  private readonly entries = new Map<string, { ratio: number; atMs: number }>();
  /** counts under way: when an entry lapses, the clients that find it so share one count, not one each */
  private readonly pending = new Map<string, Promise<number>>();

  /** @param ttlMs how long one count is reused */
  constructor(private readonly ttlMs = 5_000) {}

  async ratio(
    deps: { db: Queryable; clock: Clock; cache?: CapacityCache | undefined },
    lot: Lot,
    vehicleType: VehicleType,
    start: Date,
    end: Date,
  ): Promise<number> {
    if (lot.pricing.surcharges.length === 0) return 0;
    // Windows starting in the same hour share one count (of the first such window): good enough to pick a
    // band, and a busy lot counts once per hour bucket per ttl instead of once per booking.
    const key = `${lot.lotId}:${vehicleType}:${Math.floor(start.getTime() / 3_600_000)}`;
    const nowMs = Date.now();
    const hit = this.entries.get(key);
    if (hit && nowMs - hit.atMs < this.ttlMs) return hit.ratio;
    const counting = this.pending.get(key);
    if (counting) return counting;
    const count = (async () => {
      const counts = await countCapacity(deps, lot, vehicleType, start, end);
      const ratio = occupancyRatio(counts.free, counts.total);
      if (this.entries.size > 10_000) this.entries.clear();
      this.entries.set(key, { ratio, atMs: nowMs });
      return ratio;
    })();
    this.pending.set(key, count);
    try {
      return await count;
    } finally {
      this.pending.delete(key);
    }
  }
}
