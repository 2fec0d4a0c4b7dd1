// One sweep: for each lot, each job drains its due rows in short transactions (one batch each), then
// tells live screens and the capacity cache that the lot changed. The same clock instant is used for the
// whole run, so its summary line says exactly what "now" was.
import { lotChanged, type ChangeDeps } from '../changes.js';
import { setActor, withTransaction } from '../db.js';
import type { Clock, PoolLike, Queryable } from '../ports.js';
import { expireHoldsBatch, holdCarsInside, insertOverstayAlertsBatch, markNoShowsBatch, selectSweepLots } from '../sql/sweeps.js';
import { refreshReportRollups } from '../reports/rollups.js';
import { allSweepJobs, defaultSweepBatch, sweepLotFromRow, type SweepJob, type SweepLot } from './jobs.js';

export interface SweepDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  /** the audit actor of every change (events.actor); 'sweeper' unless told */
  actor?: string;
}

export interface SweepOptions {
  /** default: all three */
  jobs?: readonly SweepJob[];
  /** one lot (code), else every lot */
  lotCode?: string | null;
  /** rows per transaction (default 500) */
  batchSize?: number;
  /**
   * Batches of one lot run at once (holds and no-shows only; default 1). SKIP LOCKED hands each worker
   * different rows, so more workers only finish a large backlog sooner.
   */
  concurrency?: number;
  /** keep the report rollups current on a plain run (default true) */
  rollups?: boolean;
}

export interface SweepSummary {
  at: Date;
  lot: string | null;
  jobs: SweepJob[];
  holdsExpired: number;
  noShows: number;
  /** payment.refund_due events written for paid no-shows (lot policy no_show_refund_percent > 0) */
  refundsDue: number;
  overstayAlerts: number;
  /** bookings moved off a spot a car inside still holds (overstays job) */
  bookingsMoved: number;
  /** bookings on such a spot with no other spot free: alerted for the attendant (alert.no_spot) */
  bookingsUnplaced: number;
  /** codes of the lots where something changed */
  lotsChanged: string[];
  /** lot policy values that were ignored */
  warnings: string[];
  /** wall time of the run */
  ms: number;
}

interface BatchResult {
  /** rows this batch looked at: a full batch means there may be more */
  seen: number;
  /** whether anything was written */
  changed: boolean;
  /** what it did, added to the run's tally once it committed (a retried transaction counts once) */
  counts: Partial<Tally>;
}

type Tally = Pick<SweepSummary, 'holdsExpired' | 'noShows' | 'refundsDue' | 'overstayAlerts' | 'bookingsMoved' | 'bookingsUnplaced'>;

/** Runs `batch` in its own transaction until a batch comes back short; `workers` loops side by side. */
async function drain(deps: SweepDeps, lot: SweepLot, workers: number, batch: (tx: Queryable) => Promise<BatchResult>, limit: number, tally: Tally): Promise<boolean> {
  let changedAny = false;
  const worker = async () => {
    for (;;) {
      const r = await withTransaction(deps.pool, async (tx) => {
        await setActor(tx, deps.actor ?? 'sweeper');
        return batch(tx);
      });
      for (const [k, v] of Object.entries(r.counts) as [keyof Tally, number][]) tally[k] += v;
      if (r.changed) {
        changedAny = true;
        await lotChanged(deps, lot.lotId);
      }
      if (r.seen < limit) return;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  return changedAny;
}

async function sweepLot(deps: SweepDeps, lot: SweepLot, jobs: readonly SweepJob[], now: Date, limit: number, workers: number, tally: Tally): Promise<boolean> {
  const actor = deps.actor ?? 'sweeper';
  let changed = false;
  if (jobs.includes('holds')) {
    changed = (await drain(deps, lot, workers, async (tx) => {
      const n = await expireHoldsBatch(tx, { lotId: lot.lotId, now, limit });
      return { seen: n, changed: n > 0, counts: { holdsExpired: n } };
    }, limit, tally)) || changed;
  }
  if (jobs.includes('noShows')) {
    changed = (await drain(deps, lot, workers, async (tx) => {
      const r = await markNoShowsBatch(tx, { lotId: lot.lotId, now, graceMinutes: lot.noShowGraceMinutes, refundPercent: lot.noShowRefundPercent, limit, actor });
      return { seen: r.noShows, changed: r.noShows > 0, counts: { noShows: r.noShows, refundsDue: r.refundsDue } };
    }, limit, tally)) || changed;
  }
  if (jobs.includes('overstays')) {
    // Cars inside past their end (and walk-ins) keep their spots: holds rolled forward, bookings in the way moved.
    const held = await withTransaction(deps.pool, async (tx) => {
      await setActor(tx, actor);
      return holdCarsInside(tx, { lotId: lot.lotId, now });
    });
    tally.bookingsMoved += held.moved;
    tally.bookingsUnplaced += held.unplaced;
    if (held.cars > 0 || held.moved > 0 || held.unplaced > 0) {
      changed = true;
      await lotChanged(deps, lot.lotId);
    }
    // One worker: alerts take no row locks, two workers would only pick the same candidates.
    changed = (await drain(deps, lot, 1, async (tx) => {
      const r = await insertOverstayAlertsBatch(tx, { lotId: lot.lotId, now, slotMinutes: lot.overstaySlotMinutes, limit, actor });
      return { seen: r.selected, changed: r.alerted > 0, counts: { overstayAlerts: r.alerted } };
    }, limit, tally)) || changed;
  }
  return changed;
}

/** One sweep over one lot or all lots. Throws what the database throws (the caller maps connection failures). */
export async function runSweep(deps: SweepDeps, options: SweepOptions = {}): Promise<SweepSummary> {
  const started = performance.now();
  const at = deps.clock.now();
  const jobs = allSweepJobs.filter((j) => (options.jobs ?? allSweepJobs).includes(j));
  const limit = options.batchSize ?? defaultSweepBatch;
  const lots = (await selectSweepLots(deps.pool, options.lotCode ?? null)).map(sweepLotFromRow);
  const tally: Tally = { holdsExpired: 0, noShows: 0, refundsDue: 0, overstayAlerts: 0, bookingsMoved: 0, bookingsUnplaced: 0 };
  const lotsChanged: string[] = [];
  const warnings: string[] = [];
  for (const lot of lots) {
    if (lot.policyWarning && jobs.includes('noShows')) warnings.push(lot.policyWarning);
    if (await sweepLot(deps, lot, jobs, at, limit, options.concurrency ?? 1, tally)) lotsChanged.push(lot.code);
  }
  // A plain run also keeps the report rollups current (issue 17): one statement per lot, and only the
  // first run of each hour does any work (migration 0041 says why this, and not write-path triggers).
  // A failure there is reported, never fatal: releasing holds and no-shows matters more than a report.
  if (options.jobs === undefined && options.rollups !== false) {
    await refreshReportRollups(deps.pool, lots.map((l) => l.lotId), at)
      .catch((err: unknown) => warnings.push(`report rollups not refreshed: ${(err as Error).message}`.slice(0, 300)));
  }
  return { at, lot: options.lotCode ? options.lotCode.toUpperCase() : null, jobs, ...tally, lotsChanged, warnings, ms: Math.round(performance.now() - started) };
}
