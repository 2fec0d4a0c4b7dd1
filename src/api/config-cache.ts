// What every request reads and almost nothing writes, kept in memory: API keys (by the hash of their
// secret) and lots (settings, prices, spot ranges). Trusted only while this process LISTENs on
// parkctl_api_config (migrations/0027): any change of those tables notifies at its commit and empties
// the cache; so does losing the listening connection, and until it is back every request reads the
// database as before. Concurrent misses share one load. Unknown keys are never cached.
import { authenticateApiKey, hashApiSecret, type ApiKeyRow } from '../core/api-keys.js';
import type { LotChangeFeed } from '../core/dashboard/live.js';
import { loadLot, type Lot } from '../core/lots/lot.js';
import type { Queryable } from '../core/ports.js';
import type { ApiDeps } from './deps.js';

export const apiConfigChannel = 'parkctl_api_config';

export class ApiConfigCache {
  private listening = false;
  private readonly keys = new Map<string, Promise<ApiKeyRow | null>>();
  private readonly lots = new Map<string, Promise<Lot>>();
  readonly stats = { hits: 0, misses: 0, clears: 0 };

  constructor(private readonly db: Queryable, private readonly feed: LotChangeFeed) {
    feed.start({
      onChange: () => this.clear(),
      onConnection: (up) => {
        this.clear();
        this.listening = up;
      },
    });
  }

  clear(): void {
    this.stats.clears++;
    this.keys.clear();
    this.lots.clear();
  }

  /** The live key with this secret, or null (unknown or revoked). */
  key(secret: string): Promise<ApiKeyRow | null> {
    if (!this.listening) return authenticateApiKey(this.db, secret);
    const hash = hashApiSecret(secret);
    return this.remember(this.keys, hash, () => authenticateApiKey(this.db, secret), (k) => k !== null);
  }

  lot(code: string): Promise<Lot> {
    if (!this.listening) return loadLot(this.db, code);
    return this.remember(this.lots, code.toUpperCase(), () => loadLot(this.db, code), () => true);
  }

  private remember<T>(map: Map<string, Promise<T>>, id: string, load: () => Promise<T>, keep: (v: T) => boolean): Promise<T> {
    const hit = map.get(id);
    if (hit) {
      this.stats.hits++;
      return hit;
    }
    this.stats.misses++;
    const p = load();
    map.set(id, p);
    p.then((v) => { if (!keep(v) && map.get(id) === p) map.delete(id); }, () => { if (map.get(id) === p) map.delete(id); });
    return p;
  }

  stop(): Promise<void> {
    this.listening = false;
    this.clear();
    return this.feed.stop();
  }
}

/** The lot, from the cache when there is one. */
export function apiLot(deps: Pick<ApiDeps, 'pool' | 'configCache'>, code: string): Promise<Lot> {
  return deps.configCache ? deps.configCache.lot(code) : loadLot(deps.pool, code);
}

/** The live key with this secret, from the cache when there is one. */
export function apiKey(deps: Pick<ApiDeps, 'pool' | 'configCache'>, secret: string): Promise<ApiKeyRow | null> {
  return deps.configCache ? deps.configCache.key(secret) : authenticateApiKey(deps.pool, secret);
}
