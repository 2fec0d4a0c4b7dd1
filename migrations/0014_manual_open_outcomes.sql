-- A manual barrier open is audited in two steps: the request ('gate.manual_open_requested', written by
-- whoever asked, with who and why), then what became of it, written here when its command gets a result:
-- 'gate.manual_open' when the gate daemon opened the barrier, 'gate.manual_open_failed' otherwise (the
-- daemon failed, the command expired before a daemon took it, or the asker gave up waiting).
-- Before, the request itself was recorded as 'gate.manual_open', so an open that never happened (an
-- unknown gate, a daemon that was down) read as "opened by hand" in the audit trail and on the dashboard.
-- A trigger, so the outcome is recorded whoever sets the result (the gate role, the asker, a late daemon).
create function gate_commands_audit_result() returns trigger
  language plpgsql security definer set search_path = public as $$
begin
  insert into events (lot_id, kind, actor, reason, detail, occurred_at)
  values (new.lot_id,
          case when new.result = 'opened' then 'gate.manual_open' else 'gate.manual_open_failed' end,
          new.actor, new.reason,
          jsonb_build_object('gate', new.gate_id, 'commandId', new.command_id, 'result', new.result),
          coalesce(new.taken_at, now()));
  return null;
end $$;

create trigger gate_commands_audit_result
  after update of result on gate_commands
  for each row when (old.result is null and new.result is not null)
  execute function gate_commands_audit_result();
