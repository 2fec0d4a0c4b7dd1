// SQL of spot sensors: bindings (sensors), what they sense (spot_sensed), the lot's sensor settings and
// zones' route texts, and the batched writes of the listener.
import type { Queryable } from '../ports.js';

export interface SensorBindingRow {
  sensor_id: string;
  spot_id: number;
  /** spots.label */
  label: string;
  vendor: string;
  heartbeat_seconds: number;
  floor: number;
  zone_code: string;
  /** spot_sensed, when the listener wrote one */
  state: 'free' | 'occupied' | 'unknown';
  state_since: Date | null;
  unconfirmed: 'free' | 'occupied' | null;
  last_reading: 'free' | 'occupied' | null;
  confidence: number | null;
  battery_pct: number | null;
  last_heard_at: Date | null;
  fault: string | null;
  bound_at: Date;
}

/** A sensor's binding in another lot that gave way to a new one (a sensor id is one physical device). */
export interface MovedSensor {
  sensor_id: string;
  lot_id: number;
  lot_code: string;
  spot_label: string;
}

/**
 * Binds sensors to spots by label; a spot's or a sensor's earlier binding gives way, in this lot or another
 * (`moved`: the other lots' bindings it took). Returns labels not found.
 */
export async function bindSensors(
  db: Queryable,
  lotId: number,
  bindings: readonly { spotLabel: string; sensorId: string; vendor: string; heartbeatSeconds: number }[],
  actor: string,
  at: Date,
): Promise<{ bound: number; unknownSpots: string[]; moved: MovedSensor[] }> {
  if (bindings.length === 0) return { bound: 0, unknownSpots: [], moved: [] };
  const labels = bindings.map((b) => b.spotLabel);
  const { rows: spots } = await db.query<{ label: string; spot_id: number }>(
    `select label, spot_id from spots where lot_id = $1::integer and label = any ($2::text[])`, [lotId, labels]);
  const ids = new Map(spots.map((s) => [s.label, s.spot_id]));
  const known = bindings.filter((b) => ids.has(b.spotLabel));
  const unknownSpots = bindings.filter((b) => !ids.has(b.spotLabel)).map((b) => b.spotLabel);
  if (known.length === 0) return { bound: 0, unknownSpots, moved: [] };
  const spotIds = known.map((b) => ids.get(b.spotLabel)!);
  const sensorIds = known.map((b) => b.sensorId);
  // the primary key is per lot: two lots binding one device at once are serialised here instead
  await db.query(`select pg_advisory_xact_lock(hashtextextended('parkctl.sensor:' || s, 0)) from (select distinct unnest($1::text[]) as s order by 1) i`, [sensorIds]);
  const { rows: moved } = await db.query<MovedSensor & Record<string, unknown>>(
    `with gone as (delete from sensors where lot_id <> $1::integer and sensor_id = any ($2::text[]) returning lot_id, spot_id, sensor_id),
          unsensed as (delete from spot_sensed x using gone g where x.lot_id = g.lot_id and x.spot_id = g.spot_id)
     select g.sensor_id, g.lot_id, l.code as lot_code, p.label as spot_label
       from gone g join lots l on l.lot_id = g.lot_id join spots p on p.lot_id = g.lot_id and p.spot_id = g.spot_id
      order by l.code, p.label`,
    [lotId, sensorIds],
  );
  await db.query(
    `delete from sensors where lot_id = $1::integer and (sensor_id = any ($2::text[]) or spot_id = any ($3::integer[]))`,
    [lotId, sensorIds, spotIds],
  );
  await db.query(
    `insert into sensors (lot_id, sensor_id, spot_id, vendor, heartbeat_seconds, bound_by, bound_at)
     select $1::integer, s.sensor_id, s.spot_id, s.vendor, s.heartbeat, $6::text, $7::timestamptz
       from unnest($2::text[], $3::integer[], $4::text[], $5::integer[]) as s(sensor_id, spot_id, vendor, heartbeat)`,
    [lotId, sensorIds, spotIds, known.map((b) => b.vendor), known.map((b) => b.heartbeatSeconds), actor, at],
  );
  // a spot bound afresh knows nothing yet: unknown until its sensor speaks (never free by default)
  await db.query(
    `insert into spot_sensed (lot_id, spot_id, state, updated_at)
     select $1::integer, s, 'unknown', $3::timestamptz from unnest($2::integer[]) as s
     on conflict (lot_id, spot_id) do update set state = 'unknown', state_since = null, unconfirmed = null, fault = null, updated_at = excluded.updated_at`,
    [lotId, spotIds, at],
  );
  return { bound: known.length, unknownSpots, moved };
}

