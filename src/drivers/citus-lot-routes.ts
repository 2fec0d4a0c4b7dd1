// LotRoutes on Citus (issue 18): a lot's allocator call goes to the worker that holds the lot's shard, over a
// small pool per worker reached with the coordinator's URL (same user, password, database and parameters;
// host and port from pg_dist_node). Where a lot lives is read from the coordinator's metadata and believed
// for `ttlMs`: after a shard move the old node still answers correctly (Citus routes the call on), only
// slower, until the next read. A node that cannot be reached (name not resolvable from here, refused,
// authentication) sends its lots through the coordinator for `downForMs`, then is tried again.
import { selectLotNode, type LotNode } from '../core/citus/lot-node.js';
import { isPgError, PgCode } from '../core/db.js';
import { lotShardsFrom, type LotShards } from '../core/citus/shard-statements.js';
import type { Logger, LotNodeLease, LotRoutes, Queryable } from '../core/ports.js';
import { createPool, type Pool } from './postgres.js';

export interface CitusLotRoutesOptions {
  /** the coordinator's URL */
  url: string;
  /** connections per worker node */
  max: number;
  /** how long a lot's node is believed before it is read again (ms) */
  ttlMs?: number;
  /** how long an unreachable node's lots go through the coordinator (ms) */
  downForMs?: number;
  /** connect timeout to a worker (ms): a silent address costs the first booking this much, once per downForMs */
  connectTimeoutMs?: number;
  /** where a lot lives; default: the coordinator's metadata (tests inject a wrong or a dead node) */
  locate?: (lotId: number) => Promise<LotNode | null>;
  applicationName?: string;
  retry?: boolean;
  logger?: Logger;
  /** ms clock, for the TTLs */
  nowMs?: () => number;
}

/** How the calls went: a test or a bench tells the two paths apart with these. */
export interface LotRouteCounts {
  /** connections handed out to a lot's node */
  routed: number;
  /** calls sent through the coordinator because the lot's node could not be reached */
  unreachable: number;
}

export class CitusLotRoutes implements LotRoutes {
  readonly counts: LotRouteCounts = { routed: 0, unreachable: 0 };
  private readonly located = new Map<number, { node: Promise<LotNode | null>; untilMs: number; shards?: LotShards | null }>();
  private readonly pools = new Map<string, Pool>();
  private readonly downUntilMs = new Map<string, number>();
  private readonly locate: (lotId: number) => Promise<LotNode | null>;
  private readonly nowMs: () => number;

  constructor(coordinator: Queryable, private readonly o: CitusLotRoutesOptions) {
    this.locate = o.locate ?? ((lotId) => selectLotNode(coordinator, lotId));
    this.nowMs = o.nowMs ?? Date.now;
  }

  async connect(lotId: number): Promise<LotNodeLease | null> {
    const node = await this.nodeOf(lotId);
    if (!node) return null;
    const key = `${node.host}:${node.port}`;
    if ((this.downUntilMs.get(key) ?? 0) > this.nowMs()) {
      this.counts.unreachable++;
      return null;
    }
    let client;
    try {
      client = await this.poolFor(node, key).connect();
    } catch (err) {
      // nothing was sent: the coordinator takes the call
      this.downUntilMs.set(key, this.nowMs() + (this.o.downForMs ?? 30_000));
      this.counts.unreachable++;
      this.o.logger?.warn('Citus worker unreachable from here: its lots go through the coordinator for now', { node: key, error: String(err) });
      return null;
    }
    this.counts.routed++;
    const lease = client as typeof client & { shards: LotShards | null };
    lease.shards = await this.shardsOf(lotId, lease).catch((err: unknown) => {
      client.release(err instanceof Error ? err : true);
      throw err;
    });
    return lease;
  }

  forgetShards(lotId: number): void {
    const entry = this.located.get(lotId);
    if (entry) delete entry.shards;
  }

  /** The lot's shards on the node, read there once while the node is believed (parkctl_lot_shards, 0050). */
  private async shardsOf(lotId: number, client: { query: LotNodeLease['query'] }): Promise<LotShards | null> {
    const entry = this.located.get(lotId);
    if (entry?.shards !== undefined) return entry.shards;
    // a node without Citus's catalog (plain PostgreSQL, as in tests) has no shards
    const names = await client.query<{ names: string[] | null }>(`select parkctl_lot_shards($1::integer) as names`, [lotId])
      .then((r) => r.rows[0]?.names ?? null, (err: unknown) => {
        if (isPgError(err, PgCode.undefinedTable)) return null;
        throw err;
      });
    const shards = lotShardsFrom(names);
    if (entry) entry.shards = shards;
    return shards;
  }

  async end(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end()));
    this.pools.clear();
  }

  private async nodeOf(lotId: number): Promise<LotNode | null> {
    const now = this.nowMs();
    let entry = this.located.get(lotId);
    if (!entry || entry.untilMs <= now) {
      // one read per lot at a time; a failed read routes nothing until it is tried again
      entry = { node: this.locate(lotId).catch(() => null), untilMs: now + (this.o.ttlMs ?? 10_000) };
      this.located.set(lotId, entry);
    }
    return entry.node;
  }

  private poolFor(node: LotNode, key: string): Pool {
    let pool = this.pools.get(key);
    if (!pool) {
      pool = createPool(workerUrl(this.o.url, node), {
        max: this.o.max, applicationName: this.o.applicationName ?? 'parkctl-lot-route',
        connectTimeoutMs: this.o.connectTimeoutMs ?? 2_000, retry: this.o.retry ?? false, logger: this.o.logger,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }
}

/** The coordinator's URL with the worker's host and port (a host or port given as a parameter is dropped). */
export function workerUrl(coordinatorUrl: string, node: { host: string; port: number }): string {
  const u = new URL(coordinatorUrl);
  u.hostname = node.host.includes(':') ? `[${node.host}]` : node.host;
  u.port = String(node.port);
  u.searchParams.delete('host');
  u.searchParams.delete('port');
  return u.toString();
}
