import type { ChangeNotifier, Logger, Queryable } from '../core/ports.js';

/** The channel live screens LISTEN on; the payload is the lot id. */
export const changesChannel = 'parkctl_events';

/**
 * Coalesces change notifications per lot and sends them in one statement outside any transaction
 * (see migrations/0002 for why not from a trigger). A busy process sends at most one per lot per
 * `delayMs`; `flush()` sends the rest before exit.
 */
export class PgChangeNotifier implements ChangeNotifier {
  private readonly pending = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();

  /** @param delayMs how long changes are gathered before one notification goes out */
  constructor(private readonly db: Queryable, private readonly delayMs = 100, private readonly logger?: Logger) {}

  lotChanged(lotId: number): void {
    this.pending.add(lotId);
    this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const lots = [...this.pending];
    this.pending.clear();
    if (lots.length > 0) {
      this.inFlight = this.inFlight.then(() =>
        this.db.query(`select pg_notify($1::text, lot::text) from unnest($2::integer[]) as lot`, [changesChannel, lots])
          .then(() => undefined, (err: unknown) => this.logger?.warn('change notification not sent', { error: String(err) })));
    }
    await this.inFlight;
  }
}
