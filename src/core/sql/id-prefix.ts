// Ids that fall in a uuid range: what a unique-prefix lookup needs (src/core/ids/prefix.ts).
import type { Queryable } from '../ports.js';

/** The tables whose ids people type, and the column of each. */
export const idColumns = {
  reservation: { table: 'reservations', column: 'reservation_id' },
  visit: { table: 'visits', column: 'visit_id' },
  payment: { table: 'payments', column: 'payment_id' },
} as const;

export type IdKind = keyof typeof idColumns;

export interface IdMatch {
  kind: IdKind;
  id: string;
  /** how many ids of every kind asked for fall in the range (the same on every row) */
  total: number;
}

/** Up to `limit` ids in [low, high] of each kind, in order, with the total count of matches. */
export async function selectIdsInRange(db: Queryable, kinds: readonly IdKind[], low: string, high: string, limit: number): Promise<IdMatch[]> {
  const parts = kinds.map((k) => `select '${k}'::text as kind, ${idColumns[k].column}::text as id from ${idColumns[k].table} where ${idColumns[k].column} between $1::uuid and $2::uuid`);
  const { rows } = await db.query<{ kind: IdKind; id: string; total: string }>(
    `select kind, id, count(*) over () as total from (${parts.join(' union all ')}) m order by id limit $3::int`,
    [low, high, limit],
  );
  return rows.map((r) => ({ kind: r.kind, id: r.id, total: Number(r.total) }));
}
