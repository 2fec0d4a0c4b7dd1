// LISTEN parkctl_events on a dedicated connection (a pooled one would be handed back and lose the
// LISTEN), re-made with backoff when the server goes away. Implements the dashboard's LotChangeFeed:
// onConnection(false) as soon as the connection is lost, onConnection(true) once listening again
// (the dashboard reads the lot again then, so notifications missed meanwhile do not matter).
import './pg-stream.js';
import pg from 'pg';
import type { LotChangeFeed } from '../core/dashboard/live.js';
import type { Logger } from '../core/ports.js';
import { changesChannel } from './pg-notifier.js';

export interface PgLotChangeFeedOptions {
  /** first reconnect delay, ms; doubles up to maxBackoffMs */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** connect timeout, ms */
  readonly connectTimeoutMs?: number;
  readonly logger?: Logger;
  readonly applicationName?: string;
  /** the channel (default parkctl_events); a payload that is not a lot id is onChange(null) */
  readonly channel?: string;
}

export class PgLotChangeFeed implements LotChangeFeed {
  private client: pg.Client | null = null;
  private handlers: Parameters<LotChangeFeed['start']>[0] | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private backoffMs: number;
  private stopped = false;

  constructor(private readonly url: string, private readonly options: PgLotChangeFeedOptions = {}) {
    this.backoffMs = options.initialBackoffMs ?? 250;
  }

  start(handlers: Parameters<LotChangeFeed['start']>[0]): void {
    this.handlers = handlers;
    void this.connect();
  }

  /** The backend pid of the listening connection (tests terminate it); null while reconnecting. */
  get backendPid(): number | null {
    return (this.client as (pg.Client & { processID?: number }) | null)?.processID ?? null;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 3000,
      keepAlive: true,
      application_name: this.options.applicationName ?? 'parkctl-dashboard-listen',
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    client.on('notification', (n) => {
      if (n.channel !== (this.options.channel ?? changesChannel)) return;
      const lotId = Number.parseInt(n.payload ?? '', 10);
      this.handlers?.onChange(Number.isFinite(lotId) ? lotId : null);
    });
    try {
      await client.connect();
      await client.query(`listen ${this.options.channel ?? changesChannel}`);
    } catch (err) {
      this.lost(client, err as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = this.options.initialBackoffMs ?? 250;
    this.handlers?.onConnection(true);
  }

  private lost(client: pg.Client, err: Error | null): void {
    client.removeAllListeners('end');
    client.removeAllListeners('error');
    client.on('error', () => undefined); // a late socket error must not crash the process
    client.end().catch(() => undefined);
    const wasUp = this.client === client;
    if (wasUp) this.client = null;
    if (this.stopped || this.retryTimer) return;
    this.options.logger?.warn('dashboard LISTEN connection lost; reconnecting', { inMs: this.backoffMs, error: err?.message ?? 'connection ended' });
    if (wasUp) this.handlers?.onConnection(false);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 5000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
