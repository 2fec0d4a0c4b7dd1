// SQL of Idempotency-Key replays (migrations/0019): claimed before a POST runs, completed with its answer.
import type { Queryable } from '../ports.js';

export interface IdempotencyRow {
  route: string;
  request_hash: string;
  /** null while the first request is still running */
  status_code: number | null;
  response_body: string | null;
}

/** Claim the key; null when it was new (the caller runs the request), else the row already there. */
export async function claimIdempotencyKey(db: Queryable, k: { keyId: string; idempotencyKey: string; route: string; requestHash: string; now: Date }): Promise<IdempotencyRow | null> {
  const inserted = await db.query(
    `insert into api_idempotency (key_id, idempotency_key, route, request_hash, created_at)
     values ($1::uuid, $2::text, $3::text, $4::text, $5::timestamptz) on conflict do nothing`,
    [k.keyId, k.idempotencyKey, k.route, k.requestHash, k.now],
  );
  if (inserted.rowCount === 1) return null;
  const { rows } = await db.query<IdempotencyRow & Record<string, unknown>>(
    `select route, request_hash, status_code, response_body from api_idempotency where key_id = $1::uuid and idempotency_key = $2::text`,
    [k.keyId, k.idempotencyKey],
  );
  // deleted between the two statements (the first request failed): the caller may claim again
  return rows[0] ?? { route: k.route, request_hash: k.requestHash, status_code: 0, response_body: null };
}

export async function completeIdempotencyKey(db: Queryable, k: { keyId: string; idempotencyKey: string; statusCode: number; responseBody: string; now: Date }): Promise<void> {
  await db.query(
    `update api_idempotency set status_code = $3::integer, response_body = $4::text, completed_at = $5::timestamptz
      where key_id = $1::uuid and idempotency_key = $2::text`,
    [k.keyId, k.idempotencyKey, k.statusCode, k.responseBody, k.now],
  );
}

export async function releaseIdempotencyKey(db: Queryable, k: { keyId: string; idempotencyKey: string }): Promise<void> {
  await db.query(`delete from api_idempotency where key_id = $1::uuid and idempotency_key = $2::text and status_code is null`, [k.keyId, k.idempotencyKey]);
}

/** Forget kept replies older than `before` (Stripe keeps them 24 hours). */
export async function pruneIdempotencyKeys(db: Queryable, before: Date): Promise<number> {
  const { rowCount } = await db.query(`delete from api_idempotency where created_at < $1::timestamptz`, [before]);
  return rowCount ?? 0;
}
