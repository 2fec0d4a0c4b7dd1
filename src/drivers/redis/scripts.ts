// Lua scripts: read the lot's generation and the snapshot under it in ONE round trip.
// A get costs one EVALSHA (ioredis falls back to EVAL once per connection on NOSCRIPT).
// The snapshot key is built inside the script exactly as keys.ts snapshotKey() builds it:
// `<lot prefix><generation>:<rest>`; both keys share the lot's hash tag (see keys.ts).

/**
 * KEYS[1] generation key; ARGV[1] lot prefix, ARGV[2] rest of the key.
 * Returns [generation, value or nil, ms the value has left (-2 without one)]. A missing counter is
 * generation '0'. The GET of the generation is what Redis tracks for the near cache (tracking.ts).
 */
export const getSnapshotLua = `
local gen = redis.call('GET', KEYS[1]) or '0'
local key = ARGV[1] .. gen .. ':' .. ARGV[2]
local value = redis.call('GET', key)
local ttl = -2
if value then ttl = redis.call('PTTL', key) end
return {gen, value, ttl}
`;

/**
 * KEYS[1] generation key; ARGV[1] lot prefix, ARGV[2] rest, ARGV[3] value, ARGV[4] ttl ms,
 * ARGV[5] the generation the caller saw when it missed ('' = unknown, use the current one).
 * Writes nothing when the lot was invalidated since the caller's miss: its value was computed
 * before that write and must not be cached under the new generation. Returns the generation written
 * under, or 0 when nothing was written.
 */
export const setSnapshotLua = `
local gen = redis.call('GET', KEYS[1]) or '0'
if ARGV[5] ~= '' and ARGV[5] ~= gen then return 0 end
redis.call('SET', ARGV[1] .. gen .. ':' .. ARGV[2], ARGV[3], 'PX', ARGV[4])
return gen
`;

/** The custom commands ioredis gets from defineCommand() with the scripts above. */
export interface SnapshotCommands {
  parkctlCapGet(generationKey: string, lotPrefix: string, rest: string): Promise<[string, string | null, number]>;
  parkctlCapSet(
    generationKey: string,
    lotPrefix: string,
    rest: string,
    value: string,
    ttlMs: string,
    seenGeneration: string,
  ): Promise<string | number>;
}
