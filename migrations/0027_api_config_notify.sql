-- The API keeps what every request reads and almost nothing writes in memory: API keys and lots (their
-- settings, prices and spot ranges). A process trusts that memory only while it LISTENs on
-- parkctl_api_config (src/api/config-cache.ts), and drops all of it on any notification below or when the
-- listening connection is lost. A change is sent at its commit (statement triggers, so a lot import
-- notifies a few times, not once per spot), so a revoked key is refused by every process as soon as the
-- notification arrives, and a reservation never sees a lot older than the last committed change.
create function parkctl_api_config_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('parkctl_api_config', tg_table_name);
  return null;
end $$;

create trigger api_keys_config_changed after insert or update or delete or truncate on api_keys
  for each statement execute function parkctl_api_config_changed();
create trigger lots_config_changed after insert or update or delete or truncate on lots
  for each statement execute function parkctl_api_config_changed();
create trigger pricing_rules_config_changed after insert or update or delete or truncate on pricing_rules
  for each statement execute function parkctl_api_config_changed();
create trigger spots_config_changed after insert or update or delete or truncate on spots
  for each statement execute function parkctl_api_config_changed();
