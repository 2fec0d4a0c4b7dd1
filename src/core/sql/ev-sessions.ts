// SQL of EV charging sessions (issue 16): OCPP transactions, their meter values, what each owes and the
// id tags that start them. Resent messages are absorbed by unique keys (on conflict).
import type { Queryable } from '../ports.js';

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
