// SQL of the reservation aggregate.
import type { Queryable } from '../ports.js';
import type { VehicleType } from '../pricing/vehicle-types.js';

export type ReservationStatus = 'TENTATIVE' | 'CONFIRMED' | 'CHECKED_IN' | 'COMPLETED' | 'CANCELLED' | 'EXPIRED' | 'NO_SHOW';
export const reservationStatuses: readonly ReservationStatus[] = ['TENTATIVE', 'CONFIRMED', 'CHECKED_IN', 'COMPLETED', 'CANCELLED', 'EXPIRED', 'NO_SHOW'];
export const liveStatuses: readonly ReservationStatus[] = ['TENTATIVE', 'CONFIRMED', 'CHECKED_IN'];

export interface ReservationRow {
  lot_id: number;
  lot_code: string;
  /** the lot's IANA zone: times are shown to people in it */
  time_zone: string;
  reservation_id: string;
  customer_ref: string;
  /** normalised A-Z0-9 */
  plate: string;
  vehicle_type: VehicleType;
  spot_id: number;
  spot_label: string;
  /** window start, inclusive */
  starts_at: Date;
  /** window end, exclusive */
  ends_at: Date;
  status: ReservationStatus;
  hold_expires_at: Date | null;
  price_minor: number;
  /** what time added after booking costs (dashboard extend), owed at the exit with any overstay */
  extension_minor: number;
  currency: string;
  payment_status: string;
  payment_provider: string | null;
  payment_ref: string | null;
  external_ref: string | null;
  created_at: Date;
  updated_at: Date;
}

export const reservationSelect = `
  select r.lot_id, l.code as lot_code, l.time_zone, r.reservation_id, r.customer_ref, r.plate, r.vehicle_type, r.spot_id, s.label as spot_label,
         lower(r.period) as starts_at, upper(r.period) as ends_at, r.status, r.hold_expires_at, r.price_minor, r.extension_minor, r.currency,
         r.payment_status, r.payment_provider, r.payment_ref, r.external_ref, r.created_at, r.updated_at
    from reservations r
    join lots l on l.lot_id = r.lot_id
    join spots s on s.lot_id = r.lot_id and s.spot_id = r.spot_id`;

export interface ReserveCall {
  lotId: number;
  vehicleType: VehicleType;
  start: Date;
  end: Date;
  plate: string;
  customerRef: string;
  priceMinor: number;
  currency: string;
  holdExpiresAt: Date;
  now: Date;
  externalRef: string | null;
  /** where the candidate scan begins (random per call) */
  startSpotId: number;
  actor: string;
}

export interface ReserveRow {
  reservation_id: string;
  spot_id: number;
  label: string;
  status: ReservationStatus;
  hold_expires_at: Date | null;
  price_minor: number;
  /** false when external_ref matched an existing reservation */
  created: boolean;
}

/** One round trip: parkctl_reserve (migrations/0002). No row: no spot free. */
export async function callReserve(db: Queryable, c: ReserveCall): Promise<ReserveRow | null> {
  const { rows } = await db.query<ReserveRow & Record<string, unknown>>({
    // named: parsed once per connection, not on every booking
    name: 'parkctl_reserve',
    text: `select * from parkctl_reserve($1::integer, $2::vehicle_type, $3::timestamptz, $4::timestamptz, $5::text, $6::text,
       $7::bigint, $8::char(3), $9::timestamptz, $10::timestamptz, $11::text, $12::integer, $13::text)`,
    values: [c.lotId, c.vehicleType, c.start, c.end, c.plate, c.customerRef, c.priceMinor, c.currency, c.holdExpiresAt, c.now,
      c.externalRef, c.startSpotId, c.actor],
    // with a key, a lost answer can be asked again: the same key returns the same reservation
    idempotent: c.externalRef !== null,
  });
  return rows[0] ?? null;
}

/**
 * By id. Give `lotId` whenever it is known: on Citus a look-up by id alone asks every shard, and a locking
 * one (`forUpdate`) must name the lot ("could not run distributed query with FOR UPDATE/SHARE commands").
 */
export async function selectReservation(db: Queryable, reservationId: string, opts: { forUpdate?: boolean; lotId?: number } = {}): Promise<ReservationRow | null> {
  const inLot = opts.lotId === undefined ? '' : ' and r.lot_id = $2::integer';
  const { rows } = await db.query<ReservationRow & Record<string, unknown>>(
    `${reservationSelect} where r.reservation_id = $1::uuid${inLot}${opts.forUpdate ? ' for update of r' : ''}`,
    opts.lotId === undefined ? [reservationId] : [reservationId, opts.lotId],
  );
  return rows[0] ?? null;
}

/** A reservation with the window it was booked for (its creation event), which extend or an early exit may since have moved. */
export interface BookedReservationRow extends ReservationRow {
  booked_start: Date;
  booked_end: Date;
}

