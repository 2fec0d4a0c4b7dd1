// SQL of `db prune` (issue 17): the append-only tables lose their old rows in short batches, each batch
// deleted and returned in one statement so what is exported is exactly what was deleted.
import type { Queryable } from '../ports.js';

export const prunableTables = ['events', 'gate_events', 'visits'] as const;
export type PrunableTable = (typeof prunableTables)[number];

/** A foreign key that references visits, read from the catalogue (other features add their own). */
export interface VisitReference {
  table: string;
  /** `on delete cascade`: the rows go with their visit (exported first); otherwise they keep it */
  cascades: boolean;
  /** `x.<col> = visits.<col> and ...` */
  matchVisits: string;
  /** the same match against one lot ($1) and a batch of visit ids ($2) */
  matchBatch: string;
}

export async function visitReferences(db: Queryable): Promise<VisitReference[]> {
  const { rows } = await db.query<{ tbl: string; cascades: boolean; cols: string[]; refs: string[] }>(
    `select c.conrelid::regclass::text as tbl, c.confdeltype = 'c' as cascades,
            array(select quote_ident(a.attname) from unnest(c.conkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i) as cols,
            array(select a.attname::text from unnest(c.confkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i) as refs
       from pg_constraint c where c.contype = 'f' and c.confrelid = 'visits'::regclass order by 1`,
  );
  return rows.map((r) => ({
    table: r.tbl, cascades: r.cascades,
    matchVisits: r.cols.map((c, i) => `x.${c} = visits.${r.refs[i]}`).join(' and '),
    matchBatch: r.cols.map((c, i) => (r.refs[i] === 'lot_id' ? `x.${c} = $1::integer` : `x.${c} = any ($2::uuid[])`)).join(' and '),
  }));
}

/**
 * Which rows are old: events and gate events by when they happened; visits that left before the cutoff and
 * that no row names through a foreign key without `on delete cascade` (payments are money records and stay,
 * and with them their visit; so do those of validations and charging sessions). Rows that cascade (a walk-in's
 * ticket) are exported and deleted with their visit.
 */
function oldRows(table: PrunableTable, refs: readonly VisitReference[]): string {
  if (table !== 'visits') return `lot_id = $1::integer and occurred_at < $2::timestamptz`;
  return [`lot_id = $1::integer and exited_at < $2::timestamptz`,
    ...refs.filter((r) => !r.cascades).map((r) => `not exists (select 1 from ${r.table} x where ${r.matchVisits})`)].join('\n and ');
}

/** Deletes up to `limit` old rows of `table` and returns them (every column, as stored). */
export async function deleteOldRows(db: Queryable, table: PrunableTable, lotId: number, cutoff: Date, limit: number, refs: readonly VisitReference[]): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `delete from ${table} where ctid = any (array(select ctid from ${table} where ${oldRows(table, refs)} limit $3::integer)) returning *`,
    [lotId, cutoff, limit],
  );
  return rows;
}

/** The old visits of the next batch, locked: their cascading rows are exported and deleted before them. */
export async function lockOldVisits(db: Queryable, lotId: number, cutoff: Date, limit: number, refs: readonly VisitReference[]): Promise<string[]> {
  const { rows } = await db.query<{ visit_id: string }>(
    `select visit_id from visits where ${oldRows('visits', refs)} limit $3::integer for update`, [lotId, cutoff, limit]);
  return rows.map((r) => r.visit_id);
}

/** Deletes and returns the rows of one cascading reference that name these visits. */
export async function deleteVisitChildren(db: Queryable, ref: VisitReference, lotId: number, visitIds: readonly string[]): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query<Record<string, unknown>>(`delete from ${ref.table} x where ${ref.matchBatch} returning x.*`, [lotId, visitIds]);
  return rows;
}

export async function deleteVisits(db: Queryable, lotId: number, visitIds: readonly string[]): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query<Record<string, unknown>>(`delete from visits where lot_id = $1::integer and visit_id = any ($2::uuid[]) returning *`, [lotId, visitIds]);
  return rows;
}

export async function countOldRows(db: Queryable, table: PrunableTable, lotId: number, cutoff: Date, refs: readonly VisitReference[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::integer as n from ${table} where ${oldRows(table, refs)}`, [lotId, cutoff]);
  return rows[0]!.n;
}

/** Records that raw rows before `cutoff` are gone, so the rollup refresher never recomputes those hours. */
export async function markPruned(db: Queryable, lotId: number, cutoff: Date): Promise<void> {
  await db.query(
    `update report_rollup_marks set pruned_before = greatest(coalesce(pruned_before, '-infinity'::timestamptz), $2::timestamptz) where lot_id = $1::integer`,
    [lotId, cutoff],
  );
}
