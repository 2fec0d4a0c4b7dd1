// Availability answers (free count and price of a type for a window) kept for a short while and shared:
// identical reads that arrive together run one count, and later ones reuse it until the lot changes
// (the process's LISTEN on parkctl_events: any booking, cancellation, arrival or departure of the lot,
// from any process) or `ttlMs` passes (a hold that runs out changes the count without a notice; `api serve` keeps answers 5 s). While
// the listener is down nothing is reused. A reservation never reads this: the allocator decides. The availability
// route keeps an answer as the JSON its serializer made of it (src/api/lots.ts), so a reuse is not serialised again.
import type { LotEventHub } from './lot-events.js';

export class AvailabilityCache {
  private live = false;
  private readonly byLot = new Map<number, Map<string, { atMs: number; answer: Promise<unknown> }>>();
  private size = 0;
  private readonly subscription: ReturnType<LotEventHub['subscribe']>;
  readonly stats = { hits: 0, misses: 0 };

  constructor(hub: LotEventHub, private readonly ttlMs = 1_000, private readonly maxEntries = 50_000) {
    this.subscription = hub.subscribe((c) => {
      if ('connected' in c) {
        this.live = c.connected;
        this.clear();
      } else if (c.lotId === null) {
        this.clear();
      } else {
        this.size -= this.byLot.get(c.lotId)?.size ?? 0;
        this.byLot.delete(c.lotId);
      }
    });
  }

  /** `key` names the window within the lot; `load` runs on a miss (a failed load is not kept). */
  get<T>(lotId: number, key: string, load: () => Promise<T>): Promise<T> {
    if (!this.live) return load();
    const nowMs = Date.now();
    let entries = this.byLot.get(lotId);
    const hit = entries?.get(key);
    if (hit && nowMs - hit.atMs < this.ttlMs) {
      this.stats.hits++;
      return hit.answer as Promise<T>;
    }
    this.stats.misses++;
    if (this.size >= this.maxEntries) this.clear();
    if (!entries) {
      entries = new Map();
      this.byLot.set(lotId, entries);
    }
    const answer = load();
    if (!hit) this.size++;
    const entry = { atMs: nowMs, answer };
    entries.set(key, entry);
    const kept = entries;
    answer.catch(() => {
      if (kept.get(key) === entry) {
        kept.delete(key);
        this.size--;
      }
    });
    return answer;
  }

  private clear(): void {
    this.byLot.clear();
    this.size = 0;
  }

  stop(): Promise<void> {
    this.live = false;
    this.clear();
    return this.subscription.unsubscribe();
  }
}