export async function setSensorConfig(db: Queryable, lotId: number, config: unknown): Promise<void> {
  await db.query(`update lots set sensor_config = $2::jsonb where lot_id = $1::integer`, [lotId, config === null ? null : JSON.stringify(config)]);
}

export async function selectSensorConfig(db: Queryable, lotId: number): Promise<unknown> {
  const { rows } = await db.query<{ sensor_config: unknown }>(`select sensor_config from lots where lot_id = $1::integer`, [lotId]);
  return rows[0]?.sensor_config ?? null;
}

export async function setZoneRoutes(db: Queryable, lotId: number, zones: readonly { code: string; route?: string | undefined }[]): Promise<void> {
  await db.query(
    `update zones z set route = nullif(i.route, '') from unnest($2::text[], $3::text[]) as i(code, route)
      where z.lot_id = $1::integer and z.code = i.code and z.route is distinct from nullif(i.route, '')`,
    [lotId, zones.map((z) => z.code), zones.map((z) => z.route ?? '')],
  );
}

export async function selectSensorBindings(db: Queryable, lotId: number): Promise<SensorBindingRow[]> {
  const { rows } = await db.query<SensorBindingRow & Record<string, unknown>>(
    `select b.sensor_id, b.spot_id, s.label, b.vendor, b.heartbeat_seconds, z.floor, z.code as zone_code, b.bound_at,
            coalesce(x.state, 'unknown') as state, x.state_since, x.unconfirmed, x.last_reading, x.confidence, x.battery_pct,
            x.last_heard_at, x.fault
       from sensors b
       join spots s on s.lot_id = b.lot_id and s.spot_id = b.spot_id
       join zones z on z.lot_id = s.lot_id and z.zone_id = s.zone_id
       left join spot_sensed x on x.lot_id = b.lot_id and x.spot_id = b.spot_id
      where b.lot_id = $1::integer
      order by s.label`,
    [lotId],
  );
  return rows;
}

export interface SensedWrite {
  spotId: number;
  state: 'free' | 'occupied' | 'unknown';
  stateSince: Date | null;
  unconfirmed: 'free' | 'occupied' | null;
  lastReading: 'free' | 'occupied' | null;
  confidence: number | null;
  batteryPct: number | null;
  lastHeardAt: Date | null;
  fault: string | null;
  /** readings ignored since the last write */
  debounced: number;
}

/** The listener's batch: one statement for every spot that changed since the last flush. */
export async function writeSensed(db: Queryable, lotId: number, rows: readonly SensedWrite[], at: Date): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `insert into spot_sensed as x (lot_id, spot_id, state, state_since, unconfirmed, last_reading, confidence, battery_pct, last_heard_at, fault, debounced, updated_at)
     select $1::integer, r.spot_id, r.state, r.state_since, r.unconfirmed, r.last_reading, r.confidence, r.battery_pct, r.last_heard_at, r.fault, r.debounced, $12::timestamptz
       from unnest($2::integer[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::real[], $8::real[], $9::timestamptz[], $10::text[], $11::integer[])
            as r(spot_id, state, state_since, unconfirmed, last_reading, confidence, battery_pct, last_heard_at, fault, debounced)
     on conflict (lot_id, spot_id) do update set
       state = excluded.state, state_since = excluded.state_since, unconfirmed = excluded.unconfirmed,
       last_reading = excluded.last_reading, confidence = excluded.confidence, battery_pct = excluded.battery_pct,
       last_heard_at = excluded.last_heard_at, fault = excluded.fault, debounced = x.debounced + excluded.debounced,
       updated_at = excluded.updated_at`,
    [lotId, rows.map((r) => r.spotId), rows.map((r) => r.state), rows.map((r) => r.stateSince), rows.map((r) => r.unconfirmed),
      rows.map((r) => r.lastReading), rows.map((r) => r.confidence), rows.map((r) => r.batteryPct), rows.map((r) => r.lastHeardAt),
      rows.map((r) => r.fault), rows.map((r) => r.debounced), at],
  );
}

export interface EventWrite {
  kind: string;
  reservationId: string | null;
  reason: string | null;
  detail: Record<string, unknown>;
  occurredAt: Date;
}

