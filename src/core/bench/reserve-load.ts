// `parkctl bench reserve`: N clients, each on its own connection, reserving through the real core path
// (reserve() -> parkctl_reserve) against a scratch copy of a lot, then the overlap checker.
import { randomBytes } from 'node:crypto';
import { RefusedError } from '../errors.js';
import { loadLot, type Lot } from '../lots/lot.js';
import { OccupancyMemo } from '../occupancy-memo.js';
import type { ChangeNotifier, Clock, PaymentProvider, PoolLike } from '../ports.js';
import { reserve } from '../reservations/reserve.js';
import { countOverlaps } from '../sql/reservations.js';
import { cloneLot, dropLot, prepareDays } from '../sql/scratch-lots.js';
import { percentiles } from './latency.js';

export type LoadProfile = 'rush' | 'spread';

export interface ReserveBenchOptions {
  lotCode: string;
  clients: number;
  profile: LoadProfile;
  /** how long to run */
  seconds: number;
  clock: Clock;
  payments: PaymentProvider;
  /** the same after-commit notifications a real booking sends */
  notifier?: ChangeNotifier;
  /** keep the scratch lot afterwards (to look at it) */
  keep?: boolean;
}

export interface ReserveBenchResult {
  lot: string;
  scratchLot: string;
  profile: LoadProfile;
  clients: number;
  seconds: number;
  reservations: number;
  perSecond: number;
  refusedNoSpot: number;
  retries: number;
  latencyMs: Record<string, number>;
  overlaps: number;
}

const dayMs = 86_400_000;
const quarterMs = 900_000;

/** A window for the profile. rush: everyone wants the same morning (all windows hold 10:00-12:00 of the
 * current rush day); spread: any quarter hour of the coming week, 15 minutes to 4 hours long. */
function windowFor(profile: LoadProfile, dayStartMs: number, rushDay: number, rnd: () => number): { start: Date; end: Date } {
  if (profile === 'rush') {
    const start = dayStartMs + rushDay * dayMs + 8 * 3_600_000 + Math.floor(rnd() * 9) * quarterMs;
    return { start: new Date(start), end: new Date(dayStartMs + rushDay * dayMs + 12 * 3_600_000 + Math.floor(rnd() * 25) * quarterMs) };
  }
  const start = dayStartMs + dayMs + Math.floor(rnd() * 7 * 96) * quarterMs;
  return { start: new Date(start), end: new Date(start + (1 + Math.floor(rnd() * 16)) * quarterMs) };
}

export async function runReserveBench(pool: PoolLike, o: ReserveBenchOptions): Promise<ReserveBenchResult> {
  const source = await loadLot(pool, o.lotCode);
  const scratchCode = `BENCH-${randomBytes(3).toString('hex').toUpperCase()}`;
  const lotId = await cloneLot(pool, source.lotId, scratchCode);
  try {
    const lot: Lot = await loadLot(pool, scratchCode);
    const now = o.clock.now();
    const dayStartMs = Math.floor(now.getTime() / dayMs) * dayMs;
    const horizonDays = o.profile === 'rush' ? Math.ceil((o.seconds * 4_000) / Math.max(1, lot.spotRanges.get('regular')?.count ?? 1)) + 2 : 9;
    await prepareDays(pool, lotId, new Date(dayStartMs), new Date(dayStartMs + (horizonDays + 1) * dayMs));
    const deps = { db: pool, clock: o.clock, payments: o.payments, actor: 'bench', occupancy: new OccupancyMemo(), notifier: o.notifier };
    const latencies: number[] = [];
    let rushDay = 1;
    let refused = 0;
    let retries = 0;
    let seq = 0;
    const deadline = performance.now() + o.seconds * 1000;
    const worker = async () => {
      while (performance.now() < deadline) {
        const day = rushDay;
        const w = windowFor(o.profile, dayStartMs, day, Math.random);
        const t0 = performance.now();
        try {
          const r = await reserve(deps, lot, { vehicleType: 'regular', start: w.start, end: w.end, plate: `BN${(seq++).toString(36).toUpperCase()}`, customerRef: 'bench' });
          latencies.push(performance.now() - t0);
          retries += r.retries;
        } catch (err) {
          if (!(err instanceof RefusedError) || err.code !== 'no_spot_free') throw err;
          refused++;
          if (o.profile === 'rush' && day === rushDay) rushDay++; // the morning is full: the rush moves to the next day
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: o.clients }, worker));
    const elapsedS = (performance.now() - started) / 1000;
    return {
      lot: source.code, scratchLot: scratchCode, profile: o.profile, clients: o.clients, seconds: Math.round(elapsedS * 100) / 100,
      reservations: latencies.length, perSecond: Math.round(latencies.length / elapsedS), refusedNoSpot: refused, retries,
      latencyMs: percentiles(latencies, [50, 95, 99]), overlaps: await countOverlaps(pool),
    };
  } finally {
    if (!o.keep) await dropLot(pool, lotId);
  }
}
