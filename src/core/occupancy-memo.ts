// Occupancy only moves the price in coarse bands (e.g. +20 % above 80 %), so reserve reads it from a
// short in-process memo instead of counting the lot on every booking: one round trip per reserve stays
// one round trip. A count older than `ttlMs` is used once more while one fresh count runs beside it
// (stale-while-revalidate), so no booking waits for a recount of a bucket it has seen; one older than
// `maxStaleMs` (or none) is waited for. Staleness is bounded by `maxStaleMs`.
import { countCapacity, occupancyRatio } from './capacity.js';
import type { Lot } from './lots/lot.js';
import type { CapacityCache, Clock, Queryable } from './ports.js';
import type { VehicleType } from './pricing/vehicle-types.js';

type CountDeps = { db: Queryable; clock: Clock; cache?: CapacityCache | undefined };

export class OccupancyMemo {
  private readonly entries = new Map<string, { ratio: number; atMs: number }>();
  /** counts under way: when an entry lapses, the clients that find it so share one count, not one each */
  private readonly pending = new Map<string, Promise<number>>();

  /**
   * @param ttlMs how long one count is used as it is
   * @param maxStaleMs after ttlMs, how long it is still used while a fresh count runs
   */
  constructor(private readonly ttlMs = 5_000, private readonly maxStaleMs = 30_000) {}

  async ratio(deps: CountDeps, lot: Lot, vehicleType: VehicleType, start: Date, end: Date): Promise<number> {
    if (lot.pricing.surcharges.length === 0) return 0;
    // Windows starting in the same hour share one count (of the first such window): good enough to pick a
    // band, and a busy lot counts once per hour bucket per ttl instead of once per booking.
    const key = `${lot.lotId}:${vehicleType}:${Math.floor(start.getTime() / 3_600_000)}`;
    const hit = this.entries.get(key);
    const ageMs = hit ? Date.now() - hit.atMs : Infinity;
    if (hit && ageMs < this.ttlMs) return hit.ratio;
    const counting = this.pending.get(key) ?? this.count(deps, lot, vehicleType, start, end, key);
    if (hit && ageMs < this.maxStaleMs) {
      // the recount's failure is not this booking's: the old count stands until maxStaleMs, then it is waited for
      counting.catch(() => undefined);
      return hit.ratio;
    }
    return counting;
  }

  private count(deps: CountDeps, lot: Lot, vehicleType: VehicleType, start: Date, end: Date, key: string): Promise<number> {
    const atMs = Date.now();
    const count = (async () => {
      try {
        const counts = await countCapacity(deps, lot, vehicleType, start, end);
        const ratio = occupancyRatio(counts.free, counts.total);
        if (this.entries.size > 10_000) this.entries.clear();
        this.entries.set(key, { ratio, atMs });
        return ratio;
      } finally {
        this.pending.delete(key);
      }
    })();
    this.pending.set(key, count);
    return count;
  }
}
