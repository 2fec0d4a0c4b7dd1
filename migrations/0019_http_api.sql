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

-- Group commit (DESIGN.md section 4): the API sends the reservations that arrive together as one
-- statement, so one round trip and one commit carry them all. Each element calls parkctl_reserve (so
-- whatever the allocator becomes stays the proof) inside its own BEGIN ... EXCEPTION block: a refused or
-- colliding element rolls back only itself and reports its SQLSTATE and constraint, never failing its
-- neighbours. No row for an element (all nulls, no error) means no spot was free, as parkctl_reserve says.
create function parkctl_reserve_many(p_lot integer[], p_type vehicle_type[], p_start timestamptz[], p_end timestamptz[],
                                     p_plate text[], p_customer text[], p_price bigint[], p_currency char(3)[],
                                     p_hold timestamptz[], p_now timestamptz[], p_external text[], p_start_spot integer[],
                                     p_actor text[])
  returns table (i integer, reservation_id uuid, spot_id integer, label text, status reservation_status,
                 hold_expires_at timestamptz, price_minor bigint, created boolean,
                 error_code text, error_constraint text, error_message text)
  language plpgsql as $$
declare
  k integer;
  r record;
  v_code text;
  v_constraint text;
  v_message text;
begin
  for k in 1 .. coalesce(array_length(p_lot, 1), 0) loop
    begin
      select * into r from parkctl_reserve(p_lot[k], p_type[k], p_start[k], p_end[k], p_plate[k], p_customer[k], p_price[k],
                                           p_currency[k], p_hold[k], p_now[k], p_external[k], p_start_spot[k], p_actor[k]);
      if found then
        i := k; reservation_id := r.reservation_id; spot_id := r.spot_id; label := r.label; status := r.status;
        hold_expires_at := r.hold_expires_at; price_minor := r.price_minor; created := r.created;
        error_code := null; error_constraint := null; error_message := null;
      else
        i := k; reservation_id := null; spot_id := null; label := null; status := null; hold_expires_at := null;
        price_minor := null; created := null; error_code := null; error_constraint := null; error_message := null;
      end if;
      return next;
    exception when others then
      get stacked diagnostics v_code = returned_sqlstate, v_constraint = constraint_name, v_message = message_text;
      i := k; reservation_id := null; spot_id := null; label := null; status := null; hold_expires_at := null;
      price_minor := null; created := null; error_code := v_code; error_constraint := nullif(v_constraint, ''); error_message := v_message;
      return next;
    end;
  end loop;
end $$;

grant execute on function parkctl_reserve_many(integer[], vehicle_type[], timestamptz[], timestamptz[], text[], text[], bigint[], char(3)[],
                                               timestamptz[], timestamptz[], text[], integer[], text[]) to parkctl_app;
