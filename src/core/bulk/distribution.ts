// Many lots on many servers (DESIGN.md invariant 3): the check that every lot-scoped key carries
// lot_id, and the Citus statements that distribute the schema by lot_id. Both read the catalog, so a
// table a later migration adds is checked and distributed without anyone editing a list.
import type { CatalogKey, CatalogTable } from '../sql/catalog.js';

/**
 * `lots` is a reference table (a copy on every node), not distributed: its `unique (code)` does not
 * contain lot_id, which Citus cannot enforce across shards, and every node needs code -> lot_id anyway.
 * Foreign keys from distributed tables to a reference table are allowed.
 */
export const lotsTable = 'lots';

export interface LotScopeProblem {
  table: string;
  constraint: string | null;
  message: string;
}

const kindNames: Record<CatalogKey['kind'], string> = { p: 'primary key', u: 'unique constraint', x: 'exclusion constraint', f: 'foreign key', i: 'unique index' };

/** Every way a table with a lot_id column breaks invariant 3; empty when the schema is distributable. */
export function lotScopeProblems(tables: readonly CatalogTable[], keys: readonly CatalogKey[]): LotScopeProblem[] {
  const problems: LotScopeProblem[] = [];
  const scoped = new Set(tables.filter((t) => t.has_lot_id).map((t) => t.table_name));
  for (const table of [...scoped].filter((t) => t !== lotsTable)) {
    const own = keys.filter((k) => k.table_name === table);
    if (!own.some((k) => k.kind === 'p')) problems.push({ table, constraint: null, message: `${table} has no primary key` });
    for (const k of own) {
      const where = `${kindNames[k.kind]} ${k.name} (${k.columns.join(', ')})`;
      if (k.kind !== 'f') {
        if (!k.columns.includes('lot_id')) problems.push({ table, constraint: k.name, message: `${table}: ${where} does not include lot_id` });
        continue;
      }
      if (k.ref_table === lotsTable) continue; // on lot_id by construction
      const at = k.columns.indexOf('lot_id');
      if (at === -1 || k.ref_columns?.[at] !== 'lot_id') {
        problems.push({ table, constraint: k.name, message: `${table}: ${where} -> ${k.ref_table} does not match lot_id to lot_id` });
      } else if (!scoped.has(k.ref_table ?? '')) {
        problems.push({ table, constraint: k.name, message: `${table}: ${where} references ${k.ref_table}, which has no lot_id` });
      }
    }
  }
  return problems;
}

export interface DistributionPlan {
  /** copied to every node: lots, and any table without lot_id that a lot-scoped table references */
  referenceTables: string[];
  /** sharded by lot_id, colocated, in an order where every referenced table comes first */
  distributedTables: string[];
  /** stay on the coordinator only (bookkeeping no lot transaction touches) */
  localTables: string[];
}

export function distributionPlan(tables: readonly CatalogTable[], keys: readonly CatalogKey[]): DistributionPlan {
  const scoped = tables.filter((t) => t.has_lot_id && t.table_name !== lotsTable).map((t) => t.table_name);
  const foreign = keys.filter((k) => k.kind === 'f');
  const referencedByScoped = new Set(foreign.filter((k) => scoped.includes(k.table_name)).map((k) => k.ref_table!));
  const unscoped = tables.filter((t) => !t.has_lot_id).map((t) => t.table_name);
  const referenceTables = [lotsTable, ...unscoped.filter((t) => referencedByScoped.has(t))].filter((t) => tables.some((x) => x.table_name === t));
  const localTables = unscoped.filter((t) => !referenceTables.includes(t));

  // Topological order over the foreign keys between distributed tables (ties by name: stable output).
  const ordered: string[] = [];
  const pending = new Set(scoped);
  while (pending.size > 0) {
    const ready = [...pending].sort().filter((t) => foreign.every((k) => k.table_name !== t || k.ref_table === t || !pending.has(k.ref_table!)));
    if (ready.length === 0) throw new Error(`foreign key cycle among ${[...pending].join(', ')}`);
    for (const t of ready) {
      ordered.push(t);
      pending.delete(t);
    }
  }
  return { referenceTables, distributedTables: ordered, localTables };
}
