// SQL of EV charge points (issue 16): their credentials and boot details, their connectors (each on an ev
// spot) and the status screen. Sessions and meter values are in ev-sessions.ts.
import type { Queryable } from '../ports.js';
import { spotNamedBy } from './lots.js';

export interface ChargerAuthRow {
  lot_id: number;
  charge_point_id: string;
  /** null: made from the lot file, no credentials yet */
  password_hash: string | null;
}

/** The charge point(s) with this id; `lotId` narrows to one lot. */
export async function selectChargersById(db: Queryable, chargePointId: string, lotId: number | null = null): Promise<ChargerAuthRow[]> {
  const { rows } = await db.query<ChargerAuthRow & Record<string, unknown>>(
    `select lot_id, charge_point_id, password_hash from ev_chargers
      where charge_point_id = $1::text and ($2::integer is null or lot_id = $2::integer)`,
    [chargePointId, lotId],
  );
  return rows;
}

export async function insertCharger(db: Queryable, c: { lotId: number; chargePointId: string; passwordHash: string | null; at: Date }): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into ev_chargers (lot_id, charge_point_id, password_hash, created_at) values ($1::integer, $2::text, $3::text, $4::timestamptz)
     on conflict (lot_id, charge_point_id) do nothing`,
    [c.lotId, c.chargePointId, c.passwordHash, c.at],
  );
  return (rowCount ?? 0) > 0;
}

export async function setChargerPassword(db: Queryable, lotId: number, chargePointId: string, passwordHash: string): Promise<void> {
  await db.query(`update ev_chargers set password_hash = $3::text where lot_id = $1::integer and charge_point_id = $2::text`, [lotId, chargePointId, passwordHash]);
}

/** Binds connector N to a spot (by spot id); a rebinding moves it. */
export async function upsertConnector(db: Queryable, c: { lotId: number; chargePointId: string; connectorId: number; spotId: number }): Promise<void> {
  await db.query(
    `insert into ev_connectors (lot_id, charge_point_id, connector_id, spot_id) values ($1::integer, $2::text, $3::integer, $4::integer)
     on conflict (lot_id, charge_point_id, connector_id) do update set spot_id = excluded.spot_id`,
    [c.lotId, c.chargePointId, c.connectorId, c.spotId],
  );
}

/** The connector already on a spot, if any. */
export async function selectConnectorOnSpot(db: Queryable, lotId: number, spotId: number): Promise<{ charge_point_id: string; connector_id: number } | null> {
  const { rows } = await db.query<{ charge_point_id: string; connector_id: number }>(
    `select charge_point_id, connector_id from ev_connectors where lot_id = $1::integer and spot_id = $2::integer`,
    [lotId, spotId],
  );
  return rows[0] ?? null;
}

/**
 * Connector N of a charge point (locked: a StartTransaction's foreign key check waits for the rebinding) with
 * its spot and the transaction running on it, if any.
 */
export async function selectConnectorForRebind(
  db: Queryable,
  lotId: number,
  chargePointId: string,
  connectorId: number,
): Promise<{ spot_id: number; spot_label: string; running_transaction_id: number | null } | null> {
  const { rows } = await db.query<{ spot_id: number; spot_label: string; running_transaction_id: number | null }>(
    `select c.spot_id, s.label as spot_label,
            (select e.transaction_id from ev_sessions e where e.lot_id = c.lot_id and e.charge_point_id = c.charge_point_id
                and e.connector_id = c.connector_id and e.stopped_at is null and e.id_tag_status = 'Accepted'
              order by e.started_at desc limit 1) as running_transaction_id
       from ev_connectors c join spots s on s.lot_id = c.lot_id and s.spot_id = c.spot_id
      where c.lot_id = $1::integer and c.charge_point_id = $2::text and c.connector_id = $3::integer
      for update of c`,
    [lotId, chargePointId, connectorId],
  );
  return rows[0] ?? null;
}

export async function updateBoot(
  db: Queryable,
  b: { lotId: number; chargePointId: string; vendor: string; model: string; serialNumber: string | null; firmwareVersion: string | null; at: Date },
): Promise<void> {
  await db.query(
    `update ev_chargers set vendor = $3::text, model = $4::text, serial_number = $5::text, firmware_version = $6::text,
            booted_at = $7::timestamptz, last_heartbeat_at = $7::timestamptz
      where lot_id = $1::integer and charge_point_id = $2::text`,
    [b.lotId, b.chargePointId, b.vendor, b.model, b.serialNumber, b.firmwareVersion, b.at],
  );
}

export async function updateHeartbeat(db: Queryable, lotId: number, chargePointId: string, at: Date): Promise<void> {
  await db.query(
    `update ev_chargers set last_heartbeat_at = greatest(last_heartbeat_at, $3::timestamptz) where lot_id = $1::integer and charge_point_id = $2::text`,
    [lotId, chargePointId, at],
  );
}

export async function updateChargerStatus(db: Queryable, s: { lotId: number; chargePointId: string; status: string; errorCode: string }): Promise<void> {
  await db.query(
    `update ev_chargers set status = $3::text, error_code = $4::text where lot_id = $1::integer and charge_point_id = $2::text`,
    [s.lotId, s.chargePointId, s.status, s.errorCode],
  );
}

export interface ConnectorStatusChange {
  spot_id: number;
  previous: string;
  took_spot_out: boolean;
}

/**
 * A connector's reported status. Reports older than the last one (a queued StatusNotification delivered after
 * a reconnection) change nothing: null.
 */
export async function updateConnectorStatus(
  db: Queryable,
  s: { lotId: number; chargePointId: string; connectorId: number; status: string; errorCode: string; info: string | null; at: Date },
): Promise<ConnectorStatusChange | null> {
  const { rows } = await db.query<ConnectorStatusChange & Record<string, unknown>>(
    `with old as (select spot_id, status from ev_connectors
                   where lot_id = $1::integer and charge_point_id = $2::text and connector_id = $3::integer for update)
     update ev_connectors c set status = $4::text, error_code = $5::text, info = $6::text, status_at = $7::timestamptz from old
      where c.lot_id = $1::integer and c.charge_point_id = $2::text and c.connector_id = $3::integer
        and (c.status_at is null or c.status_at <= $7::timestamptz)
      returning c.spot_id, old.status as previous, c.took_spot_out`,
    [s.lotId, s.chargePointId, s.connectorId, s.status, s.errorCode, s.info, s.at],
  );
  return rows[0] ?? null;
}

/** Puts the connector's spot out of service (when it was active) and remembers that this did it. */
export async function takeSpotOut(db: Queryable, lotId: number, chargePointId: string, connectorId: number, spotId: number): Promise<boolean> {
  const { rowCount } = await db.query(`update spots set status = 'maintenance' where lot_id = $1::integer and spot_id = $2::integer and status = 'active'`, [lotId, spotId]);
  if (!rowCount) return false;
  await db.query(
    `update ev_connectors set took_spot_out = true where lot_id = $1::integer and charge_point_id = $2::text and connector_id = $3::integer`,
    [lotId, chargePointId, connectorId],
  );
  return true;
}

/** Back in service, only when the central system took it out (an attendant's maintenance stays). */
export async function putSpotBack(db: Queryable, lotId: number, chargePointId: string, connectorId: number, spotId: number): Promise<boolean> {
  await db.query(
    `update ev_connectors set took_spot_out = false where lot_id = $1::integer and charge_point_id = $2::text and connector_id = $3::integer`,
    [lotId, chargePointId, connectorId],
  );
  const { rowCount } = await db.query(`update spots set status = 'active' where lot_id = $1::integer and spot_id = $2::integer and status = 'maintenance'`, [lotId, spotId]);
  return (rowCount ?? 0) > 0;
}

export interface ChargerStatusRow {
  charge_point_id: string;
  connector_id: number;
  spot_label: string;
  status: string;
  error_code: string;
  status_at: Date | null;
  charger_status: string;
  vendor: string | null;
  model: string | null;
  firmware_version: string | null;
  last_heartbeat_at: Date | null;
  has_credentials: boolean;
  transaction_id: number | null;
  id_tag: string | null;
  plate: string | null;
  /** W */
  power_w: number | null;
  /** Wh so far */
  energy_wh: number | null;
  started_at: Date | null;
  stopped_at: Date | null;
  idle_since: Date | null;
  charge_minor: number | null;
}

/** Every connector of a lot with its charger and the session on it (if the car is still plugged in). */
export async function selectChargerStatus(db: Queryable, lotId: number): Promise<ChargerStatusRow[]> {
  const { rows } = await db.query<ChargerStatusRow & Record<string, unknown>>(
    `select c.charge_point_id, c.connector_id, s.label as spot_label, c.status, c.error_code, c.status_at,
            ch.status as charger_status, ch.vendor, ch.model, ch.firmware_version, ch.last_heartbeat_at, ch.password_hash is not null as has_credentials,
            e.transaction_id, e.id_tag, v.plate, e.power_w::float8 as power_w,
            (greatest(coalesce(e.meter_stop_wh, e.meter_last_wh, e.meter_start_wh), e.meter_start_wh) - e.meter_start_wh)::float8 as energy_wh,
            e.started_at, e.stopped_at, e.idle_since, (e.energy_minor + e.idle_minor)::float8 as charge_minor
       from ev_connectors c
       join ev_chargers ch on ch.lot_id = c.lot_id and ch.charge_point_id = c.charge_point_id
       join spots s on s.lot_id = c.lot_id and s.spot_id = c.spot_id
       left join lateral (select * from ev_sessions e where e.lot_id = c.lot_id and e.charge_point_id = c.charge_point_id
                            and e.connector_id = c.connector_id and e.unplugged_at is null and e.id_tag_status = 'Accepted'
                          order by e.started_at desc limit 1) e on true
       left join visits v on v.lot_id = e.lot_id and v.visit_id = e.visit_id
      where c.lot_id = $1::integer
      order by c.charge_point_id, c.connector_id`,
    [lotId],
  );
  return rows;
}

/** The connector on a spot (by label) with the session of the car still plugged in, if any. */
export async function selectConnectorBySpotLabel(
  db: Queryable,
  lotId: number,
  label: string,
): Promise<{ charge_point_id: string; connector_id: number; spot_label: string; status: string; transaction_id: number | null; running: boolean } | null> {
  const { rows } = await db.query<{ charge_point_id: string; connector_id: number; spot_label: string; status: string; transaction_id: number | null; running: boolean }>(
    `select c.charge_point_id, c.connector_id, s.label as spot_label, c.status, e.transaction_id, (e.transaction_id is not null and e.stopped_at is null) as running
       from spots s join ev_connectors c on c.lot_id = s.lot_id and c.spot_id = s.spot_id
       left join lateral (select transaction_id, stopped_at from ev_sessions e where e.lot_id = c.lot_id and e.charge_point_id = c.charge_point_id
                            and e.connector_id = c.connector_id and e.unplugged_at is null and e.id_tag_status = 'Accepted'
                          order by started_at desc limit 1) e on true
      where ${spotNamedBy('s', '$1::integer', '$2::text')}`,
    [lotId, label],
  );
  return rows[0] ?? null;
}
