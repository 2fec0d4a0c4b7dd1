// LISTEN on a dedicated connection (a pool would hand the session back): parkctl_events (payload:
// lot id) reloads the allow-list, parkctl_gate_commands (payload "lot_id:gate_id") fetches a
// remote open at once. The connection is re-made with backoff; missed notifications are covered by
// the periodic sync, so this only makes things faster, never correct.
import '../pg-stream.js';
import pg from 'pg';
import type { Logger } from '../../core/ports.js';

export const lotChangesChannel = 'parkctl_events';
export const gateCommandsChannel = 'parkctl_gate_commands';

export class PgListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private backoffMs = 500;

  constructor(
    private readonly url: string,
    private readonly onNotify: (channel: string, payload: string) => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 3000, application_name: 'parkctl-gate-listen' });
    client.on('error', () => this.retry(client));
    client.on('end', () => this.retry(client));
    client.on('notification', (n) => this.onNotify(n.channel, n.payload ?? ''));
    try {
      await client.connect();
      await client.query(`listen ${lotChangesChannel}`);
      await client.query(`listen ${gateCommandsChannel}`);
      this.client = client;
      this.backoffMs = 500;
      // Something may have changed while we were not listening.
      this.onNotify(lotChangesChannel, '');
    } catch {
      this.retry(client);
    }
  }

  private retry(client: pg.Client): void {
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.client === client) this.client = null;
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
    this.logger.info('LISTEN connection lost; retrying', { inMs: this.backoffMs });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
