-- parkctl core schema. DESIGN.md section 2 is enforced here, by constraints, not by code:
--  * no spot is double-booked: spot exclusion constraint over half-open periods of live reservations;
--  * one live reservation per plate per window per lot: plate exclusion constraint;
--  * every lot-scoped key includes lot_id (so the schema can be distributed by lot_id on Citus);
--  * money is integer minor units, time is timestamptz.

create extension if not exists btree_gist;

create type vehicle_type as enum ('motorcycle', 'compact', 'regular', 'large', 'ev', 'accessible');
create type lot_state as enum ('open', 'full', 'closed');
create type spot_status as enum ('active', 'maintenance');
create type reservation_status as enum
  ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN', 'COMPLETED', 'CANCELLED', 'EXPIRED', 'NO_SHOW');
create type payment_status as enum ('unpaid', 'pending', 'paid', 'refunded', 'partially_refunded', 'failed', 'due');

create sequence lot_id_seq;

create table lots (
  lot_id integer primary key default nextval('lot_id_seq'),
  code text not null unique check (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
  name text not null,
  time_zone text not null,
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  hold_minutes integer not null default 15 check (hold_minutes between 1 and 1440),
  no_show_grace_minutes integer not null default 60 check (no_show_grace_minutes >= 0),
  early_entry_grace_minutes integer not null default 15 check (early_entry_grace_minutes >= 0),
  max_window_minutes integer not null default 10080 check (max_window_minutes > 0),
  overstay_slot_minutes integer not null default 15 check (overstay_slot_minutes > 0),
  state lot_state not null default 'open',
  /** pricing settings that are not per-rule: daily maximum, free minutes, tax, surcharge bands */
  pricing jsonb not null default '{}'::jsonb,
  /** operating policy: walk-ins, refunds by notice, ... */
  policy jsonb not null default '{}'::jsonb,
  /** sha256 of the imported lot file, so a re-import of the same file is a no-op */
  source_digest text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter sequence lot_id_seq owned by lots.lot_id;

create table zones (
  lot_id integer not null references lots,
  zone_id integer not null,
  floor integer not null,
  code text not null,
  name text not null,
  primary key (lot_id, zone_id),
  unique (lot_id, code)
);

create table spots (
  lot_id integer not null references lots,
  spot_id integer not null,
  zone_id integer not null,
  label text not null,
  vehicle_type vehicle_type not null,
  /** allocation order hint within a type; lower is offered first when scanning */
  rank integer not null default 0,
  status spot_status not null default 'active',
  primary key (lot_id, spot_id),
  unique (lot_id, label),
  foreign key (lot_id, zone_id) references zones (lot_id, zone_id)
);
create index spots_by_type on spots (lot_id, vehicle_type, spot_id);

create table reservations (
  lot_id integer not null references lots,
  reservation_id uuid not null default gen_random_uuid(),
  customer_ref text not null,
  /** normalised: upper-case letters and digits only */
  plate text not null check (plate ~ '^[A-Z0-9]{2,12}$'),
  vehicle_type vehicle_type not null,
  spot_id integer not null,
  /** half-open [start, end): back-to-back bookings are legal */
  period tstzrange not null check (not isempty(period) and not lower_inf(period) and not upper_inf(period)
                                   and lower_inc(period) and not upper_inc(period)),
  status reservation_status not null,
  hold_expires_at timestamptz,
  price_minor bigint not null check (price_minor >= 0),
  currency char(3) not null,
  payment_status payment_status not null default 'unpaid',
  payment_provider text,
  payment_ref text,
  /** caller's idempotency key (bulk imports, retried API calls) */
  external_ref text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (lot_id, reservation_id),
  foreign key (lot_id, spot_id) references spots (lot_id, spot_id),
  check (status <> 'TENTATIVE' or hold_expires_at is not null),
  -- Invariant 1: no spot is ever double-booked. The allocator is the fast path; this is the proof.
  constraint reservations_no_double_booking exclude using gist
    (lot_id with =, spot_id with =, period with &&)
    where (status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')),
  -- Invariant 2: one live reservation per vehicle per window in a lot.
  constraint reservations_one_per_plate exclude using gist
    (lot_id with =, plate with =, period with &&)
    where (status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN'))
);
create index reservations_overdue_holds on reservations (lot_id, hold_expires_at) where status = 'TENTATIVE';
-- Capacity counts: live bookings of a type overlapping a window. The exclusion constraint's index leads
-- with spot_id and cannot narrow by time alone (24 ms on the garage with 100,000 bookings; this: 5 ms).
create index reservations_live_by_type_period on reservations using gist (lot_id, vehicle_type, period)
  where status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN');
create index reservations_by_start on reservations (lot_id, status, lower(period));
-- Idempotency keys of callers; most bookings have none, so only those that do are indexed. A hold that
-- lapsed unpaid never became a booking: it gives its key back, so re-running an import books the row anew.
create unique index reservations_external_ref on reservations (lot_id, external_ref)
  where external_ref is not null and status <> 'EXPIRED';
-- (plate look-ups use the plate exclusion constraint's GiST index on (lot_id, plate, period))

-- Allocation fast path (DESIGN.md section 4): one row per spot and UTC day, 96 bits of 15 minutes.
-- A bit is set when a live reservation touches that quarter hour. Bits are conservative (a period is
-- rounded outward), so "mask & request = 0" proves the spot free; the exclusion constraint stays the proof.
create table spot_days (
  lot_id integer not null,
  spot_id integer not null,
  day date not null,
  vehicle_type vehicle_type not null,
  mask bit(96) not null default repeat('0', 96)::bit(96),
  primary key (lot_id, day, spot_id),
  foreign key (lot_id, spot_id) references spots (lot_id, spot_id)
);
create index spot_days_by_type on spot_days (lot_id, day, vehicle_type, spot_id);

create table visits (
  lot_id integer not null references lots,
  visit_id uuid not null default gen_random_uuid(),
  reservation_id uuid,
  plate text not null,
  /** the reservation's type, or what the attendant/gate saw for a walk-in */
  vehicle_type vehicle_type not null default 'regular',
  spot_id integer,
  entry_gate text,
  entered_at timestamptz not null,
  exit_gate text,
  exited_at timestamptz,
  overstay_minutes integer not null default 0 check (overstay_minutes >= 0),
  amount_due_minor bigint not null default 0 check (amount_due_minor >= 0),
  amount_paid_minor bigint not null default 0 check (amount_paid_minor >= 0),
  primary key (lot_id, visit_id),
  foreign key (lot_id, reservation_id) references reservations (lot_id, reservation_id),
  check (exited_at is null or exited_at >= entered_at)
);
-- anti-passback: a vehicle is inside a lot at most once
create unique index visits_one_open_per_plate on visits (lot_id, plate) where exited_at is null;
create unique index visits_one_per_reservation on visits (lot_id, reservation_id) where reservation_id is not null;

create table gate_events (
  lot_id integer not null references lots,
  gate_id text not null,
  seq bigint not null,
  kind text not null,
  plate text,
  credential text,
  decision text,
  detail jsonb not null default '{}'::jsonb,
  occurred_at timestamptz not null,
  received_at timestamptz not null default now(),
  primary key (lot_id, gate_id, seq)
);

create table payments (
  lot_id integer not null references lots,
  payment_id uuid not null default gen_random_uuid(),
  reservation_id uuid,
  visit_id uuid,
  purpose text not null check (purpose in ('reservation', 'overstay', 'walk_in', 'refund')),
  amount_minor bigint not null,
  currency char(3) not null,
  provider text not null,
  provider_ref text,
  status text not null,
  idempotency_key text not null,
  created_at timestamptz not null,
  primary key (lot_id, payment_id),
  unique (lot_id, idempotency_key),
  foreign key (lot_id, reservation_id) references reservations (lot_id, reservation_id),
  foreign key (lot_id, visit_id) references visits (lot_id, visit_id)
);

create table pricing_rules (
  lot_id integer not null references lots,
  rule_id integer not null,
  /** null: every vehicle type */
  vehicle_type vehicle_type,
  /** ISO weekdays 1 (Mon) .. 7 (Sun) the rule applies on, in the lot's time zone */
  days smallint[] not null default '{1,2,3,4,5,6,7}',
  /** minutes after local midnight, [from, to) */
  from_minute integer not null default 0 check (from_minute between 0 and 1440),
  to_minute integer not null default 1440 check (to_minute between 0 and 1440),
  rate_per_hour_minor bigint not null check (rate_per_hour_minor >= 0),
  priority integer not null default 0,
  valid_from timestamptz,
  valid_until timestamptz,
  primary key (lot_id, rule_id)
);

-- Append-only audit of every state change and every manual override.
create table events (
  lot_id integer not null references lots,
  event_id bigint generated always as identity,
  kind text not null,
  reservation_id uuid,
  actor text not null,
  reason text,
  detail jsonb not null default '{}'::jsonb,
  occurred_at timestamptz not null,
  primary key (lot_id, event_id)
);
create index events_recent on events (lot_id, occurred_at desc);
