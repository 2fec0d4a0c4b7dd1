// A lot's capacity count on the Citus worker that holds the lot, run on the lot's shards by name (issue 18).
// Sent to a worker as it is, the count (subqueries and a union over spot_days, reservations and spots, the
// lot id a parameter) is planned by Citus with deferred pruning: deparsed for the shard, parsed and planned
// again on every call (4.6 ms of the worker's CPU a count, against 1.3 ms for the same count on one server).
// On the shards by name it is a plain PostgreSQL statement that the session prepares once, as migration
// 0050 does for the allocator's own statements.
//
// Its guard is parkctl_lot_shards (0050), in the same statement: it takes Citus's shard metadata lock
// (shared, as Citus's own writes do) for the statement, and answers whether the lot's shards are placed on
// this node under the names the statement reads. A shard moved or split away gives a null count (or, once
// its old table is dropped, "relation does not exist"), and the caller counts through Citus instead.
import type { NamedQuery } from '../ports.js';

/** A lot's colocated shards on one node, as parkctl_lot_shards names them. */
export interface LotShards {
  reservations: string;
  spotDays: string;
  spots: string;
}

/** From parkctl_lot_shards' answer (reservations, spot_days, spots, lot_days, events), or null. */
export function lotShardsFrom(names: readonly string[] | null | undefined): LotShards | null {
  if (!names || names.length < 3 || names.some((n) => !/^[a-z_]+_\d+$/.test(n))) return null;
  return { reservations: names[0]!, spotDays: names[1]!, spots: names[2]! };
}

const countPrefix = 'parkctl_capacity_busy';
const tables: Record<string, keyof LotShards> = { reservations: 'reservations', spot_days: 'spotDays', spots: 'spots' };

/**
 * The capacity count `q` ($1 is the lot) on these shards, behind its guard; null for any other statement.
 * Its answer's `busy` is null when the shards are not (or no longer) this node's.
 */
export function countOnShards(q: NamedQuery, shards: LotShards): NamedQuery | null {
  if (!q.name.startsWith(countPrefix)) return null;
  const text = q.text.replace(/\bfrom (reservations|spot_days|spots)\b/g, (_, table: string) => `from ${shards[tables[table]!]}`);
  return {
    name: `${q.name}_on_${shards.reservations}`,
    text: `select case when (parkctl_lot_shards($1::integer))[1] = '${shards.reservations}' then (${text}) end as busy`,
    ...(q.values ? { values: q.values } : {}),
  };
}
