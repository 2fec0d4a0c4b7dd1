-- Validations (issue 15): a shop, a hotel or a cinema gives its customers parking off: a percent, an
-- amount, or free hours, at most so many a day, paid from a prepaid balance or invoiced monthly.
-- Money balances by constraint, not by care:
--   * a validator's prepaid balance never goes below zero (check, and the debit is one locked update);
--   * one validator validates a ticket, a visit or a booking once (unique indexes);
--   * a use takes off at most what was owed when it was applied (amount_minor is computed under the
--     ticket's lock and never makes the fee negative; the fee rule clamps at zero as well).
create table validators (
  lot_id integer not null references lots,
  validator_id uuid not null default gen_random_uuid(),
  /** the code printed on the shop's stamp or QR sticker, upper-case */
  code text not null check (code ~ '^[A-Z0-9][A-Z0-9-]{1,31}$'),
  name text not null check (length(name) between 1 and 200),
  kind text not null check (kind in ('percent', 'amount', 'hours')),
  /** percent: 1..100; amount: minor units; hours: whole free hours */
  value bigint not null check (value > 0),
  /** validations a lot-local day; null: no limit */
  daily_limit integer check (daily_limit > 0),
  billing text not null check (billing in ('prepaid', 'invoice')),
  /** prepaid: what is left, minor units; invoice: 0 */
  balance_minor bigint not null default 0 check (balance_minor >= 0),
  currency char(3) not null,
  active boolean not null default true,
  created_at timestamptz not null,
  primary key (lot_id, validator_id),
  unique (lot_id, code),
  check (kind <> 'percent' or value <= 100),
  check (billing = 'prepaid' or balance_minor = 0)
);

create table validation_uses (
  lot_id integer not null references lots,
  use_id uuid not null default gen_random_uuid(),
  validator_id uuid not null,
  ticket_id uuid,
  visit_id uuid,
  reservation_id uuid,
  /** what came off the fee, minor units (0: nothing was owed) */
  amount_minor bigint not null check (amount_minor >= 0),
  /** the validator's lot-local day, for the daily limit and the report */
  local_day date not null,
  applied_at timestamptz not null,
  actor text not null,
  primary key (lot_id, use_id),
  foreign key (lot_id, validator_id) references validators (lot_id, validator_id),
  foreign key (lot_id, ticket_id) references tickets (lot_id, ticket_id),
  foreign key (lot_id, visit_id) references visits (lot_id, visit_id),
  foreign key (lot_id, reservation_id) references reservations (lot_id, reservation_id),
  check (num_nonnulls(ticket_id, reservation_id) = 1 or (ticket_id is null and reservation_id is null and visit_id is not null))
);
-- never twice from the same validator for the same ticket, visit or booking
create unique index validation_once_per_ticket on validation_uses (lot_id, validator_id, ticket_id) where ticket_id is not null;
create unique index validation_once_per_visit on validation_uses (lot_id, validator_id, visit_id) where visit_id is not null;
create unique index validation_once_per_booking on validation_uses (lot_id, validator_id, reservation_id) where reservation_id is not null;
create index validation_uses_by_day on validation_uses (lot_id, validator_id, local_day);
create index validation_uses_by_visit on validation_uses (lot_id, visit_id) where visit_id is not null;

-- A prepaid validator's top-ups, for the report and the audit.
create table validator_topups (
  lot_id integer not null,
  topup_id uuid not null default gen_random_uuid(),
  validator_id uuid not null,
  amount_minor bigint not null check (amount_minor > 0),
  at timestamptz not null,
  actor text not null,
  primary key (lot_id, topup_id),
  foreign key (lot_id, validator_id) references validators (lot_id, validator_id)
);

grant select, insert, update on validators, validation_uses, validator_topups to parkctl_app;
grant select on validation_uses to parkctl_gate;
