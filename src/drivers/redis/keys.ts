// How a caller's cache key maps onto Redis keys.
//
// The caller (core capacity code) builds the logical key and owns what it means; the only
// contract is that it starts with the lot id: `<lotId>:<anything>`, e.g.
// `17:regular:2025-06-01T08:00Z:2025-06-01T10:00Z`. The driver turns it into
// `parkctl:cap:{17}:<generation>:regular:...`, where the generation is the per-lot counter at
// `parkctl:cap:{17}:gen` that invalidateLot bumps (O(1): old snapshots are simply never read
// again and expire by TTL). `{17}` is a Redis Cluster hash tag: a lot's counter and snapshots
// share one slot, so the one-round-trip Lua scripts stay legal on a cluster too.

export const defaultKeyPrefix = 'parkctl:cap:';

export interface ParsedCacheKey {
  lotId: number;
  /** the caller's key after `<lotId>:` */
  rest: string;
}

const logicalKeyPattern = /^([1-9][0-9]{0,15}):(.+)$/s;

/** Split `<lotId>:<rest>`; null when the key does not follow the contract. */
export function parseCacheKey(key: string): ParsedCacheKey | null {
  const match = logicalKeyPattern.exec(key);
  if (!match) return null;
  const lotId = Number(match[1]);
  if (!Number.isSafeInteger(lotId)) return null;
  return { lotId, rest: match[2] as string };
}

/** `parkctl:cap:{17}:` — everything of one lot starts with this. */
export function lotKeyPrefix(prefix: string, lotId: number): string {
  return `${prefix}{${lotId}}:`;
}

/** `parkctl:cap:{17}:gen` — the lot's generation counter (no TTL). */
export function generationKey(prefix: string, lotId: number): string {
  return `${lotKeyPrefix(prefix, lotId)}gen`;
}

/** `parkctl:cap:{17}:3:regular:...` — one snapshot under one generation. */
export function snapshotKey(prefix: string, lotId: number, generation: string, rest: string): string {
  return `${lotKeyPrefix(prefix, lotId)}${generation}:${rest}`;
}

/** The lot whose generation counter `redisKey` is (`parkctl:cap:{17}:gen` -> 17), else null. */
export function lotOfGenerationKey(prefix: string, redisKey: string): number | null {
  if (!redisKey.startsWith(prefix) || !redisKey.endsWith('}:gen')) return null;
  const tag = redisKey.slice(prefix.length, -':gen'.length);
  if (!/^\{[1-9][0-9]{0,15}\}$/.test(tag)) return null;
  const lotId = Number(tag.slice(1, -1));
  return Number.isSafeInteger(lotId) ? lotId : null;
}
