-- EV charging over OCPP 1.6J (issue 16): charge points bound to EV spots, their sessions and meter values.
-- `parkctl ev serve` is the central system; it writes here, the gate and `visit depart` read the charges.

-- A charge point connects at /ocpp/{charge_point_id} with HTTP Basic (security profile 1): the password is
-- kept as an scrypt hash only (shown once by `parkctl ev charger add`). The id names one charge point of
-- the whole installation (the URL carries no lot): `ev charger add` refuses an id another lot uses.
create table ev_chargers (
  lot_id integer not null references lots,
  charge_point_id text not null check (charge_point_id ~ '^[A-Za-z0-9._:-]{1,48}$'),
  /** scrypt$N$r$p$salt$hash (base64); null: made from the lot file, no credentials yet (cannot connect) */
  password_hash text,
  /** from BootNotification */
  vendor text check (length(vendor) <= 20),
  model text check (length(model) <= 20),
  serial_number text check (length(serial_number) <= 25),
  firmware_version text check (length(firmware_version) <= 50),
  booted_at timestamptz,
  last_heartbeat_at timestamptz,
  /** connector 0 (the charge point as a whole) from StatusNotification */
  status text not null default 'Unknown',
  error_code text not null default 'NoError',
  created_at timestamptz not null,
  primary key (lot_id, charge_point_id)
);
create index ev_chargers_by_id on ev_chargers (charge_point_id);

create table ev_connectors (
  lot_id integer not null,
  charge_point_id text not null,
  connector_id integer not null check (connector_id between 1 and 99),
  spot_id integer not null,
  /** OCPP 1.6 ChargePointStatus; Unknown until the charge point reports */
  status text not null default 'Unknown',
  error_code text not null default 'NoError',
  info text,
  status_at timestamptz,
  /** the central system put the spot out of service because of this connector (and puts it back) */
  took_spot_out boolean not null default false,
  primary key (lot_id, charge_point_id, connector_id),
  unique (lot_id, spot_id),
  foreign key (lot_id, charge_point_id) references ev_chargers (lot_id, charge_point_id) on delete cascade,
  foreign key (lot_id, spot_id) references spots (lot_id, spot_id)
);

-- OCPP transaction ids are integers the central system hands out; one sequence for the installation.
create sequence ev_transaction_ids as integer start with 1000;

create table ev_sessions (
  lot_id integer not null,
  transaction_id integer not null default nextval('ev_transaction_ids'),
  charge_point_id text not null,
  connector_id integer not null,
  spot_id integer,
  /** R-xxxx (a booking), P-xxxx (a permit), V-xxxx (a visit: started by the attendant) */
  id_tag text not null check (length(id_tag) between 1 and 20),
  /** Accepted, Invalid, Blocked, Expired: what StartTransaction answered */
  id_tag_status text not null,
  reservation_id uuid,
  permit_id uuid,
  visit_id uuid,
  /** Wh on the connector's meter */
  meter_start_wh bigint not null,
  meter_stop_wh bigint,
  /** the highest energy register seen in MeterValues (Energy.Active.Import.Register), Wh */
  meter_last_wh bigint,
  /** W, the last Power.Active.Import sample */
  power_w numeric,
  started_at timestamptz not null,
  stopped_at timestamptz,
  stop_reason text,
  /** the car stopped drawing (SuspendedEV, Finishing) with the cable still in: the idle fee runs from here */
  idle_since timestamptz,
  /** the connector went back to Available: the car left the charger */
  unplugged_at timestamptz,
  /** the charge so far (energy + idle), kept current by the central system; the gate's balance adds it */
  energy_minor bigint not null default 0 check (energy_minor >= 0),
  idle_minor bigint not null default 0 check (idle_minor >= 0),
  /** when `visit depart` or the gate's exit billed it (then the amounts above are final) */
  billed_at timestamptz,
  received_at timestamptz not null default now(),
  primary key (lot_id, transaction_id),
  -- a StartTransaction resent after a lost answer is the same transaction (OCPP 1.6 4.8: the charge point
  -- retries until it gets an answer)
  unique (lot_id, charge_point_id, connector_id, started_at),
  foreign key (lot_id, charge_point_id, connector_id) references ev_connectors (lot_id, charge_point_id, connector_id),
  foreign key (lot_id, visit_id) references visits (lot_id, visit_id)
);
create index ev_sessions_by_visit on ev_sessions (lot_id, visit_id) where visit_id is not null;
create index ev_sessions_open on ev_sessions (lot_id, charge_point_id, connector_id) where unplugged_at is null;

-- Meter values by sample: a batch resent after a reconnection adds nothing (on conflict do nothing).
create table ev_meter_values (
  lot_id integer not null,
  transaction_id integer not null,
  sampled_at timestamptz not null,
  measurand text not null,
  phase text not null default '',
  value numeric not null,
  unit text,
  primary key (lot_id, transaction_id, sampled_at, measurand, phase),
  foreign key (lot_id, transaction_id) references ev_sessions (lot_id, transaction_id)
);

grant select, insert, update, delete on ev_chargers, ev_connectors, ev_sessions, ev_meter_values to parkctl_app;
grant usage on sequence ev_transaction_ids to parkctl_app;
-- the gate adds a car's charging to what it owes at the exit
grant select on ev_sessions to parkctl_gate;
