// Occupancy only moves the price in coarse bands (e.g. +20 % above 80 %), so reserve reads it from a
// short in-process memo instead of counting the lot on every booking: one round trip per reserve stays
// one round trip. The memo keeps, per lot, vehicle type and UTC day, the busy spots of each of the day's
// 24 hours (one statement counts them all, src/core/sql/capacity.ts), and a window's occupancy is that of
// its fullest hour. A day's counts older than `ttlMs` are used once more while one fresh count runs beside
// them (stale-while-revalidate), so no booking waits for a recount of a day it has seen; older than
// `maxStaleMs` (or none) they are waited for. Staleness is bounded by `maxStaleMs`.
import { keptForPermits, occupancyRatio } from './capacity.js';
import type { Lot } from './lots/lot.js';
import type { Clock, Queryable } from './ports.js';
import type { VehicleType } from './pricing/vehicle-types.js';
import { countBusyByHour } from './sql/capacity.js';

type CountDeps = { db: Queryable; clock: Clock };

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** A day's counts: the occupancy ratio of each UTC hour. */
interface DayCounts {
  ratios: number[];
  atMs: number;
}

export class OccupancyMemo {
  private readonly entries = new Map<string, DayCounts>();
  /** counts under way: when a day lapses, the clients that find it so share one count, not one each */
  private readonly pending = new Map<string, Promise<DayCounts>>();

  /**
   * @param ttlMs how long one count is used as it is
   * @param maxStaleMs after ttlMs, how long it is still used while a fresh count runs
   */
  constructor(private readonly ttlMs = 5_000, private readonly maxStaleMs = 30_000) {}

  /** The occupancy of the window's fullest UTC hour, 0 to 1 (0 without a count when the lot has no surcharge). */
  async ratio(deps: CountDeps, lot: Lot, vehicleType: VehicleType, start: Date, end: Date): Promise<number> {
    if (lot.pricing.surcharges.length === 0) return 0;
    const firstDay = Math.floor(start.getTime() / dayMs);
    const lastDay = Math.floor((end.getTime() - 1) / dayMs);
    const days: Promise<DayCounts>[] = [];
    for (let d = firstDay; d <= lastDay; d++) days.push(this.day(deps, lot, vehicleType, d));
    const counts = await Promise.all(days);
    const firstHour = Math.floor(start.getTime() / hourMs);
    const lastHour = Math.floor((end.getTime() - 1) / hourMs);
    let peak = 0;
    for (let h = firstHour; h <= lastHour; h++) {
      const n = h - firstDay * 24;
      peak = Math.max(peak, counts[Math.floor(n / 24)]!.ratios[n % 24]!);
    }
    return peak;
  }

  /** `day`: days since 1970-01-01 (UTC) */
  private async day(deps: CountDeps, lot: Lot, vehicleType: VehicleType, day: number): Promise<DayCounts> {
    const key = `${lot.lotId}:${vehicleType}:${day}`;
    const hit = this.entries.get(key);
    const ageMs = hit ? Date.now() - hit.atMs : Infinity;
    if (hit && ageMs < this.ttlMs) return hit;
    const counting = this.pending.get(key) ?? this.count(deps, lot, vehicleType, day, key);
    if (hit && ageMs < this.maxStaleMs) {
      // the recount's failure is not this booking's: the old count stands until maxStaleMs, then it is waited for
      counting.catch(() => undefined);
      return hit;
    }
    return counting;
  }

  private count(deps: CountDeps, lot: Lot, vehicleType: VehicleType, day: number, key: string): Promise<DayCounts> {
    const atMs = Date.now();
    const count = (async () => {
      try {
        const total = lot.spotRanges.get(vehicleType)?.count ?? 0;
        // the day's bits and the permit cars inside are two statements, sent together
        const [busy, kept] = total === 0
          ? [new Array<number>(24).fill(0), 0]
          : await Promise.all([
            countBusyByHour(deps.db, { lotId: lot.lotId, vehicleType, day: new Date(day * dayMs).toISOString().slice(0, 10) }),
            keptForPermits(deps.db, lot, vehicleType),
          ]);
        const counts = { ratios: busy.map((b) => occupancyRatio(Math.max(0, total - b - kept), total)), atMs };
        if (this.entries.size > 10_000) this.entries.clear();
        this.entries.set(key, counts);
        return counts;
      } finally {
        this.pending.delete(key);
      }
    })();
    this.pending.set(key, count);
    return count;
  }
}
