-- The gate daemon's own tables (DESIGN.md section 4, gate): heartbeats so the dashboard sees a gate go
-- offline, remote commands (`parkctl gate open`) the daemon picks up on NOTIFY or poll, and one narrow
-- function telling a gate how full its lot is without letting the gate role read spots or reservations.

create table gate_heartbeats (
  lot_id integer not null references lots,
  gate_id text not null,
  direction text not null check (direction in ('entry', 'exit')),
  host text not null,
  pid integer not null,
  started_at timestamptz not null,
  /** updated every sync interval; a gate whose seen_at is older than a few intervals is offline */
  seen_at timestamptz not null,
  journal_last_seq bigint not null default 0,
  journal_synced_seq bigint not null default 0,
  barrier_state text not null default 'unknown',
  /** when the daemon's allow-list was last loaded from the database */
  allow_list_synced_at timestamptz,
  primary key (lot_id, gate_id)
);

create table gate_commands (
  lot_id integer not null references lots,
  gate_id text not null,
  command_id bigint generated always as identity,
  kind text not null check (kind in ('open')),
  actor text not null,
  reason text not null check (length(reason) > 0),
  requested_at timestamptz not null,
  /** a command not taken by then is dropped: a barrier must never open minutes after it was asked to */
  expires_at timestamptz not null,
  taken_at timestamptz,
  /** opened | expired | failed: <why> */
  result text,
  primary key (lot_id, gate_id, command_id)
);
create index gate_commands_pending on gate_commands (lot_id, gate_id, command_id) where taken_at is null;

-- How full a lot is, for a gate's walk-in decisions and signs: active spots less open visits and
-- confirmed reservations whose window holds p_at (their spot is held). SECURITY DEFINER: the gate role
-- reads these counts, never the rows.
create function parkctl_gate_lot_status(p_lot integer, p_at timestamptz)
returns table (active_spots integer, open_visits integer, held_spots integer, max_rate_per_hour_minor bigint)
language sql stable security definer set search_path = public as $$
  select (select count(*)::integer from spots s where s.lot_id = p_lot and s.status = 'active'),
         (select count(*)::integer from visits v where v.lot_id = p_lot and v.exited_at is null),
         (select count(*)::integer from reservations r
           where r.lot_id = p_lot and r.status = 'CONFIRMED' and r.period @> p_at),
         (select coalesce(max(p.rate_per_hour_minor), 0)::bigint from pricing_rules p where p.lot_id = p_lot)
$$;

revoke all on function parkctl_gate_lot_status(integer, timestamptz) from public;
grant execute on function parkctl_gate_lot_status(integer, timestamptz) to parkctl_gate, parkctl_app;

grant select, insert, update on gate_heartbeats to parkctl_gate;
grant select, update on gate_commands to parkctl_gate;
grant select, insert, update, delete on gate_heartbeats, gate_commands to parkctl_app;
