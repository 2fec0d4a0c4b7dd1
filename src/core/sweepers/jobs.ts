// The sweeper's jobs and the per-lot settings they read. DESIGN.md section 4: hold expiry every minute,
// no-shows and overstay alerts every quarter hour; all idempotent and safe to run twice at once.
import type { SweepLotRow } from '../sql/sweeps.js';

export type SweepJob = 'holds' | 'noShows' | 'overstays';

/** In the order one run does them: releasing holds first frees spots soonest. */
export const allSweepJobs: readonly SweepJob[] = ['holds', 'noShows', 'overstays'];

/**
 * Rows per transaction: short enough that a batch never holds reservation rows for long (~0.1 s). Measured
 * with `bench sweep` beside 16 reservers: 500 -> 11.2 s for 100,000 holds, 1,000 -> 8.4 s (reserve p99
 * 37 ms), 2,000 -> 19.7 s (the triggers' set-based statements change plans on bigger transition tables).
 */
export const defaultSweepBatch = 1000;

export interface SweepLot {
  lotId: number;
  code: string;
  noShowGraceMinutes: number;
  overstaySlotMinutes: number;
  /** share of a paid no-show's price to give back, 0..100 (lots.policy.no_show_refund_percent, default 0) */
  noShowRefundPercent: number;
  /** why the policy value was ignored, when it was */
  policyWarning: string | null;
}

/**
 * Reads lots.policy.no_show_refund_percent. The lot file does not validate policy keys, so a bad value is
 * reported and treated as 0 (the lot keeps the money) rather than stopping the sweep: releasing the
 * no-shows' spots matters more than one lot's misconfigured refund, and the warning names it.
 */
export function sweepLotFromRow(row: SweepLotRow): SweepLot {
  const raw = row.no_show_refund_percent;
  let percent = 0;
  let policyWarning: string | null = null;
  if (raw !== null && raw !== undefined) {
    if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 && raw <= 100) {
      percent = raw;
    } else {
      policyWarning = `lot ${row.code}: policy.no_show_refund_percent ${JSON.stringify(raw)} is not a number from 0 to 100; no refunds were marked`;
    }
  }
  return {
    lotId: row.lot_id,
    code: row.code,
    noShowGraceMinutes: row.no_show_grace_minutes,
    overstaySlotMinutes: row.overstay_slot_minutes,
    noShowRefundPercent: percent,
    policyWarning,
  };
}
