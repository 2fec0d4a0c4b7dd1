// What a Citus coordinator says about itself: the extension's version, its nodes, and what is already
// distributed. Read before `db distribute` acts, and by the migrator (DDL on a distributed schema needs
// Citus's settings). On plain PostgreSQL every read answers "no Citus".
import type { Queryable } from '../ports.js';

export interface CitusNode {
  nodeName: string;
  nodePort: number;
  /** 0: the coordinator */
  groupId: number;
  isActive: boolean;
  /** the node may hold shards (workers do; a registered coordinator by default does not) */
  shouldHaveShards: boolean;
}

export interface CitusCluster {
  /** installed extension version, e.g. "13.2-1"; null: no citus extension in this database */
  version: string | null;
  nodes: CitusNode[];
  /** tables already known to Citus: name -> 'reference' | 'distributed' | 'local' */
  tables: Map<string, 'reference' | 'distributed' | 'local'>;
  /** functions Citus already knows (propagated to the workers), as regprocedure text */
  functions: Set<string>;
  /** triggers that notify parkctl_api_config (migration 0027) still in place */
  configNotifyTriggers: { table: string; trigger: string }[];
}

/** The extension version installed in this database, or null. One cheap catalog read. */
export async function citusVersion(db: Queryable): Promise<string | null> {
  const { rows } = await db.query<{ extversion: string }>(`select extversion from pg_extension where extname = 'citus'`);
  return rows[0]?.extversion ?? null;
}

export async function readCluster(db: Queryable): Promise<CitusCluster> {
  const version = await citusVersion(db);
  const notify = await db.query<{ table_name: string; trigger: string }>(
    `select t.tgrelid::regclass::text as table_name, t.tgname::text as trigger from pg_trigger t
      where not t.tgisinternal and t.tgfoid = to_regprocedure('parkctl_api_config_changed()') order by 1, 2`,
  );
  const configNotifyTriggers = notify.rows.map((r) => ({ table: r.table_name, trigger: r.trigger }));
  if (version === null) return { version, nodes: [], tables: new Map(), functions: new Set(), configNotifyTriggers };
  const [{ rows: nodes }, { rows: tables }, { rows: functions }] = await Promise.all([
    db.query<{ nodename: string; nodeport: number; groupid: number; isactive: boolean; shouldhaveshards: boolean }>(
      `select nodename, nodeport, groupid, isactive, shouldhaveshards from pg_dist_node where noderole = 'primary' order by groupid`,
    ),
    db.query<{ table_name: string; kind: string }>(
      `select table_name::text as table_name, citus_table_type::text as kind from citus_tables`,
    ),
    db.query<{ proc: string }>(
      `select objid::regprocedure::text as proc from pg_dist_object where classid = 'pg_proc'::regclass`,
    ),
  ]);
  return {
    version,
    nodes: nodes.map((n) => ({ nodeName: n.nodename, nodePort: n.nodeport, groupId: n.groupid, isActive: n.isactive, shouldHaveShards: n.shouldhaveshards })),
    tables: new Map(tables.map((t) => [t.table_name, t.kind as 'reference' | 'distributed' | 'local'])),
    functions: new Set(functions.map((f) => f.proc)),
    configNotifyTriggers,
  };
}

/** The oldest Citus parkctl was tested against (13.2 on PostgreSQL 15); 12.x has the same functions. */
export const minCitusMajor = 12;

/** Why this cluster cannot take the schema yet, or null. */
export function clusterProblem(c: CitusCluster): { message: string; hint: string } | null {
  if (c.version === null) {
    return {
      message: 'this database has no citus extension: it is not a Citus coordinator',
      hint: "on the coordinator: shared_preload_libraries = 'citus', then create extension citus; add the workers; review first with parkctl db distribute --print",
    };
  }
  const major = Number(c.version.split('.')[0]);
  if (!(major >= minCitusMajor)) {
    return { message: `Citus ${c.version} is too old (parkctl needs ${minCitusMajor}.0 or later)`, hint: 'upgrade the citus extension on every node (alter extension citus update)' };
  }
  const workers = c.nodes.filter((n) => n.isActive && n.shouldHaveShards && n.groupId !== 0);
  if (workers.length === 0) {
    return {
      message: 'the Citus cluster has no active worker to hold shards',
      hint: "register the coordinator and the workers first: select citus_set_coordinator_host('host', port); select citus_add_node('worker', port);",
    };
  }
  return null;
}
