// Bulk booking import: every row goes through the same reserve() as `booking reserve`, keyed by its
// external ref (or row digest) so a re-run books nothing twice; a row `booking export` wrote (it has a
// reservation_id) is recognised by that id, or restored as it was (restore-row.ts). Rows are independent by default (good
// rows book, bad rows are reported); --all-or-nothing books every row in ONE transaction or none.
import { lotChanged, type ChangeDeps } from '../changes.js';
import { isPgError, withTransaction } from '../db.js';
import { RefusedError, UsageError, UserError } from '../errors.js';
import { loadLot, type Lot } from '../lots/lot.js';
import type { OccupancyMemo } from '../occupancy-memo.js';
import type { Clock, Logger, PaymentProvider, PoolLike, Queryable } from '../ports.js';
import { completeReservation } from '../reservations/lifecycle.js';
import { reserve, type ReserveResult } from '../reservations/reserve.js';
import { prepareDays } from '../sql/scratch-lots.js';
import type { BookingFile, RowReadProblem } from './booking-rows.js';
import { mapConcurrent, nestedPool, savepointEach } from './concurrency.js';
import { sharedKeyMessage, sharedKeys } from './file-keys.js';
import { isPlanned, planRow, type PaidMark, type PlannedRow } from './plan-row.js';
import { emptyOutcome, problemOutcome, summarise, type ImportReport, type RowOutcome } from './import-report.js';
import { restoreRow } from './restore-row.js';

export interface ImportDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  /** asked for a checkout link for rows left unpaid (TENTATIVE) */
  payments: PaymentProvider;
  /** verifies the receipts of `paid:` rows (the attendant provider), and builds their token */
  receipts: { provider: (mark: PaidMark) => PaymentProvider; token: (mark: PaidMark, reservationId: string, currency: string) => string };
  actor: string;
  occupancy?: OccupancyMemo | undefined;
  logger?: Logger | undefined;
  /** transactions in flight at once (default 8: the CLI pool's size) */
  concurrency?: number;
  /** called after each row; the CLI draws a progress bar on a terminal */
  onProgress?: (done: number, total: number) => void;
}

export interface ImportOptions {
  dryRun?: boolean;
  allOrNothing?: boolean;
}

async function loadLots(db: Queryable, codes: Iterable<string>): Promise<Map<string, Lot | null>> {
  const lots = new Map<string, Lot | null>();
  for (const code of codes) {
    if (lots.has(code) || code === '') continue;
    try {
      lots.set(code, await loadLot(db, code));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      lots.set(code, null);
    }
  }
  return lots;
}

export async function importBookings(deps: ImportDeps, file: BookingFile, opts: ImportOptions = {}): Promise<ImportReport> {
  const lots = await loadLots(deps.pool, file.rows.map((r) => (r.values.lot ?? '').trim().toUpperCase()));
  const now = deps.clock.now();
  const planned: (PlannedRow | RowReadProblem)[] = [...file.problems, ...file.rows.map((r) => planRow(r, lots, now))].sort((a, b) => a.line - b.line);
  const good = planned.filter(isPlanned);
  // a row sharing a key with an earlier one is never booked itself: it gets the first row's answer, or a conflict
  const shared = sharedKeys(good);
  const firsts = good.filter((r) => !shared.has(r.line));
  const unwritable = planned.length - good.length + [...shared.values()].filter((s) => s.differences.length > 0).length;
  const finish = (byLine: Map<number, RowOutcome>) => summarise(planned.map((p) => {
    if (!isPlanned(p)) return problemOutcome(p);
    const s = shared.get(p.line);
    if (!s) return byLine.get(p.line)!;
    if (s.differences.length > 0) return { ...emptyOutcome(p), status: 'conflict', code: s.code, message: sharedKeyMessage(s) };
    const first = byLine.get(s.first.line)!;
    return { ...first, line: p.line, status: first.status === 'booked' ? 'existing' : first.status, message: sharedKeyMessage(s) };
  }), opts);

  if (opts.dryRun || (opts.allOrNothing && unwritable > 0)) {
    const why = opts.dryRun ? null : 'not booked: the file has malformed or conflicting rows (--all-or-nothing)';
    return finish(new Map(firsts.map((p) => [p.line, { ...emptyOutcome(p), status: why ? 'not_written' : 'valid', message: why }])));
  }
  if (opts.allOrNothing) return finish(byLine(await bookInOneTransaction(deps, firsts)));

  await prepareAllocationDays(deps.pool, firsts);
  // Each row is its own short transaction (one reserve, one round trip), several in flight at once:
  // the server's group commit shares WAL flushes between them. Rows batched into one transaction
  // held their spots' locks while waiting for others' and deadlocked under concurrency.
  let done = 0;
  const rowDeps = { ...deps, db: deps.pool, notifier: undefined };
  const booked = await mapConcurrent(firsts, deps.concurrency ?? 8, async (row) => {
    const outcome = await bookRow(rowDeps, deps.pool, row);
    done += 1;
    deps.onProgress?.(done, firsts.length);
    return outcome;
  });
  for (const lotId of new Set(firsts.map((r) => r.lot.lotId))) await lotChanged(deps, lotId);
  return finish(byLine(booked));
}

