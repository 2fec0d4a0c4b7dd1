// SQL of `db prune` (issue 17): the append-only tables lose their old rows in short batches, each batch
// deleted and returned in one statement so what is exported is exactly what was deleted.
import type { Queryable } from '../ports.js';

export const prunableTables = ['events', 'gate_events', 'visits'] as const;
export type PrunableTable = (typeof prunableTables)[number];

/**
 * Which rows are old: events and gate events by when they happened; visits that left before the cutoff
 * and that no payment names (payments are money records and are kept, and with them their visit).
 */
const oldRows: Record<PrunableTable, string> = {
  events: `lot_id = $1::integer and occurred_at < $2::timestamptz`,
  gate_events: `lot_id = $1::integer and occurred_at < $2::timestamptz`,
  visits: `lot_id = $1::integer and exited_at < $2::timestamptz
           and not exists (select 1 from payments p where p.lot_id = visits.lot_id and p.visit_id = visits.visit_id)`,
};

/** Deletes up to `limit` old rows of `table` and returns them (every column, as stored). */
export async function deleteOldRows(db: Queryable, table: PrunableTable, lotId: number, cutoff: Date, limit: number): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `delete from ${table} where ctid = any (array(select ctid from ${table} where ${oldRows[table]} limit $3::integer)) returning *`,
    [lotId, cutoff, limit],
  );
  return rows;
}

export async function countOldRows(db: Queryable, table: PrunableTable, lotId: number, cutoff: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::integer as n from ${table} where ${oldRows[table]}`, [lotId, cutoff]);
  return rows[0]!.n;
}

/** Records that raw rows before `cutoff` are gone, so the rollup refresher never recomputes those hours. */
export async function markPruned(db: Queryable, lotId: number, cutoff: Date): Promise<void> {
  await db.query(
    `update report_rollup_marks set pruned_before = greatest(coalesce(pruned_before, '-infinity'::timestamptz), $2::timestamptz) where lot_id = $1::integer`,
    [lotId, cutoff],
  );
}
