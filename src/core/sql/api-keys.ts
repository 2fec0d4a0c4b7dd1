// SQL of API keys (migrations/0019): only a hash of each secret is stored.
import type { Queryable } from '../ports.js';

export type ApiScope = 'customer' | 'partner' | 'operator';
export const apiScopes: readonly ApiScope[] = ['customer', 'partner', 'operator'];

export interface ApiKeyRow {
  key_id: string;
  name: string;
  scope: ApiScope;
  /** lot codes the key may act on; empty: every lot */
  lot_codes: string[];
  /** the secret's first characters, to tell keys apart */
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

const keyColumns = 'key_id, name, scope, lot_codes, prefix, created_at, revoked_at';

export async function insertApiKey(db: Queryable, k: { name: string; scope: ApiScope; lotCodes: string[]; secretHash: string; prefix: string; now: Date }): Promise<ApiKeyRow> {
  const { rows } = await db.query<ApiKeyRow & Record<string, unknown>>(
    `insert into api_keys (name, scope, lot_codes, secret_hash, prefix, created_at)
     values ($1::text, $2::text, $3::text[], $4::text, $5::text, $6::timestamptz) returning ${keyColumns}`,
    [k.name, k.scope, k.lotCodes, k.secretHash, k.prefix, k.now],
  );
  return rows[0]!;
}

export async function selectApiKeys(db: Queryable): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<ApiKeyRow & Record<string, unknown>>(`select ${keyColumns} from api_keys order by created_at, name`);
  return rows;
}

/** The live key with this secret hash; null when unknown or revoked. */
export async function selectLiveApiKeyByHash(db: Queryable, secretHash: string): Promise<ApiKeyRow | null> {
  const { rows } = await db.query<ApiKeyRow & Record<string, unknown>>(
    `select ${keyColumns} from api_keys where secret_hash = $1::text and revoked_at is null`,
    [secretHash],
  );
  return rows[0] ?? null;
}

/** Revoke by id or name; returns the keys revoked now. */
export async function revokeApiKeys(db: Queryable, q: { idOrName: string; now: Date }): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<ApiKeyRow & Record<string, unknown>>(
    `update api_keys set revoked_at = $2::timestamptz
      where revoked_at is null and (name = $1::text or key_id::text = lower($1::text))
      returning ${keyColumns}`,
    [q.idOrName, q.now],
  );
  return rows;
}

/** Remove a key outright (a benchmark's throwaway key), with its kept replies. */
export async function deleteApiKey(db: Queryable, keyId: string): Promise<void> {
  await db.query(`delete from api_idempotency where key_id = $1::uuid`, [keyId]);
  await db.query(`delete from api_keys where key_id = $1::uuid`, [keyId]);
}
