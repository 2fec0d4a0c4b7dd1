// Keeping the report rollups current (migration 0041): the sweeper calls this every run; `report refresh`
// by hand. One statement per lot, so it never holds anything the booking path needs for long.
import type { Queryable } from '../ports.js';
import { refreshRollups } from '../sql/reports.js';

/** Hours recomputed behind the mark each run: late rows (a gate's journal after an outage) land in their hour. */
export const defaultLookbackHours = 48;

export interface RollupRefresh {
  lotId: number;
  from: Date;
  to: Date;
  ms: number;
}

export async function refreshReportRollups(db: Queryable, lotIds: readonly number[], now: Date, opts: { lookbackHours?: number; rebuild?: boolean } = {}): Promise<RollupRefresh[]> {
  const out: RollupRefresh[] = [];
  for (const lotId of lotIds) {
    const started = performance.now();
    const r = await refreshRollups(db, lotId, now, opts.lookbackHours ?? defaultLookbackHours, opts.rebuild ?? false);
    out.push({ lotId, ...r, ms: Math.round(performance.now() - started) });
  }
  return out;
}
