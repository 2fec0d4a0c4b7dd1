// Which node holds a lot's shard, read from the coordinator's Citus metadata: the node a long-running
// process may send the lot's bookings to directly (LotRoutes, issue 18), skipping the coordinator's hop.
// Only a worker that has Citus's metadata qualifies: any such node routes a lot's statements (and a
// delegated function call) to wherever the shard is now, so a stale answer is slower, never wrong.
import type { Queryable } from '../ports.js';
import { citusVersion } from './cluster.js';

export interface LotNode {
  host: string;
  port: number;
  /** Citus's group id of the node (0 is the coordinator, never returned) */
  groupId: number;
}

/**
 * The worker holding the lot's reservations shard, or null: not Citus, not distributed, or the placement is
 * on the coordinator or on a node without metadata (a call there could not be routed on).
 */
export async function selectLotNode(db: Queryable, lotId: number): Promise<LotNode | null> {
  if ((await citusVersion(db)) === null) return null;
  const { rows } = await db.query<{ nodename: string; nodeport: number; groupid: number }>(
    `select n.nodename, n.nodeport, n.groupid
       from pg_dist_placement p
       join pg_dist_node n on n.groupid = p.groupid
      where p.shardid = case when exists (select 1 from pg_dist_partition where logicalrelid = 'reservations'::regclass and partmethod = 'h')
                             then get_shard_id_for_distribution_column('reservations', $1::integer) end
        and n.noderole = 'primary' and n.isactive and n.hasmetadata and n.metadatasynced and n.groupid <> 0
      order by n.groupid
      limit 1`,
    [lotId],
  );
  const r = rows[0];
  return r ? { host: r.nodename, port: r.nodeport, groupId: r.groupid } : null;
}
