// SQL of `db prune` (issue 17): the append-only tables lose their old rows in short batches, each batch
// deleted and returned in one statement so what is exported is exactly what was deleted.
import type { Queryable } from '../ports.js';

export const prunableTables = ['events', 'gate_events', 'visits'] as const;
export type PrunableTable = (typeof prunableTables)[number];

/**
 * Which rows are old: events and gate events by when they happened; visits that left before the cutoff and
 * that no other row names through a foreign key (payments are money records and stay, and with them their
 * visit; so do the visits of tickets, validations, charging sessions, whatever references visits).
 */
function oldRows(table: PrunableTable, visitRefs: readonly string[]): string {
  if (table !== 'visits') return `lot_id = $1::integer and occurred_at < $2::timestamptz`;
  return [`lot_id = $1::integer and exited_at < $2::timestamptz`, ...visitRefs.map((r) => `not exists (${r})`)].join('\n and ');
}

/** One `select 1 from <t> where <its key> = visits.<key>` per foreign key that references visits. */
export async function visitReferences(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ tbl: string; cols: string[]; refs: string[] }>(
    `select c.conrelid::regclass::text as tbl,
            array(select quote_ident(a.attname) from unnest(c.conkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i) as cols,
            array(select quote_ident(a.attname) from unnest(c.confkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i) as refs
       from pg_constraint c where c.contype = 'f' and c.confrelid = 'visits'::regclass order by 1`,
  );
  return rows.map((r) => `select 1 from ${r.tbl} x where ${r.cols.map((c, i) => `x.${c} = visits.${r.refs[i]}`).join(' and ')}`);
}

/** Deletes up to `limit` old rows of `table` and returns them (every column, as stored). */
export async function deleteOldRows(db: Queryable, table: PrunableTable, lotId: number, cutoff: Date, limit: number, visitRefs: readonly string[]): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `delete from ${table} where ctid = any (array(select ctid from ${table} where ${oldRows(table, visitRefs)} limit $3::integer)) returning *`,
    [lotId, cutoff, limit],
  );
  return rows;
}

export async function countOldRows(db: Queryable, table: PrunableTable, lotId: number, cutoff: Date, visitRefs: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::integer as n from ${table} where ${oldRows(table, visitRefs)}`, [lotId, cutoff]);
  return rows[0]!.n;
}

/** Records that raw rows before `cutoff` are gone, so the rollup refresher never recomputes those hours. */
export async function markPruned(db: Queryable, lotId: number, cutoff: Date): Promise<void> {
  await db.query(
    `update report_rollup_marks set pruned_before = greatest(coalesce(pruned_before, '-infinity'::timestamptz), $2::timestamptz) where lot_id = $1::integer`,
    [lotId, cutoff],
  );
}
