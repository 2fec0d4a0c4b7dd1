// `parkctl db prune --older-than 400d` (issue 17): events, gate events and old visits grow forever; the
// reports keep their figures in the hourly rollups, so the raw rows can go once exported. Order: bring
// the rollups up to now (they then hold every hour before the cutoff), mark the lot pruned before the
// cutoff (the refresher never recomputes those hours from the rows about to go), then per table: delete
// a batch returning its rows, hand them to the export sink (which writes and syncs them), commit. A
// crash between the sink and the commit leaves the batch in place and exports it again next run: an
// exported row may appear twice, a deleted row is never unexported.
import { withTransaction } from '../db.js';
import type { PoolLike } from '../ports.js';
import { countOldRows, deleteOldRows, markPruned, prunableTables, visitReferences, type PrunableTable } from '../sql/prune.js';
import { refreshReportRollups } from './rollups.js';

export interface PruneOptions {
  lotIds: readonly number[];
  now: Date;
  cutoff: Date;
  /** rows per transaction */
  batchSize?: number;
  /** count only */
  dryRun?: boolean;
  /** receives each batch before its delete commits; null: nothing is exported (--no-export) */
  sink: ((table: PrunableTable, lotId: number, rows: Record<string, unknown>[]) => Promise<void>) | null;
}

export interface PruneResult {
  table: PrunableTable;
  deleted: number;
}

export async function pruneHistory(pool: PoolLike, o: PruneOptions): Promise<PruneResult[]> {
  const totals = new Map<PrunableTable, number>(prunableTables.map((t) => [t, 0]));
  const refs = await visitReferences(pool);
  for (const lotId of o.lotIds) {
    if (o.dryRun) {
      for (const t of prunableTables) totals.set(t, totals.get(t)! + await countOldRows(pool, t, lotId, o.cutoff, refs));
      continue;
    }
    await refreshReportRollups(pool, [lotId], o.now, { rebuild: false });
    await markPruned(pool, lotId, o.cutoff);
    // events before visits: nothing references events; visits another row names stay (see sql/prune.ts)
    for (const table of prunableTables) {
      for (;;) {
        const n = await withTransaction(pool, async (tx) => {
          const rows = await deleteOldRows(tx, table, lotId, o.cutoff, o.batchSize ?? 5000, refs);
          if (rows.length > 0 && o.sink) await o.sink(table, lotId, rows);
          return rows.length;
        });
        totals.set(table, totals.get(table)! + n);
        if (n === 0) break;
      }
    }
  }
  return prunableTables.map((table) => ({ table, deleted: totals.get(table)! }));
}
