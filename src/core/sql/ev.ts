// SQL of EV charging (issue 16): charge points, their connectors (each on an ev spot), charging sessions
// (OCPP transactions) and their meter values. Resent messages are absorbed by unique keys (on conflict).
import type { Queryable } from '../ports.js';

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

export async function selectSpotByLabel(db: Queryable, lotId: number, label: string): Promise<{ spot_id: number; label: string; vehicle_type: string } | null> {
  const { rows } = await db.query<{ spot_id: number; label: string; vehicle_type: string }>(
    `select spot_id, label, vehicle_type::text from spots where lot_id = $1::integer and upper(label) = upper($2::text)`,
    [lotId, label],
  );
  return rows[0] ?? null;
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

export interface SessionRow {
  lot_id: number;
  transaction_id: number;
  charge_point_id: string;
  connector_id: number;
  spot_id: number | null;
  id_tag: string;
  id_tag_status: string;
  reservation_id: string | null;
  permit_id: string | null;
  visit_id: string | null;
  /** Wh */
  meter_start_wh: number;
  meter_stop_wh: number | null;
  meter_last_wh: number | null;
  /** W */
  power_w: number | null;
  started_at: Date;
  stopped_at: Date | null;
  stop_reason: string | null;
  idle_since: Date | null;
  unplugged_at: Date | null;
  energy_minor: number;
  idle_minor: number;
  billed_at: Date | null;
}

const sessionColumns = `lot_id, transaction_id, charge_point_id, connector_id, spot_id, id_tag, id_tag_status, reservation_id::text, permit_id::text,
  visit_id::text, meter_start_wh::float8 as meter_start_wh, meter_stop_wh::float8 as meter_stop_wh, meter_last_wh::float8 as meter_last_wh,
  power_w::float8 as power_w, started_at, stopped_at, stop_reason, idle_since, unplugged_at, energy_minor::float8 as energy_minor,
  idle_minor::float8 as idle_minor, billed_at`;

export interface SessionInsert {
  lotId: number;
  chargePointId: string;
  connectorId: number;
  idTag: string;
  idTagStatus: string;
  reservationId: string | null;
  permitId: string | null;
  visitId: string | null;
  meterStartWh: number;
  startedAt: Date;
}

/** StartTransaction: a new session, or the one this same start made before (a retry): `created` tells. */
export async function insertSession(db: Queryable, s: SessionInsert): Promise<{ session: SessionRow; created: boolean }> {
  const { rows } = await db.query<SessionRow & Record<string, unknown>>(
    `insert into ev_sessions (lot_id, charge_point_id, connector_id, spot_id, id_tag, id_tag_status, reservation_id, permit_id, visit_id, meter_start_wh, started_at,
                              meter_stop_wh, stopped_at, stop_reason)
     select $1::integer, $2::text, $3::integer, c.spot_id, $4::text, $5::text, $6::uuid, $7::uuid, $8::uuid, $9::bigint, $10::timestamptz,
            r.meter_stop_wh, r.stopped_at, r.stop_reason
       -- refused (OCPP 1.6 4.8: the charge point stops a transaction its StartTransaction.conf did not accept):
       -- recorded as ended where it started, nothing delivered, so it is never live, billed or in the way
       from (select case when $5::text = 'Accepted' then null else $9::bigint end as meter_stop_wh,
                    case when $5::text = 'Accepted' then null else $10::timestamptz end as stopped_at,
                    case when $5::text = 'Accepted' then null else 'DeAuthorized' end as stop_reason) r,
            ev_connectors c
      where c.lot_id = $1::integer and c.charge_point_id = $2::text and c.connector_id = $3::integer
     on conflict (lot_id, charge_point_id, connector_id, started_at) do nothing
     returning ${sessionColumns}`,
    [s.lotId, s.chargePointId, s.connectorId, s.idTag, s.idTagStatus, s.reservationId, s.permitId, s.visitId, s.meterStartWh, s.startedAt],
  );
  if (rows[0]) return { session: rows[0], created: true };
  const again = await db.query<SessionRow & Record<string, unknown>>(
    `select ${sessionColumns} from ev_sessions
      where lot_id = $1::integer and charge_point_id = $2::text and connector_id = $3::integer and started_at = $4::timestamptz`,
    [s.lotId, s.chargePointId, s.connectorId, s.startedAt],
  );
  if (!again.rows[0]) throw new Error(`charge point ${s.chargePointId} has no connector ${s.connectorId}`);
  return { session: again.rows[0], created: false };
}

export async function selectSession(db: Queryable, lotId: number, transactionId: number, forUpdate = false): Promise<SessionRow | null> {
  const { rows } = await db.query<SessionRow & Record<string, unknown>>(
    `select ${sessionColumns} from ev_sessions where lot_id = $1::integer and transaction_id = $2::integer${forUpdate ? ' for update' : ''}`,
    [lotId, transactionId],
  );
  return rows[0] ?? null;
}

/** StopTransaction: the first one counts; a resent one finds it stopped and changes nothing (null). */
export async function stopSession(
  db: Queryable,
  s: { lotId: number; transactionId: number; meterStopWh: number; at: Date; reason: string | null },
): Promise<SessionRow | null> {
  const { rows } = await db.query<SessionRow & Record<string, unknown>>(
    `update ev_sessions set meter_stop_wh = $3::bigint, stopped_at = $4::timestamptz, stop_reason = $5::text,
            meter_last_wh = greatest(meter_last_wh, $3::bigint), power_w = 0,
            idle_since = case when unplugged_at is null then coalesce(idle_since, $4::timestamptz) else idle_since end
      where lot_id = $1::integer and transaction_id = $2::integer and stopped_at is null
      returning ${sessionColumns}`,
    [s.lotId, s.transactionId, s.meterStopWh, s.at, s.reason],
  );
  return rows[0] ?? null;
}

export interface MeterSample {
  sampledAt: Date;
  measurand: string;
  phase: string;
  value: number;
  unit: string | null;
}

/**
 * Samples of a charge point's transaction; those already stored (a resent batch) are skipped, and so is a
 * transaction that is not this charge point's. Returns how many were new.
 */
export async function insertMeterValues(db: Queryable, lotId: number, chargePointId: string, transactionId: number, samples: readonly MeterSample[]): Promise<number> {
  if (samples.length === 0) return 0;
  const { rowCount } = await db.query(
    `insert into ev_meter_values (lot_id, transaction_id, sampled_at, measurand, phase, value, unit)
     select e.lot_id, e.transaction_id, x.sampled_at, x.measurand, x.phase, x.value, x.unit
       from ev_sessions e, jsonb_to_recordset($4::jsonb) as x(sampled_at timestamptz, measurand text, phase text, value numeric, unit text)
      where e.lot_id = $1::integer and e.transaction_id = $3::integer and e.charge_point_id = $2::text
     on conflict do nothing`,
    [lotId, chargePointId, transactionId, JSON.stringify(samples.map((s) => ({ sampled_at: s.sampledAt, measurand: s.measurand, phase: s.phase, value: s.value, unit: s.unit })))],
  );
  return rowCount ?? 0;
}

/** The latest register and power of a running session (a late older sample never lowers the register); the session after. */
export async function updateSessionMeter(db: Queryable, lotId: number, transactionId: number, m: { registerWh: number | null; powerW: number | null }): Promise<SessionRow | null> {
  const { rows } = await db.query<SessionRow & Record<string, unknown>>(
    `update ev_sessions set meter_last_wh = greatest(meter_last_wh, $3::bigint),
            power_w = case when stopped_at is null then coalesce($4::numeric, power_w) else power_w end
      where lot_id = $1::integer and transaction_id = $2::integer
      returning ${sessionColumns}`,
    [lotId, transactionId, m.registerWh, m.powerW],
  );
  return rows[0] ?? null;
}

/** The session on a connector the car has not left yet (the newest). */
export async function selectPluggedSession(db: Queryable, lotId: number, chargePointId: string, connectorId: number): Promise<SessionRow | null> {
  const { rows } = await db.query<SessionRow & Record<string, unknown>>(
    `select ${sessionColumns} from ev_sessions
      where lot_id = $1::integer and charge_point_id = $2::text and connector_id = $3::integer and unplugged_at is null
        and id_tag_status = 'Accepted'
      order by started_at desc limit 1`,
    [lotId, chargePointId, connectorId],
  );
  return rows[0] ?? null;
}

/** Idle from `at` (SuspendedEV, Finishing), charging again (null), or unplugged. */
export async function updateSessionPlug(
  db: Queryable,
  s: { lotId: number; transactionId: number; idleSince?: Date | null; unpluggedAt?: Date },
): Promise<void> {
  if (s.unpluggedAt) {
    await db.query(
      `update ev_sessions set unplugged_at = $3::timestamptz where lot_id = $1::integer and transaction_id = $2::integer and unplugged_at is null`,
      [s.lotId, s.transactionId, s.unpluggedAt],
    );
  } else if (s.idleSince === null) {
    await db.query(`update ev_sessions set idle_since = null where lot_id = $1::integer and transaction_id = $2::integer and stopped_at is null`, [s.lotId, s.transactionId]);
  } else if (s.idleSince) {
    await db.query(
      `update ev_sessions set idle_since = coalesce(idle_since, $3::timestamptz) where lot_id = $1::integer and transaction_id = $2::integer`,
      [s.lotId, s.transactionId, s.idleSince],
    );
  }
}

export async function updateSessionCharge(db: Queryable, lotId: number, transactionId: number, c: { energyMinor: number; idleMinor: number; billedAt?: Date }): Promise<void> {
  await db.query(
    `update ev_sessions set energy_minor = $3::bigint, idle_minor = $4::bigint, billed_at = coalesce(billed_at, $5::timestamptz)
      where lot_id = $1::integer and transaction_id = $2::integer and billed_at is null`,
    [lotId, transactionId, c.energyMinor, c.idleMinor, c.billedAt ?? null],
  );
}

/** A visit's sessions not billed yet: linked to it, or (started before its link was known) to its booking or permit. */
export async function selectUnbilledSessionsOfVisit(
  db: Queryable,
  v: { lotId: number; visitId: string; reservationId: string | null; permitId: string | null; enteredAt: Date },
): Promise<SessionRow[]> {
  const { rows } = await db.query<SessionRow & Record<string, unknown>>(
    `select ${sessionColumns} from ev_sessions
      where lot_id = $1::integer and billed_at is null and id_tag_status = 'Accepted'
        and (visit_id = $2::uuid
             or (visit_id is null and started_at >= $5::timestamptz
                 and (reservation_id = $3::uuid or permit_id = $4::uuid)))
      order by started_at for update`,
    [v.lotId, v.visitId, v.reservationId, v.permitId, v.enteredAt],
  );
  return rows;
}

export async function linkSessionToVisit(db: Queryable, lotId: number, transactionId: number, visitId: string): Promise<void> {
  await db.query(`update ev_sessions set visit_id = $3::uuid where lot_id = $1::integer and transaction_id = $2::integer and visit_id is null`, [lotId, transactionId, visitId]);
}

export interface IdTagTarget {
  reservation_id: string | null;
  permit_id: string | null;
  visit_id: string | null;
  /** the booking's or permit's state, 'inside' for a visit */
  status: string;
  /** the booking's window end or the permit's validity end; null for a visit */
  until: Date | null;
}

/** The booking whose id lies in [lo, hi] (an id tag's 16 hex digits), with its open visit if the car is in. */
export async function selectBookingForTag(db: Queryable, lotId: number, lo: string, hi: string): Promise<IdTagTarget[]> {
  const { rows } = await db.query<IdTagTarget & Record<string, unknown>>(
    `select r.reservation_id::text, null::text as permit_id, r.status::text as status, upper(r.period) as until,
            (select v.visit_id::text from visits v where v.lot_id = r.lot_id and v.reservation_id = r.reservation_id and v.exited_at is null) as visit_id
       from reservations r where r.lot_id = $1::integer and r.reservation_id between $2::uuid and $3::uuid limit 2`,
    [lotId, lo, hi],
  );
  return rows;
}

export async function selectPermitForTag(db: Queryable, lotId: number, lo: string, hi: string): Promise<IdTagTarget[]> {
  const { rows } = await db.query<IdTagTarget & Record<string, unknown>>(
    `select null::text as reservation_id, p.permit_id::text, p.status, p.valid_until as until,
            (select v.visit_id::text from visits v where v.lot_id = p.lot_id and v.permit_id = p.permit_id and v.exited_at is null
              order by v.entered_at desc limit 1) as visit_id
       from permits p where p.lot_id = $1::integer and p.permit_id between $2::uuid and $3::uuid limit 2`,
    [lotId, lo, hi],
  );
  return rows;
}

export async function selectVisitForTag(db: Queryable, lotId: number, lo: string, hi: string): Promise<IdTagTarget[]> {
  const { rows } = await db.query<IdTagTarget & Record<string, unknown>>(
    `select v.reservation_id::text, v.permit_id::text, v.visit_id::text, case when v.exited_at is null then 'inside' else 'left' end as status, null::timestamptz as until
       from visits v where v.lot_id = $1::integer and v.visit_id between $2::uuid and $3::uuid limit 2`,
    [lotId, lo, hi],
  );
  return rows;
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
      where s.lot_id = $1::integer and upper(s.label) = upper($2::text)`,
    [lotId, label],
  );
  return rows[0] ?? null;
}