/** The reservation an idempotency key found, as booked and as it is now. */
export async function selectReservationAsBooked(db: Queryable, lotId: number, reservationId: string): Promise<BookedReservationRow | null> {
  const { rows } = await db.query<BookedReservationRow & Record<string, unknown>>(
    `select q.*, coalesce(b.booked_start, q.starts_at) as booked_start, coalesce(b.booked_end, q.ends_at) as booked_end
       from (${reservationSelect} where r.lot_id = $1::integer and r.reservation_id = $2::uuid) q
       left join lateral (
         -- the insert event carries the window as booked; it is written at created_at (events_recent finds it)
         select (e.detail->>'from')::timestamptz as booked_start, (e.detail->>'to')::timestamptz as booked_end
           from events e
          where e.lot_id = q.lot_id and e.occurred_at = q.created_at and e.reservation_id = q.reservation_id
          order by e.event_id limit 1) b on true`,
    [lotId, reservationId],
  );
  return rows[0] ?? null;
}

export interface ReservationFilter {
  lotId?: number;
  status?: ReservationStatus;
  plate?: string;
  /** reservations whose window touches [dayStart, dayEnd) */
  dayStart?: Date;
  dayEnd?: Date;
  limit: number;
}

export async function selectReservations(db: Queryable, f: ReservationFilter): Promise<ReservationRow[]> {
  const { rows } = await db.query<ReservationRow & Record<string, unknown>>(
    `${reservationSelect}
      where ($1::integer is null or r.lot_id = $1::integer)
        and r.walk_in_visit_id is null -- a walk-in's hold of its spot is no booking (migrations/0012)
        and ($2::reservation_status is null or r.status = $2::reservation_status)
        and ($3::text is null or r.plate = $3::text)
        and ($4::timestamptz is null or r.period && tstzrange($4::timestamptz, $5::timestamptz, '[)'))
      order by lower(r.period), s.label
      limit $6::integer`,
    [f.lotId ?? null, f.status ?? null, f.plate ?? null, f.dayStart ?? null, f.dayEnd ?? null, f.limit],
  );
  return rows;
}

/** Move a reservation from one status to another; returns false when it was not in `from` any more. */
export async function updateReservationStatus(
  db: Queryable,
  r: { lotId: number; reservationId: string; from: readonly ReservationStatus[]; to: ReservationStatus; now: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update reservations set status = $4::reservation_status, updated_at = $5::timestamptz
      where lot_id = $1::integer and reservation_id = $2::uuid and status = any ($3::reservation_status[])`,
    [r.lotId, r.reservationId, r.from, r.to, r.now],
  );
  return rowCount === 1;
}

export async function markPaid(
  db: Queryable,
  p: { lotId: number; reservationId: string; provider: string; paymentRef: string; now: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update reservations
        set status = 'CONFIRMED', payment_status = 'paid', payment_provider = $3::text, payment_ref = $4::text, updated_at = $5::timestamptz
      where lot_id = $1::integer and reservation_id = $2::uuid and status = 'TENTATIVE' and hold_expires_at > $5::timestamptz`,
    [p.lotId, p.reservationId, p.provider, p.paymentRef, p.now],
  );
  return rowCount === 1;
}

/** Carries what a booking's extensions cost over to the booking that replaces it (a late payment's re-take). */
export async function setExtensionMinor(db: Queryable, q: { lotId: number; reservationId: string; extensionMinor: number }): Promise<void> {
  await db.query(
    `update reservations set extension_minor = $3::bigint where lot_id = $1::integer and reservation_id = $2::uuid`,
    [q.lotId, q.reservationId, q.extensionMinor],
  );
}

/** Overlapping live reservations of one spot (what they hold it for: spot_period): the invariant checker. Must always be 0. */
export async function countOverlaps(db: Queryable, table = 'reservations'): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::integer as n from ${table} a join ${table} b
        on a.lot_id = b.lot_id and a.spot_id = b.spot_id and a.reservation_id < b.reservation_id and a.spot_period && b.spot_period
     where a.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN') and b.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')`,
  );
  return rows[0]!.n;
}

/** How many reservations the filter matches, ignoring its limit: a list that stops says of how many. */
export async function countReservations(db: Queryable, f: Omit<ReservationFilter, 'limit'>): Promise<number> {
  const { rows } = await db.query<{ total: string }>(
    `select count(*)::bigint as total from reservations r
      where ($1::integer is null or r.lot_id = $1::integer)
        and ($2::reservation_status is null or r.status = $2::reservation_status)
        and ($3::text is null or r.plate = $3::text)
        and ($4::timestamptz is null or r.period && tstzrange($4::timestamptz, $5::timestamptz, '[)'))`,
    [f.lotId ?? null, f.status ?? null, f.plate ?? null, f.dayStart ?? null, f.dayEnd ?? null],
  );
  return Number(rows[0]!.total);
}

/** Whether a live (not EXPIRED) reservation was made under this idempotency key. */
export async function reservationExistsForKey(db: Queryable, lotId: number, externalRef: string): Promise<boolean> {
  const r = await db.query(`select 1 from reservations where lot_id = $1 and external_ref = $2 and status <> 'EXPIRED'`, [lotId, externalRef]);
  return (r.rowCount ?? 0) > 0;
}
