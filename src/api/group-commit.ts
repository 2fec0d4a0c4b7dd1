// Group commit for the API (DESIGN.md section 4): a Queryable that hands every query to the pool except
// parkctl_reserve, which it gathers while a batch is in flight and sends as one parkctl_reserve_many
// statement: one round trip and one commit for many bookings (migrations/0045 books the batch set-based).
// Core's reserve() runs unchanged on top: each caller gets its own row, or its own error (a synthesised
// PostgreSQL error with the element's SQLSTATE and constraint), so core's retry on a collision and its
// refusals work as they do alone.
import type { NamedQuery, PoolLike, Queryable } from '../core/ports.js';
import { callReserveMany, type ReserveManyResult } from '../core/sql/reserve-many.js';

interface Waiting {
  values: readonly unknown[];
  resolve: (r: { rows: Record<string, unknown>[]; rowCount: number | null }) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitStats {
  /** statements sent */
  batches: number;
  /** reservations carried by them */
  calls: number;
  largestBatch: number;
  /** reservations answered by the batch's set-based part (the rest by parkctl_reserve alone) */
  setBased: number;
  /** batches whose set-based part failed and went one element at a time */
  fallbacks: number;
}

export class GroupCommitDb implements Queryable {
  private queue: Waiting[] = [];
  private inFlight = 0;
  readonly stats: GroupCommitStats = { batches: 0, calls: 0, largestBatch: 0, setBased: 0, fallbacks: 0 };

  /**
   * @param maxInFlight batches sent at once (each holds a connection for one statement)
   * @param maxBatch reservations per statement
   */
  constructor(private readonly pool: PoolLike, private readonly maxInFlight = 2, private readonly maxBatch = 64) {}

  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string | NamedQuery, values?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number | null }> {
    if (typeof text !== 'string' && text.name === 'parkctl_reserve') {
      return new Promise((resolve, reject) => {
        this.queue.push({ values: text.values ?? values ?? [], resolve: resolve as Waiting['resolve'], reject });
        this.pump();
      });
    }
    return this.pool.query<R>(text, values);
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.send(batch);
    }
  }

  private async send(batch: Waiting[]): Promise<void> {
    this.stats.batches++;
    this.stats.calls += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    let results: ReserveManyResult[];
    try {
      results = await callReserveMany(this.pool, batch.map((w) => w.values));
    } catch (err) {
      this.next();
      for (const w of batch) w.reject(err);
      return;
    }
    // the next batch is sent before this one's answers are handed out: PostgreSQL starts on it while the
    // event loop answers these
    this.next();
    this.stats.setBased += results.filter((r) => r.via === 'batch').length;
    if (results.some((r) => r.via === 'fallback')) this.stats.fallbacks++;
    batch.forEach((w, n) => {
      const r = results[n]!;
      if ('error' in r) {
        w.reject(Object.assign(new Error(r.error.message), { code: r.error.code, constraint: r.error.constraint ?? undefined }));
      } else {
        w.resolve({ rows: r.row ? [r.row as unknown as Record<string, unknown>] : [], rowCount: r.row ? 1 : 0 });
      }
    });
  }

  private next(): void {
    this.inFlight--;
    this.pump();
  }
}
