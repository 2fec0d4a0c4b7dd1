// On Citus, a lot's statements sent straight to the worker that holds the lot (issue 18).
import { countOnShards } from '../citus/shard-statements.js';
import { isConnectionLost, isPgError, PgCode } from '../db.js';
import type { LotRoutes, NamedQuery, Queryable } from '../ports.js';

/**
 * The lot's statements (the allocator, a capacity count) sent to the lot's node when there is a route to it,
 * else to `db`: each one statement outside any transaction, on a connection taken for it, so where it runs
 * changes nothing but the hop (the node passes it on if the shard has moved). There a capacity count runs on
 * the lot's shards by name (src/core/citus/shard-statements.ts), or through Citus when they are not there.
 */
export function lotNodeDb(deps: { db: Queryable; lotRoutes?: LotRoutes | undefined }, lotId: number): Queryable {
  const routes = deps.lotRoutes;
  if (!routes) return deps.db;
  const query = async <R extends Record<string, unknown> = Record<string, unknown>>(text: string | NamedQuery, values?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number | null }> => {
    const node = await routes.connect(lotId);
    if (!node) return deps.db.query<R>(text, values);
    let lost: Error | undefined;
    try {
      const onShards = node.shards && typeof text !== 'string' ? countOnShards(text, node.shards) : null;
      if (onShards) {
        const counted = await node.query<R>(onShards, values).catch((err: unknown) => {
          if (!isPgError(err, PgCode.undefinedTable)) throw err;
          return null; // the shard's old table is gone: moved or split
        });
        if (counted && counted.rows[0]?.busy != null) return counted;
        routes.forgetShards(lotId);
      }
      return await node.query<R>(text, values);
    } catch (err) {
      if (isConnectionLost(err)) lost = err as Error; // the pool drops that connection
      throw err;
    } finally {
      node.release(lost);
    }
  };
  return { query };
}
