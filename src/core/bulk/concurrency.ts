// Small helpers for running many independent writes on a pool.
import type { NamedQuery, PoolLike, Queryable } from '../ports.js';

/**
 * fn over every item with at most `limit` calls in flight; results keep the items' order.
 * One booking is one round trip, so 8 in flight keep an 8-connection pool busy without queueing.
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * A PoolLike over one open transaction: code that opens its own transaction (withTransaction) runs
 * inside ours instead, as a savepoint, so its writes commit or roll back with the caller's.
 */
export function nestedPool(tx: Queryable): PoolLike {
  const asSavepoint: Record<string, string> = {
    begin: 'savepoint parkctl_nested',
    commit: 'release savepoint parkctl_nested',
    rollback: 'rollback to savepoint parkctl_nested',
  };
  const client = {
    query: ((text: string | NamedQuery, values?: readonly unknown[]) =>
      tx.query(typeof text === 'string' ? (asSavepoint[text.trim().toLowerCase()] ?? text) : text, values)) as Queryable['query'],
    release: () => {},
  };
  return { query: client.query, connect: async () => client };
}

/**
 * Each query in its own savepoint: a failing statement (an exclusion violation the caller retries)
 * rolls back only itself and the transaction goes on. Three round trips instead of one, on a
 * connection that is already open: cheap next to a commit's WAL flush.
 */
export function savepointEach(tx: Queryable): Queryable {
  return {
    query: (async (text: string | NamedQuery, values?: readonly unknown[]) => {
      await tx.query('savepoint parkctl_statement');
      try {
        const result = await tx.query(text, values);
        await tx.query('release savepoint parkctl_statement');
        return result;
      } catch (err) {
        await tx.query('rollback to savepoint parkctl_statement');
        throw err;
      }
    }) as Queryable['query'],
  };
}
