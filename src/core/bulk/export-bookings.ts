// Export: reservations as the rows `booking import` reads back: the columns of a new booking (same
// payment marks), and what import needs to recognise each booking (its id) or restore it as it was.
import type { Queryable } from '../ports.js';
import { selectExportRows, type ExportRow } from '../sql/booking-files.js';
import { liveStatuses, type ReservationRow, type ReservationStatus } from '../sql/reservations.js';
import type { BookingColumn } from './booking-rows.js';

export type ExportRecord = Record<BookingColumn, string>;

/**
 * `paid:<cash|manual>:<amountMinor>:<CUR>` for a paid reservation (money taken elsewhere is re-imported
 * as `manual`: the new database cannot verify a Stripe payment made for another reservation id).
 */
export function paymentMark(r: Pick<ReservationRow, 'payment_status' | 'payment_provider' | 'price_minor' | 'currency'>): string {
  if (r.payment_status !== 'paid') return 'unpaid';
  const provider = r.payment_provider === 'cash' ? 'cash' : 'manual';
  return `paid:${provider}:${r.price_minor}:${r.currency}`;
}

export function exportRecord(r: ExportRow): ExportRecord {
  return {
    lot: r.lot_code, vehicle_type: r.vehicle_type, start: r.starts_at.toISOString(), end: r.ends_at.toISOString(),
    plate: r.plate, customer_ref: r.customer_ref, external_ref: r.external_ref ?? '', payment: paymentMark(r),
    reservation_id: r.reservation_id, status: r.status, spot: r.spot_label, price_minor: String(r.price_minor),
    extension_minor: String(r.extension_minor), hold_expires_at: r.status === 'TENTATIVE' ? (r.hold_expires_at?.toISOString() ?? '') : '',
    entered_at: r.entered_at?.toISOString() ?? '', entry_gate: r.entry_gate ?? '',
  };
}

/** Reservations of one status, or every live one (TENTATIVE, CONFIRMED, CHECKED_IN) when none is given. */
export async function exportBookings(db: Queryable, filter: { lotId?: number | undefined; status?: ReservationStatus | undefined }): Promise<ExportRecord[]> {
  const rows = await selectExportRows(db, { lotId: filter.lotId, statuses: filter.status ? [filter.status] : liveStatuses });
  return rows.map(exportRecord);
}
