// `parkctl db distribute`: the statements that spread the schema over a Citus cluster by lot_id, derived from
// the live catalog (a table or function a later migration adds is covered), and applying them in one
// transaction. Measured on Citus 13.2 / PostgreSQL 15 (a coordinator and two workers on one machine).
import { withTransaction } from '../db.js';
import type { DistributionPlan } from '../bulk/distribution.js';
import type { CatalogFunction } from '../sql/catalog.js';
import type { PoolLike, Queryable } from '../ports.js';
import type { CitusCluster } from './cluster.js';

export interface DistributionStep {
  kind: 'setting' | 'unnotify' | 'reference' | 'distributed' | 'propagated' | 'delegated';
  /** the table or function */
  target: string;
  sql: string;
}

/**
 * Settings of the distributing transaction (SET LOCAL: gone at commit):
 *  * sequential: a table with a foreign key to a reference table must be distributed before any parallel
 *    command of the same transaction;
 *  * no local reference-table keys: with the coordinator registered, create_reference_table('lots') would
 *    first turn every table with a key to lots into a Citus-managed local table, and that conversion refuses
 *    identity columns (events.event_id, gate_commands.command_id): "cannot complete operation on a table
 *    with identity column". Distributed directly, they keep their identity columns;
 *  * unsafe triggers: the reservation and visit triggers write rows of the same lot only (colocated shards).
 */
export const distributionSettings = [
  `set local citus.multi_shard_modify_mode to 'sequential'`,
  'set local citus.enable_local_reference_table_foreign_keys to off',
  'set local citus.enable_unsafe_triggers to on',
];

/**
 * On the database, for every later session: SET LOCAL commands reach the workers, where the triggers read
 * the actor, the reason and the hold clock of the transaction (parkctl sets them with SET LOCAL, setLocals).
 */
export const sessionSettings = [`do $$ begin execute format('alter database %I set citus.propagate_set_commands to %L', current_database(), 'local'); end $$`];

/** The table every lot-scoped table and lot function is colocated with. */
export function anchorTable(plan: DistributionPlan): string | undefined {
  return plan.distributedTables.includes('reservations') ? 'reservations' : plan.distributedTables[0];
}

/** A function that works on one lot: its first argument is `p_lot integer`. Delegated to that lot's worker. */
export function isLotFunction(f: CatalogFunction): boolean {
  return f.first_arg === 'p_lot' && f.first_type === 'integer';
}

/**
 * A delegated function plans its statements for each call on the worker (force_custom_plan). With the
 * generic plans PostgreSQL switches to after five calls, Citus 13.2 misses its own cache of the local shard
 * plan and deparses, parses and plans each statement again on every call, keeping every copy (unbounded
 * memory in a long session; citusdata/citus#8824, fixed after 13.2.2). Measured on parkctl_reserve (one
 * client, the cluster's CPU per booking against plain PostgreSQL's at the same time): 4.1-4.3x with generic
 * plans, 2.9-3.4x with custom ones.
 */
