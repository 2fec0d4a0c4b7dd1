-- The HTTP API (parkctl api): its keys, the answers it keeps for Idempotency-Key replays, and where a
-- lot is (for `GET /v1/lots?near=lat,lon`). Keys and replies live in PostgreSQL, not in one process,
-- so any number of API processes serve one database side by side.

-- Where a lot is, from the optional `location:` of its lot file (latitude, longitude, address).
alter table lots add column location jsonb;

-- API keys. Only a SHA-256 of the secret is kept (the secret is printed once by `api key create`);
-- a secret is 32 random bytes, so a fast hash is enough (nothing to brute-force).
create table api_keys (
  key_id      uuid primary key default gen_random_uuid(),
  name        text not null,
  scope       text not null check (scope in ('customer', 'partner', 'operator')),
  -- lot codes the key may act on; empty: every lot
  lot_codes   text[] not null default '{}',
  secret_hash text not null unique,
  -- the first characters of the secret, shown by `api key list` so people can tell keys apart
  prefix      text not null,
  created_at  timestamptz not null default now(),
  revoked_at  timestamptz
);

-- One row per (key, Idempotency-Key) on a POST: claimed before the handler runs (so two processes
-- racing on one key cannot both act), completed with the answer to replay, deleted when the request
-- failed on our side (5xx) so a retry runs again.
create table api_idempotency (
  -- the api_keys row (no foreign key: like webhook_events these global tables stay local on Citus, and keys are revoked, never deleted)
  key_id          uuid not null,
  idempotency_key text not null,
  route           text not null,
  request_hash    text not null,
  status_code     integer,
  response_body   text,
  created_at      timestamptz not null default now(),
  completed_at    timestamptz,
  primary key (key_id, idempotency_key)
);
create index api_idempotency_created on api_idempotency (created_at);

grant select, insert, update, delete on api_keys, api_idempotency to parkctl_app;
