// `parkctl db prune --older-than 400d` (issue 17): events, gate events and old visits grow forever; the
// reports keep their figures in the hourly rollups, so the raw rows can go once exported. Order: bring
// the rollups up to now (they then hold every hour before the cutoff), mark the lot pruned before the
// cutoff (the refresher never recomputes those hours from the rows about to go), then per table: delete
// a batch returning its rows, hand them to the export sink (which writes and syncs them), commit. A
// crash between the sink and the commit leaves the batch in place and exports it again next run: an
// exported row may appear twice, a deleted row is never unexported.
import { isPgError, PgCode, withTransaction } from '../db.js';
import { RefusedError } from '../errors.js';
import type { PoolLike } from '../ports.js';
import { countOldRows, deleteOldRows, deleteVisitChildren, deleteVisits, lockOldVisits, markPruned, prunableTables, visitReferences } from '../sql/prune.js';
import { refreshReportRollups } from './rollups.js';

export interface PruneOptions {
  lotIds: readonly number[];
  now: Date;
  cutoff: Date;
  /** rows per transaction */
  batchSize?: number;
  /** count only */
  dryRun?: boolean;
  /** receives each batch before its delete commits (a table name: one of ours, or a table whose rows cascade with a visit); null: no export */
  sink: ((table: string, lotId: number, rows: Record<string, unknown>[]) => Promise<void>) | null;
}

export interface PruneResult {
  table: string;
  deleted: number;
}

export async function pruneHistory(pool: PoolLike, o: PruneOptions): Promise<PruneResult[]> {
  const refs = await visitReferences(pool);
  const children = refs.filter((r) => r.cascades);
  const totals = new Map<string, number>([...prunableTables, ...children.map((c) => c.table)].map((t) => [t, 0]));
  const add = (table: string, n: number) => totals.set(table, totals.get(table)! + n);
  const limit = o.batchSize ?? 5000;
  for (const lotId of o.lotIds) {
    if (o.dryRun) {
      for (const t of prunableTables) add(t, await countOldRows(pool, t, lotId, o.cutoff, refs));
      continue;
    }
    await refreshReportRollups(pool, [lotId], o.now, { rebuild: false });
    await markPruned(pool, lotId, o.cutoff);
    // events and gate events: nothing references them
    for (const table of ['events', 'gate_events'] as const) {
      for (;;) {
        const n = await withTransaction(pool, async (tx) => {
          const rows = await deleteOldRows(tx, table, lotId, o.cutoff, limit, refs);
          if (rows.length > 0 && o.sink) await o.sink(table, lotId, rows);
          return rows.length;
        });
        add(table, n);
        if (n === 0) break;
      }
    }
    // visits: a batch locked, the rows that cascade with them exported and deleted first, then the visits
    for (;;) {
      const n = await withTransaction(pool, async (tx) => {
        // (a cascading row that another row names, a lost ticket's validation, stops the batch: see below)
        const ids = await lockOldVisits(tx, lotId, o.cutoff, limit, refs);
        if (ids.length === 0) return 0;
        for (const child of children) {
          const rows = await deleteVisitChildren(tx, child, lotId, ids);
          if (rows.length > 0 && o.sink) await o.sink(child.table, lotId, rows);
          add(child.table, rows.length);
        }
        const rows = await deleteVisits(tx, lotId, ids);
        if (o.sink) await o.sink('visits', lotId, rows);
        return rows.length;
      }).catch((err: unknown) => {
        if (!isPgError(err, PgCode.foreignKeyViolation)) throw err;
        throw new RefusedError(`old visits kept: a row still names what would go with them (${err.message.slice(0, 160)})`, {
          hint: 'events and gate events were pruned; the visits stay until the rows naming them go (see the constraint named above)', code: 'visit_still_named',
        });
      });
      add('visits', n);
      if (n === 0) break;
    }
  }
  return [...totals].map(([table, deleted]) => ({ table, deleted }));
}