const customPlans = (signature: string) => `alter function ${signature} set plan_cache_mode = force_custom_plan;`;

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** What is left to do on this cluster (all of it on a database Citus has not seen). */
export function distributionSteps(plan: DistributionPlan, functions: readonly CatalogFunction[], cluster: CitusCluster): DistributionStep[] {
  const anchor = anchorTable(plan);
  const steps: DistributionStep[] = [...distributionSettings, ...sessionSettings].map((sql) => ({ kind: 'setting' as const, target: '', sql: `${sql};` }));
  // Migration 0027's triggers NOTIFY the API's config cache. On Citus they would fire on the workers'
  // copies, inside the two-phase commit a reference-table or multi-shard write takes, and PostgreSQL
  // cannot PREPARE a transaction that notified: every lot import would fail. The API reads keys and lots
  // on every request on Citus (no cache), so the triggers go, except on tables that stay local.
  const sharded = new Set([...plan.referenceTables, ...plan.distributedTables]);
  for (const { table, trigger } of cluster.configNotifyTriggers) {
    if (sharded.has(table)) steps.push({ kind: 'unnotify', target: table, sql: `drop trigger if exists ${ident(trigger)} on ${ident(table)};` });
  }
  for (const t of plan.referenceTables) {
    if (cluster.tables.get(t) !== 'reference') steps.push({ kind: 'reference', target: t, sql: `select create_reference_table(${literal(t)});` });
  }
  for (const t of plan.distributedTables) {
    if (cluster.tables.get(t) === 'distributed') continue;
    const colocate = t === plan.distributedTables[0] ? '' : `, colocate_with => ${literal(plan.distributedTables[0]!)}`;
    steps.push({ kind: 'distributed', target: t, sql: `select create_distributed_table(${literal(t)}, 'lot_id'${colocate});` });
  }
  for (const f of functions) {
    if (anchor && isLotFunction(f)) {
      // re-run every time: cheap, and it records the distribution argument of a function a migration replaced
      // (and a migration's CREATE OR REPLACE drops the plan_cache_mode below, which this puts back)
      steps.push({ kind: 'delegated', target: f.signature, sql: `select create_distributed_function(${literal(f.signature)}, 'p_lot', colocate_with => ${literal(anchor)}); ${customPlans(f.signature)}` });
    } else if (!cluster.functions.has(f.signature)) {
      // the triggers' helpers run on the workers (a function created before the workers joined is not there)
      steps.push({ kind: 'propagated', target: f.signature, sql: `select create_distributed_function(${literal(f.signature)});` });
    }
  }
  return steps;
}

/** Whether anything but the settings is left. */
export const hasWork = (steps: readonly DistributionStep[]) => steps.some((s) => s.kind !== 'setting');

/** The script for review (`--print`): a header saying what and why, then one transaction. */
export function distributionScript(plan: DistributionPlan, steps: readonly DistributionStep[]): string {
  return [
    '-- parkctl on Citus: distribute the schema by lot_id (generated from the live catalog by `parkctl db distribute --print`).',
    '-- `parkctl db distribute` runs exactly this, in one transaction, after checking the Citus version and the nodes.',
    '-- Every lot-scoped key includes lot_id (checked against the catalog), so each booking stays a single-shard transaction.',
    `-- Reference tables (a copy on every node): ${plan.referenceTables.join(', ')}.`,
    '--   lots is not distributed: unique (code) cannot include lot_id, and every node resolves codes.',
    `-- Local to the coordinator: ${plan.localTables.join(', ') || '(none)'}.`,
    '-- Functions whose first argument is p_lot run on the worker that holds the lot (one round trip, not one a statement).',
    '',
    'begin;',
    ...steps.map((s) => s.sql),
    'commit;',
  ].join('\n');
}

export interface AppliedDistribution {
  referenceTables: string[];
  distributedTables: { table: string; shards: number }[];
  delegatedFunctions: string[];
  propagatedFunctions: string[];
}

/** Runs the steps in one transaction (all or nothing), then reads back the shards of what it distributed. */
export async function applyDistribution(pool: PoolLike, steps: readonly DistributionStep[]): Promise<AppliedDistribution> {
  await withTransaction(pool, async (tx) => {
    for (const s of steps) await tx.query(s.sql);
  });
  const distributed = steps.filter((s) => s.kind === 'distributed').map((s) => s.target);
  return {
    referenceTables: steps.filter((s) => s.kind === 'reference').map((s) => s.target),
    distributedTables: await shardCounts(pool, distributed),
    delegatedFunctions: steps.filter((s) => s.kind === 'delegated').map((s) => s.target),
    propagatedFunctions: steps.filter((s) => s.kind === 'propagated').map((s) => s.target),
  };
}

async function shardCounts(db: Queryable, tables: string[]): Promise<{ table: string; shards: number }[]> {
  if (tables.length === 0) return [];
  const { rows } = await db.query<{ table_name: string; shards: number }>(
    `select t.name as table_name, (select count(*)::integer from pg_dist_shard s where s.logicalrelid = t.name::regclass) as shards
       from unnest($1::text[]) with ordinality t(name, ord) order by t.ord`,
    [tables],
  );
  return rows.map((r) => ({ table: r.table_name, shards: r.shards }));
}
