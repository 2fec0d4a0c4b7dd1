-- Ticket numbers count per lot (issue 18): on Citus the walk-in trigger of 0032 runs on the worker that
-- holds the lot, where the coordinator's sequence ticket_numbers does not exist, so every walk-in failed
-- there. A counter row per lot, distributed with the lot like every lot table, numbers W<n> and L<n>; the
-- row lock it takes orders two walk-ins of one lot, never two lots. It starts past every number the
-- sequence gave, so no number is given twice.
create table ticket_counters (
  lot_id integer not null references lots,
  last bigint not null check (last >= 0),
  primary key (lot_id)
);
insert into ticket_counters (lot_id, last)
  select l.lot_id, s.last_value from lots l cross join (select last_value from ticket_numbers) s;
grant select, insert, update on ticket_counters to parkctl_app;

-- PL/pgSQL, not SQL: on Citus a SQL function inlined into the walk-in trigger on a worker's shard crashed
-- the worker (signal 11, Citus 13.2); parkctl_free_spot (0028) is PL/pgSQL for the same kind of reason.
create function parkctl_next_ticket_number(p_lot integer, p_prefix text) returns text
  language plpgsql security definer set search_path = public as $$
declare
  v_last bigint;
begin
  insert into ticket_counters as c (lot_id, last) values (p_lot, 1)
  on conflict (lot_id) do update set last = c.last + 1
  returning c.last into v_last;
  return p_prefix || v_last;
end $$;
revoke all on function parkctl_next_ticket_number(integer, text) from public;
grant execute on function parkctl_next_ticket_number(integer, text) to parkctl_app;

create or replace function parkctl_ticket_for_walk_in() returns trigger
  language plpgsql security definer set search_path = public as $$
begin
  insert into tickets (lot_id, visit_id, number, issued_at, gate, plate)
  values (new.lot_id, new.visit_id, parkctl_next_ticket_number(new.lot_id, 'W'), new.entered_at, new.entry_gate, new.plate);
  return null;
end $$;
