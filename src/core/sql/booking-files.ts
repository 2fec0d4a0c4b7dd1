// SQL of booking files: the rows `booking export` writes, and a booking restored from one as it was
// (its id, spot, status and payment), not allocated anew.
import type { Queryable } from '../ports.js';
import type { VehicleType } from '../pricing/vehicle-types.js';
import { reservationSelect, type ReservationRow, type ReservationStatus } from './reservations.js';

export interface ExportRow extends ReservationRow {
  /** the car's visit, for a CHECKED_IN booking */
  entered_at: Date | null;
  entry_gate: string | null;
}

export async function selectExportRows(db: Queryable, f: { lotId?: number | undefined; statuses: readonly ReservationStatus[] }): Promise<ExportRow[]> {
  const { rows } = await db.query<ExportRow & Record<string, unknown>>(
    `select q.*, v.entered_at, v.entry_gate
       from (${reservationSelect}
              where ($1::integer is null or r.lot_id = $1::integer) and r.status = any ($2::reservation_status[])) q
       left join visits v on v.lot_id = q.lot_id and v.reservation_id = q.reservation_id and q.status = 'CHECKED_IN'
      order by q.starts_at, q.lot_code, q.plate`,
    [f.lotId ?? null, f.statuses],
  );
  return rows;
}

/** The booking holding an external ref in a lot (reservations_external_ref: an expired hold gives its key back). */
export async function selectLiveKeyHolder(db: Queryable, lotId: number, externalRef: string): Promise<string | null> {
  const { rows } = await db.query<{ reservation_id: string }>(
    `select reservation_id from reservations where lot_id = $1::integer and external_ref = $2::text and status <> 'EXPIRED'`, [lotId, externalRef]);
  return rows[0]?.reservation_id ?? null;
}

export interface RestoredReservation {
  lotId: number;
  reservationId: string;
  customerRef: string;
  plate: string;
  vehicleType: VehicleType;
  spotId: number;
  start: Date;
  end: Date;
  /** a CHECKED_IN booking goes in CONFIRMED: its visit, inserted next, checks it in (visits_move_reservation) */
  status: 'TENTATIVE' | 'CONFIRMED';
  holdExpiresAt: Date | null;
  priceMinor: number;
  extensionMinor: number;
  currency: string;
  paymentStatus: 'paid' | 'unpaid';
  paymentProvider: string | null;
  paymentRef: string | null;
  externalRef: string | null;
  now: Date;
}

/** The triggers keep spot_days and the audit trail as for any booking; the constraints stay the proof. */
export async function insertRestoredReservation(db: Queryable, r: RestoredReservation): Promise<void> {
  await db.query(
    `insert into reservations (lot_id, reservation_id, customer_ref, plate, vehicle_type, spot_id, period, status, hold_expires_at,
                               price_minor, extension_minor, currency, payment_status, payment_provider, payment_ref, external_ref, created_at, updated_at)
     values ($1::integer, $2::uuid, $3::text, $4::text, $5::vehicle_type, $6::integer, tstzrange($7::timestamptz, $8::timestamptz, '[)'),
             $9::reservation_status, $10::timestamptz, $11::bigint, $12::bigint, $13::char(3), $14::payment_status, $15::text, $16::text, $17::text,
             $18::timestamptz, $18::timestamptz)`,
    [r.lotId, r.reservationId, r.customerRef, r.plate, r.vehicleType, r.spotId, r.start, r.end, r.status, r.holdExpiresAt,
      r.priceMinor, r.extensionMinor, r.currency, r.paymentStatus, r.paymentProvider, r.paymentRef, r.externalRef, r.now],
  );
}
