-- Monthly permits (issue 15): a holder's vehicles (one or more plates) may park on given days and times
-- between two dates, so many of them at once ("parks"), while the permit is paid. The gate decides from
-- them offline like from bookings; a permit car's visit names its permit; its payments are rows of their own.
create table permits (
  lot_id integer not null references lots,
  permit_id uuid not null default gen_random_uuid(),
  holder text not null check (length(holder) between 1 and 200),
  vehicle_type vehicle_type not null default 'regular',
  valid_from timestamptz not null,
  valid_until timestamptz not null,
  /** ISO weekdays (1 Mon .. 7 Sun) a window starts on, in the lot's zone */
  days smallint[] not null default '{1,2,3,4,5,6,7}' check (days <@ '{1,2,3,4,5,6,7}' and cardinality(days) > 0),
  /** minutes after local midnight; from >= to: the window runs over midnight (22:00-06:00); 0-1440: all day */
  from_minute integer not null default 0 check (from_minute between 0 and 1439),
  to_minute integer not null default 1440 check (to_minute between 1 and 1440),
  parks integer not null default 1 check (parks between 1 and 1000),
  status text not null default 'active' check (status in ('active', 'suspended', 'cancelled')),
  /** the price of one period; null: a free permit (staff, residents) */
  price_minor bigint check (price_minor >= 0),
  currency char(3) not null,
  period text check (period in ('week', 'month', 'quarter', 'year')),
  /** paid up to here; the gate stops admitting past it plus the lot's grace */
  paid_until timestamptz,
  external_ref text check (length(external_ref) <= 200),
  note text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (lot_id, permit_id),
  unique (lot_id, external_ref),
  check (valid_until > valid_from),
  check ((price_minor is null) = (period is null))
);
create index permits_by_status on permits (lot_id, status, valid_until);

create table permit_plates (
  lot_id integer not null,
  permit_id uuid not null,
  plate text not null check (plate ~ '^[A-Z0-9]{1,16}$'),
  primary key (lot_id, permit_id, plate),
  foreign key (lot_id, permit_id) references permits (lot_id, permit_id) on delete cascade
);
create index permit_plates_by_plate on permit_plates (lot_id, plate);

alter table visits add column permit_id uuid;
alter table visits add constraint visits_permit_fk foreign key (lot_id, permit_id) references permits (lot_id, permit_id);
create index visits_open_by_permit on visits (lot_id, permit_id) where permit_id is not null and exited_at is null;

alter table payments add column permit_id uuid;
alter table payments add constraint payments_permit_fk foreign key (lot_id, permit_id) references permits (lot_id, permit_id);
alter table payments drop constraint payments_purpose_check;
alter table payments add constraint payments_purpose_check check (purpose in ('reservation', 'overstay', 'walk_in', 'refund', 'permit'));

-- CLOSED-TO-ALL: no entry at all, not even bookings and permits (CLOSED keeps them, refuses walk-ins).
alter type lot_state add value if not exists 'closed_to_all';

grant select, insert, update, delete on permits, permit_plates to parkctl_app;
grant select on permits, permit_plates to parkctl_gate;
