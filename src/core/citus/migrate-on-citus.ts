// A migration on a Citus coordinator (`parkctl db migrate` after `parkctl db distribute`): the file runs one
// statement at a time (see split-sql.ts), and a table it creates with a lot_id column is distributed by
// lot_id right after its CREATE TABLE, colocated with reservations, so the file's next statements (a foreign
// key from a distributed table to it, its indexes) already meet a distributed table. Same transaction.
import type { Queryable } from '../ports.js';
import { splitSqlStatements } from './split-sql.js';

/** The table a CREATE TABLE statement makes (unqualified or public.), else null. */
export function createdTable(statement: string): string | null {
  const code = statement.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '').trim();
  const m = /^create\s+(?:unlogged\s+)?table\s+(?:if\s+not\s+exists\s+)?(?:public\.)?("?)([a-z_][a-z0-9_]*)\1\s*\(/i.exec(code);
  return m ? m[2]!.toLowerCase() : null;
}

export async function runMigrationOnCitus(tx: Queryable, sql: string): Promise<void> {
  // DDL on distributed tables shard by shard on one connection per worker (foreign keys to the reference
  // table require it); triggers on distributed tables (parkctl's touch rows of their own lot only)
  await tx.query(`set local citus.multi_shard_modify_mode to 'sequential'`);
  await tx.query('set local citus.enable_unsafe_triggers to on');
  const { rows: [anchor] } = await tx.query<{ distributed: boolean }>(
    `select exists (select 1 from pg_dist_partition where logicalrelid = to_regclass('reservations') and partmethod = 'h') as distributed`,
  );
  for (const statement of splitSqlStatements(sql)) {
    await tx.query(statement);
    const table = anchor?.distributed ? createdTable(statement) : null;
    if (table === null) continue;
    const { rows: [t] } = await tx.query<{ has_lot_id: boolean }>(
      `select exists (select 1 from pg_attribute where attrelid = to_regclass($1::text) and attname = 'lot_id' and not attisdropped) as has_lot_id`,
      [table],
    );
    if (t?.has_lot_id) await tx.query(`select create_distributed_table($1::text, 'lot_id', colocate_with => 'reservations')`, [table]);
  }
}
