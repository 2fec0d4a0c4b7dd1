// API keys for `parkctl api`: made by `parkctl api key create`, the secret shown once and stored as a
// SHA-256 hash. A customer key acts for the customer its app names; a partner key (third-party gates)
// records entries, exits and their payments; an operator key does what the CLI does.
import { hash, randomBytes } from 'node:crypto';
import { NotFoundError, UsageError } from './errors.js';
import type { Clock, Queryable } from './ports.js';
import { apiScopes, insertApiKey, revokeApiKeys, selectApiKeys, selectLiveApiKeyByHash, type ApiKeyRow, type ApiScope } from './sql/api-keys.js';

export type { ApiKeyRow, ApiScope };

/** The shape of a secret: `pk_` and 43 base64url characters (32 random bytes). */
const secretPattern = /^pk_[A-Za-z0-9_-]{43}$/;

/** SHA-256 of the secret, hex. crypto.hash (one call, no Hash object): the API hashes the presented secret on every request. */
export function hashApiSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

export function parseApiScope(input: string): ApiScope {
  const s = input.trim().toLowerCase();
  if (!apiScopes.includes(s as ApiScope)) throw new UsageError(`unknown scope "${input}"`, { hint: `use one of ${apiScopes.join(', ')}`, code: 'bad_scope' });
  return s as ApiScope;
}

export interface CreatedApiKey {
  key: ApiKeyRow;
  /** shown once; only its hash is kept */
  secret: string;
}

export async function createApiKey(db: Queryable, clock: Clock, req: { name: string; scope: ApiScope; lotCodes: string[] }): Promise<CreatedApiKey> {
  const name = req.name.trim();
  if (!/^[\w.@:-]{1,64}$/.test(name)) throw new UsageError(`key name "${req.name}" is not usable`, { hint: 'letters, digits and . _ - @ : (at most 64)', code: 'bad_key_name' });
  const secret = `pk_${randomBytes(32).toString('base64url')}`;
  const key = await insertApiKey(db, {
    name, scope: req.scope, lotCodes: [...new Set(req.lotCodes.map((c) => c.trim().toUpperCase()))].sort(), secretHash: hashApiSecret(secret),
    prefix: secret.slice(0, 10), now: clock.now(),
  });
  return { key, secret };
}

export function listApiKeys(db: Queryable): Promise<ApiKeyRow[]> {
  return selectApiKeys(db);
}

export async function revokeApiKey(db: Queryable, clock: Clock, idOrName: string): Promise<ApiKeyRow[]> {
  const revoked = await revokeApiKeys(db, { idOrName: idOrName.trim(), now: clock.now() });
  if (revoked.length === 0) throw new NotFoundError(`no live API key "${idOrName}"`, { hint: 'see them with: parkctl api key list', code: 'unknown_api_key' });
  return revoked;
}

/** The live key a secret belongs to; null for anything else (malformed, unknown, revoked). */
export async function authenticateApiKey(db: Queryable, secret: string): Promise<ApiKeyRow | null> {
  if (!secretPattern.test(secret)) return null;
  return selectLiveApiKeyByHash(db, hashApiSecret(secret));
}

/** May this key act on this lot? */
export function keyCoversLot(key: Pick<ApiKeyRow, 'lot_codes'>, lotCode: string): boolean {
  return key.lot_codes.length === 0 || key.lot_codes.includes(lotCode.toUpperCase());
}
