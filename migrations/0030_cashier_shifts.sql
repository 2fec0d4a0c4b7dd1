-- The cashier's shift (issue 15): the attendant opens a shift with a float, takes cash during it, and
-- closes it by counting the drawer. The cash the system expected (the float, plus cash payments taken,
-- less cash refunds handed back) is kept beside what was counted; a difference needs a reason.
-- One open shift per lot: the desk has one drawer.
create table shifts (
  lot_id integer not null references lots,
  shift_id uuid not null default gen_random_uuid(),
  attendant text not null check (length(attendant) between 1 and 200),
  float_minor bigint not null check (float_minor >= 0),
  currency char(3) not null,
  opened_at timestamptz not null,
  closed_at timestamptz,
  closed_by text,
  expected_minor bigint,
  counted_minor bigint check (counted_minor >= 0),
  cash_in_minor bigint,
  cash_out_minor bigint,
  reason text,
  primary key (lot_id, shift_id),
  check ((closed_at is null) = (counted_minor is null)),
  check (closed_at is null or closed_at >= opened_at),
  -- a drawer that does not balance is recorded with why
  check (closed_at is null or counted_minor = expected_minor or reason is not null)
);
create unique index shifts_one_open_per_lot on shifts (lot_id) where closed_at is null;
create index shifts_recent on shifts (lot_id, opened_at desc);

-- the cash taken and handed back in a shift's time, found without a scan of every payment
create index payments_cash_by_time on payments (lot_id, created_at) where provider = 'cash';

grant select, insert, update, delete on shifts to parkctl_app;
