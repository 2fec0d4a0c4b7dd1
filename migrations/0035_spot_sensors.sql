-- Spot sensors (issue 16): a sensor in a bay reports whether a car stands there. Sensors are bound to spots
-- (in the lot file or with `parkctl lot spot bind-sensor`); `parkctl sensors listen` ingests their uplinks
-- over MQTT and keeps each spot's sensed state here, beside what bookings and visits say.

create table sensors (
  lot_id integer not null references lots,
  /** as the network server names the device: a LoRaWAN DevEUI (16 hex digits, upper-case) or a device id */
  sensor_id text not null check (length(sensor_id) between 1 and 64),
  spot_id integer not null,
  /** which mapping of the lot file's `sensors.vendors` reads its decoded payload */
  vendor text not null default 'generic' check (length(vendor) between 1 and 64),
  /** silent longer than this: a fault (the spot shows as unknown, never as free) */
  heartbeat_seconds integer not null default 900 check (heartbeat_seconds between 10 and 604800),
  bound_by text not null,
  bound_at timestamptz not null,
  primary key (lot_id, sensor_id),
  unique (lot_id, spot_id),
  foreign key (lot_id, spot_id) references spots (lot_id, spot_id)
);

-- What the sensors say about each spot: one row per bound spot, written in batches by the listener.
create table spot_sensed (
  lot_id integer not null references lots,
  spot_id integer not null,
  /** the state shown: free, occupied, or unknown (never heard, or silent past its heartbeat) */
  state text not null default 'unknown' check (state in ('free', 'occupied', 'unknown')),
  /** since when the shown state holds */
  state_since timestamptz,
  /** a reading below the confidence threshold waiting for a second agreeing one: its value, else null */
  unconfirmed text check (unconfirmed in ('free', 'occupied')),
  /** the last reading as sent, whatever the rules made of it */
  last_reading text check (last_reading in ('free', 'occupied')),
  /** 0..1 */
  confidence real,
  /** 0..100 */
  battery_pct real,
  last_heard_at timestamptz,
  /** why the sensor is at fault (silent past its heartbeat), else null */
  fault text,
  /** readings ignored: toggles within the debounce window */
  debounced integer not null default 0,
  updated_at timestamptz not null,
  primary key (lot_id, spot_id),
  foreign key (lot_id, spot_id) references spots (lot_id, spot_id)
);

-- The vendor mappings and defaults of the lot file's `sensors:` section; a zone's optional route text
-- for the lane display's guidance ("Level 3 > ramp B > L3-B-042").
alter table lots add column sensor_config jsonb;
alter table zones add column route text check (length(route) <= 64);

-- One "parked elsewhere?" alert per booking, however often the check meets it.
create unique index events_one_parked_elsewhere on events (lot_id, reservation_id) where kind = 'alert.parked_elsewhere';

grant select, insert, update, delete on sensors, spot_sensed to parkctl_app;
