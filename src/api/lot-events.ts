// One LISTEN connection per API process, shared by its Server-Sent Events streams: started with the
// first subscriber, stopped with the last. A notification names a lot; its subscribers are told.
import type { LotChangeFeed } from '../core/dashboard/live.js';

export type LotListener = (change: { lotId: number | null } | { connected: boolean }) => void;

export class LotEventHub {
  private feed: LotChangeFeed | null = null;
  private readonly listeners = new Set<LotListener>();
  private connected = false;

  constructor(private readonly makeFeed: () => LotChangeFeed) {}

  /** Resolves once the feed is listening (so nothing committed after it is missed). */
  subscribe(listener: LotListener): { ready: Promise<void>; unsubscribe: () => Promise<void> } {
    this.listeners.add(listener);
    let ready: Promise<void>;
    if (this.feed && this.connected) {
      ready = Promise.resolve();
    } else {
      ready = new Promise<void>((resolve) => {
        const waiter: LotListener = (c) => {
          if ('connected' in c && c.connected) {
            this.listeners.delete(waiter);
            resolve();
          }
        };
        this.listeners.add(waiter);
      });
      if (!this.feed) this.start();
    }
    return {
      ready,
      unsubscribe: async () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) await this.stop();
      },
    };
  }

  private start(): void {
    const feed = this.makeFeed();
    this.feed = feed;
    feed.start({
      onChange: (lotId) => this.emit({ lotId }),
      onConnection: (up) => {
        this.connected = up;
        this.emit({ connected: up });
      },
    });
  }

  private emit(change: Parameters<LotListener>[0]): void {
    for (const l of [...this.listeners]) l(change);
  }

  async stop(): Promise<void> {
    const feed = this.feed;
    this.feed = null;
    this.connected = false;
    if (feed) await feed.stop();
  }
}