function byLine(outcomes: readonly RowOutcome[]): Map<number, RowOutcome> {
  return new Map(outcomes.map((o) => [o.line, o]));
}

/** reserve, then settle a `paid:` row (or restore an exported one); a refusal or conflict is an outcome, anything else propagates. */
async function bookRow(deps: ImportDeps & { db: Queryable }, pool: PoolLike, row: PlannedRow): Promise<RowOutcome> {
  if (row.restore) {
    const receiptToken = (mark: PaidMark, id: string, currency: string) => deps.receipts.token(mark, id, mark.currency ?? currency);
    return restoreRow({ clock: deps.clock, actor: deps.actor, receiptToken }, pool, { ...row, restore: row.restore });
  }
  let r: ReserveResult;
  try {
    r = await reserve(deps, row.lot, {
      vehicleType: row.vehicleType, start: row.start, end: row.end, plate: row.plate, customerRef: row.customerRef, externalRef: row.externalRef,
    });
  } catch (err) {
    if (err instanceof RefusedError) return { ...emptyOutcome(row), status: 'refused', code: err.code, message: err.message };
    if (err instanceof UsageError && err.code === 'external_ref_reused') return { ...emptyOutcome(row), status: 'conflict', code: err.code, message: err.message };
    throw err;
  }
  const outcome: RowOutcome = {
    ...emptyOutcome(row), status: r.created ? 'booked' : 'existing', reservationId: r.reservationId, spot: r.spotLabel,
    reservationStatus: r.status, payment: r.status === 'TENTATIVE' ? 'unpaid' : null,
  };
  if (!row.paid || r.status !== 'TENTATIVE') return outcome;
  try {
    const token = deps.receipts.token(row.paid, r.reservationId, row.paid.currency ?? row.lot.currency);
    const done = await completeReservation({ ...deps, pool, payments: deps.receipts.provider(row.paid) }, r.reservationId, token);
    return { ...outcome, reservationStatus: done.status, payment: 'paid' };
  } catch (err) {
    if (!(err instanceof RefusedError)) throw err;
    return { ...outcome, status: 'refused', code: err.code, message: `booked ${r.status} on ${r.spotLabel}, but ${err.message}` };
  }
}

/**
 * The allocation rows (spot_days) of every UTC day the file touches, made once up front: racing
 * reserves that each create a new day's rows see each other's uncommitted rows as absent.
 */
async function prepareAllocationDays(db: Queryable, rows: readonly PlannedRow[]): Promise<void> {
  const dayMs = 86_400_000;
  const days = new Map<string, { lotId: number; day: Date }>();
  for (const r of rows) {
    for (let d = Math.floor(r.start.getTime() / dayMs); d * dayMs < r.end.getTime(); d++) {
      days.set(`${r.lot.lotId}:${d}`, { lotId: r.lot.lotId, day: new Date(d * dayMs) });
    }
  }
  for (const { lotId, day } of days.values()) await prepareDays(db, lotId, day, day);
}

class RollBack extends Error {}

/** Every row in one transaction: the first refusal rolls everything back. */
async function bookInOneTransaction(deps: ImportDeps, rows: PlannedRow[]): Promise<RowOutcome[]> {
  const outcomes: RowOutcome[] = rows.map((row) => ({ ...emptyOutcome(row), status: 'not_written', message: 'not attempted: an earlier row was refused (--all-or-nothing)' }));
  let failedAt = -1;
  try {
    await withTransaction(deps.pool, async (tx) => {
      // No cache or notifier inside: they hear of the change after the commit, never before it.
      const inner = { ...deps, db: savepointEach(tx), cache: undefined, notifier: undefined };
      for (let i = 0; i < rows.length; i++) {
        let outcome: RowOutcome;
        try {
          outcome = await bookRow(inner, nestedPool(tx), rows[i]!);
        } catch (err) {
          if (!isPgError(err)) throw err;
          outcome = { ...emptyOutcome(rows[i]!), status: 'refused', code: 'conflict', message: `a concurrent writer collided with this row (${err.code}); nothing was written: run the import again` };
        }
        outcomes[i] = outcome;
        deps.onProgress?.(i + 1, rows.length);
        if (outcome.status === 'refused' || outcome.status === 'conflict') {
          failedAt = i;
          throw new RollBack();
        }
      }
    });
  } catch (err) {
    if (!(err instanceof RollBack)) throw err;
    for (let i = 0; i < failedAt; i++) {
      outcomes[i] = { ...outcomes[i]!, status: 'not_written', reservationId: null, spot: null, reservationStatus: null, payment: null, message: `rolled back: line ${rows[failedAt]!.line} was ${outcomes[failedAt]!.status === 'conflict' ? 'in conflict' : 'refused'} (--all-or-nothing)` };
    }
    return outcomes;
  }
  for (const lotId of new Set(rows.map((r) => r.lot.lotId))) await lotChanged(deps, lotId);
  return outcomes;
}