/** Events of a batch in one statement; an alert already given for a booking (a unique index) is skipped. */
export async function insertSensorEvents(db: Queryable, lotId: number, actor: string, events: readonly EventWrite[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `insert into events (lot_id, kind, reservation_id, actor, reason, detail, occurred_at)
     select $1::integer, e.kind, e.reservation_id, $2::text, e.reason, e.detail, e.occurred_at
       from unnest($3::text[], $4::uuid[], $5::text[], $6::jsonb[], $7::timestamptz[]) as e(kind, reservation_id, reason, detail, occurred_at)
     on conflict do nothing`,
    [lotId, actor, events.map((e) => e.kind), events.map((e) => e.reservationId), events.map((e) => e.reason),
      events.map((e) => JSON.stringify(e.detail)), events.map((e) => e.occurredAt)],
  );
}

export interface SensedCounts {
  /** spots with a sensor */
  sensed: number;
  occupied: number;
  free: number;
  /** unknown: never heard, or silent past the heartbeat */
  unknown: number;
  faults: number;
  unconfirmed: number;
}

export async function selectSensedCounts(db: Queryable, lotId: number): Promise<SensedCounts> {
  const { rows } = await db.query<SensedCounts & Record<string, unknown>>(
    `select count(*)::integer as sensed,
            count(*) filter (where x.state = 'occupied')::integer as occupied,
            count(*) filter (where x.state = 'free')::integer as free,
            count(*) filter (where coalesce(x.state, 'unknown') = 'unknown')::integer as unknown,
            count(*) filter (where x.fault is not null)::integer as faults,
            count(*) filter (where x.unconfirmed is not null)::integer as unconfirmed
       from sensors b left join spot_sensed x on x.lot_id = b.lot_id and x.spot_id = b.spot_id
      where b.lot_id = $1::integer`,
    [lotId],
  );
  return rows[0]!;
}

export interface SpotHoldersRow {
  spot_id: number;
  label: string;
  car_expected: boolean;
  /** json: [{reservation_id, plate, start, end}] */
  bookings: { reservation_id: string; plate: string; start: string; end: string }[];
}

/**
 * Who holds each spot: a car checked in on it, and the live bookings on it (not checked in) from `now` to `until`.
 * Every status named, so the reads match the spot exclusion constraint's partial GiST index (src/core/sql/floor-map.ts).
 */
export async function selectSpotHolders(db: Queryable, lotId: number, spotIds: readonly number[], now: Date, until: Date): Promise<SpotHoldersRow[]> {
  if (spotIds.length === 0) return [];
  const { rows } = await db.query<SpotHoldersRow & Record<string, unknown>>(
    `select s.spot_id, s.label,
            exists (select 1 from reservations r
                     where r.lot_id = s.lot_id and r.spot_id = s.spot_id and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
                       and r.status = 'CHECKED_IN') as car_expected,
            coalesce((select json_agg(json_build_object('reservation_id', r.reservation_id, 'plate', r.plate, 'start', lower(r.period), 'end', upper(r.period))
                                      order by lower(r.spot_period))
                        from reservations r
                       where r.lot_id = s.lot_id and r.spot_id = s.spot_id and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
                         and r.status <> 'CHECKED_IN' and r.spot_period && tstzrange($3::timestamptz, $4::timestamptz, '[)')
                         and (r.status = 'CONFIRMED' or r.hold_expires_at > $3::timestamptz)), '[]'::json) as bookings
       from spots s
      where s.lot_id = $1::integer and s.spot_id = any ($2::integer[])`,
    [lotId, spotIds, now, until],
  );
  return rows;
}

export interface CheckedInEmptyRow {
  reservation_id: string;
  plate: string;
  spot_label: string;
  entered_at: Date;
  free_since: Date;
}

/** Booked cars inside whose spot is sensed free, not yet alerted. */
export async function selectCheckedInOnFreeSpots(db: Queryable, lotId: number): Promise<CheckedInEmptyRow[]> {
  const { rows } = await db.query<CheckedInEmptyRow & Record<string, unknown>>(
    `select r.reservation_id::text as reservation_id, r.plate, s.label as spot_label, v.entered_at, x.state_since as free_since
       from spot_sensed x
       join spots s on s.lot_id = x.lot_id and s.spot_id = x.spot_id
       join reservations r on r.lot_id = x.lot_id and r.spot_id = x.spot_id and r.status = 'CHECKED_IN' and r.walk_in_visit_id is null
       join visits v on v.lot_id = r.lot_id and v.reservation_id = r.reservation_id and v.exited_at is null
      where x.lot_id = $1::integer and x.state = 'free' and x.state_since is not null
        and not exists (select 1 from events e where e.lot_id = r.lot_id and e.reservation_id = r.reservation_id and e.kind = 'alert.parked_elsewhere')`,
    [lotId],
  );
  return rows;
}

