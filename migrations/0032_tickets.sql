-- Tickets for drive-up visitors (issue 15): every walk-in visit has one ticket record, with a short
-- printable number unique in its lot. A ticket printed at an entry lane is numbered by the gate, offline,
-- as <lane prefix>-<journal seq> (the sync writes that number over the one given here); any other walk-in
-- (an attendant's, a plate-only lane) gets W<n> from a sequence. A lost ticket is replaced by a new one
-- (replaces = the lost one). Paying a ticket leaves a grace period to exit (exit_by).
create sequence ticket_numbers;

create table tickets (
  lot_id integer not null references lots,
  ticket_id uuid not null default gen_random_uuid(),
  number text not null check (number ~ '^[A-Z0-9][A-Z0-9-]{0,23}$'),
  visit_id uuid not null,
  issued_at timestamptz not null,
  gate text,
  /** the plate read at the entry; null when none was (a ticket button with no camera) */
  plate text,
  /** open: not paid; paid: paid, may leave until exit_by; used: the car left; lost: replaced by another */
  status text not null default 'open' check (status in ('open', 'paid', 'used', 'lost')),
  /** the fee the ticket was paid against (the stay priced at paid_at, or a lost ticket's fee), minor units */
  fee_minor bigint check (fee_minor >= 0),
  /** waived by a nil payment (never without a reason) */
  waived_minor bigint not null default 0 check (waived_minor >= 0),
  waive_reason text check (length(waive_reason) between 1 and 500),
  paid_at timestamptz,
  exit_by timestamptz,
  /** a replacement: the lost ticket it replaces */
  replaces uuid,
  /** a replacement's fee: the flat lost-ticket fee (no entry proven) or null (priced from the proven entry) */
  lost_fee_minor bigint check (lost_fee_minor >= 0),
  primary key (lot_id, ticket_id),
  unique (lot_id, number),
  -- bound to its visit: gone with it (only tests delete visits)
  foreign key (lot_id, visit_id) references visits (lot_id, visit_id) on delete cascade,
  foreign key (lot_id, replaces) references tickets (lot_id, ticket_id) on delete cascade,
  check (waived_minor = 0 or waive_reason is not null),
  check ((status = 'paid') <= (paid_at is not null and exit_by is not null))
);
-- one ticket in force per visit (a lost one is out of force)
create unique index tickets_one_live_per_visit on tickets (lot_id, visit_id) where status <> 'lost';
create index tickets_recent on tickets (lot_id, issued_at desc);
create index tickets_by_plate on tickets (lot_id, plate) where plate is not null and status in ('open', 'paid');

-- Every walk-in visit gets its ticket, whoever inserts it (the gate's sync, an attendant's arrive).
create function parkctl_ticket_for_walk_in() returns trigger
  language plpgsql security definer set search_path = public as $$
begin
  insert into tickets (lot_id, visit_id, number, issued_at, gate, plate)
  values (new.lot_id, new.visit_id, 'W' || nextval('ticket_numbers'), new.entered_at, new.entry_gate, new.plate);
  return null;
end $$;
create trigger visits_walk_in_ticket after insert on visits for each row
  when (new.reservation_id is null and new.permit_id is null) execute function parkctl_ticket_for_walk_in();

-- A gate names the tickets it printed (number, and no plate when none was read): only those columns.
create function parkctl_gate_name_tickets(p_lot integer, p_tickets jsonb) returns setof uuid
  language sql security definer set search_path = public as $$
  update tickets t set number = x.number, plate = case when x.plate_read then t.plate else null end
    from jsonb_to_recordset(p_tickets) as x(visit_id uuid, number text, plate_read boolean)
   where t.lot_id = p_lot and t.visit_id = x.visit_id and t.status = 'open'
     and not exists (select 1 from tickets o where o.lot_id = p_lot and o.number = x.number)
  returning t.visit_id
$$;
revoke all on function parkctl_gate_name_tickets(integer, jsonb) from public;
grant execute on function parkctl_gate_name_tickets(integer, jsonb) to parkctl_gate, parkctl_app;
revoke all on function parkctl_ticket_for_walk_in() from public;

grant select, insert, update on tickets to parkctl_app;
grant usage on sequence ticket_numbers to parkctl_app;
grant select on tickets to parkctl_gate;

-- The car left (through a gate's sync or an attendant's depart): its ticket is used.
create function parkctl_ticket_used() returns trigger
  language plpgsql security definer set search_path = public as $$
begin
  update tickets set status = 'used' where lot_id = new.lot_id and visit_id = new.visit_id and status in ('open', 'paid');
  return null;
end $$;
create trigger visits_ticket_used after update of exited_at on visits for each row
  when (old.exited_at is null and new.exited_at is not null and new.reservation_id is null) execute function parkctl_ticket_used();
revoke all on function parkctl_ticket_used() from public;