/** Moves a booking off a spot a car stands in (0012's parkctl_move_booking); the new spot's id, or null after its alert.no_spot. */
export async function moveBookingOffSpot(db: Queryable, lotId: number, reservationId: string, now: Date, why: string): Promise<number | null> {
  const { rows } = await db.query<{ spot: number | null }>(
    `select parkctl_move_booking($1::integer, r.reservation_id, r.spot_period, null, $3::timestamptz, $4::text) as spot
       from reservations r where r.lot_id = $1::integer and r.reservation_id = $2::uuid and r.status in ('TENTATIVE', 'CONFIRMED')`,
    [lotId, reservationId, now, why],
  );
  return rows[0]?.spot ?? null;
}

export interface FloorFreeRow {
  floor: number;
  vehicle_type: string;
  /** active spots nothing holds now; where a sensor is bound, only those it senses free (unknown is not free) */
  free: number;
  total: number;
}

/** Free spots per floor and vehicle type now: from sensed occupancy where sensors are bound, from bookings and visits where not. */
export async function selectFloorFree(db: Queryable, lotId: number, now: Date): Promise<FloorFreeRow[]> {
  const { rows } = await db.query<FloorFreeRow & Record<string, unknown>>(
    `select z.floor, s.vehicle_type::text as vehicle_type, count(*)::integer as total,
            count(*) filter (where (b.sensor_id is null or x.state = 'free')
              and not exists (select 1 from reservations r
                               where r.lot_id = s.lot_id and r.spot_id = s.spot_id and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
                                 and (r.status = 'CHECKED_IN' or (r.spot_period @> $2::timestamptz and (r.status = 'CONFIRMED' or r.hold_expires_at > $2::timestamptz))))
            )::integer as free
       from spots s
       join zones z on z.lot_id = s.lot_id and z.zone_id = s.zone_id
       left join sensors b on b.lot_id = s.lot_id and b.spot_id = s.spot_id
       left join spot_sensed x on x.lot_id = s.lot_id and x.spot_id = s.spot_id
      where s.lot_id = $1::integer and s.status = 'active'
      group by z.floor, s.vehicle_type
      order by z.floor, s.vehicle_type`,
    [lotId, now],
  );
  return rows;
}

/** Sensed counts per zone code (zones with sensors only). */
export async function selectSensedByZone(db: Queryable, lotId: number): Promise<(SensedCounts & { zone_code: string })[]> {
  const { rows } = await db.query<SensedCounts & { zone_code: string } & Record<string, unknown>>(
    `select z.code as zone_code, count(*)::integer as sensed,
            count(*) filter (where x.state = 'occupied')::integer as occupied,
            count(*) filter (where x.state = 'free')::integer as free,
            count(*) filter (where coalesce(x.state, 'unknown') = 'unknown')::integer as unknown,
            count(*) filter (where x.fault is not null)::integer as faults,
            count(*) filter (where x.unconfirmed is not null)::integer as unconfirmed
       from sensors b
       join spots s on s.lot_id = b.lot_id and s.spot_id = b.spot_id
       join zones z on z.lot_id = s.lot_id and z.zone_id = s.zone_id
       left join spot_sensed x on x.lot_id = b.lot_id and x.spot_id = b.spot_id
      where b.lot_id = $1::integer
      group by z.code`,
    [lotId],
  );
  return rows;
}

/** The lot's sensed counts from its zones', or null when it has no sensors. */
export function sensedSummary(zones: readonly SensedCounts[]): SensedCounts | null {
  if (zones.length === 0) return null;
  const sum = (k: keyof SensedCounts) => zones.reduce((n, z) => n + z[k], 0);
  return { sensed: sum('sensed'), occupied: sum('occupied'), free: sum('free'), unknown: sum('unknown'), faults: sum('faults'), unconfirmed: sum('unconfirmed') };
}

export interface SensorFaultRow {
  spot_label: string;
  sensor_id: string;
  fault: string;
  since: Date;
}

/** Sensors at fault now (the dashboard's alerts), newest first. */
export async function selectSensorFaults(db: Queryable, lotId: number, limit: number): Promise<SensorFaultRow[]> {
  const { rows } = await db.query<SensorFaultRow & Record<string, unknown>>(
    `select s.label as spot_label, b.sensor_id, x.fault, coalesce(x.state_since, x.updated_at) as since
       from spot_sensed x
       join spots s on s.lot_id = x.lot_id and s.spot_id = x.spot_id
       join sensors b on b.lot_id = x.lot_id and b.spot_id = x.spot_id
      where x.lot_id = $1::integer and x.fault is not null
      order by since desc limit $2::integer`,
    [lotId, limit],
  );
  return rows;
}
