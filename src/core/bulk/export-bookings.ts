// Export: reservations as the rows `booking import` reads back (same columns, same payment marks).
import type { Queryable } from '../ports.js';
import { liveStatuses, selectReservations, type ReservationRow, type ReservationStatus } from '../sql/reservations.js';
import type { BookingColumn } from './booking-rows.js';

export type ExportRecord = Record<BookingColumn, string>;

/** The most rows one export reads (a lot's whole future fits many times over). */
const exportLimit = 10_000_000;

/**
 * `paid:<cash|manual>:<amountMinor>:<CUR>` for a paid reservation (money taken elsewhere is re-imported
 * as `manual`: the new database cannot verify a Stripe payment made for another reservation id).
 */
export function paymentMark(r: Pick<ReservationRow, 'payment_status' | 'payment_provider' | 'price_minor' | 'currency'>): string {
  if (r.payment_status !== 'paid') return 'unpaid';
  const provider = r.payment_provider === 'cash' ? 'cash' : 'manual';
  return `paid:${provider}:${r.price_minor}:${r.currency}`;
}

export function exportRecord(r: ReservationRow): ExportRecord {
  return {
    lot: r.lot_code, vehicle_type: r.vehicle_type, start: r.starts_at.toISOString(), end: r.ends_at.toISOString(),
    plate: r.plate, customer_ref: r.customer_ref, external_ref: r.external_ref ?? '', payment: paymentMark(r),
  };
}

/** Reservations of one status, or every live one (TENTATIVE, CONFIRMED, CHECKED_IN) when none is given. */
export async function exportBookings(db: Queryable, filter: { lotId?: number; status?: ReservationStatus }): Promise<ExportRecord[]> {
  const statuses = filter.status ? [filter.status] : liveStatuses;
  const rows: ReservationRow[] = [];
  for (const status of statuses) rows.push(...(await selectReservations(db, { lotId: filter.lotId, status, limit: exportLimit })));
  rows.sort((a, b) => a.starts_at.getTime() - b.starts_at.getTime() || a.lot_code.localeCompare(b.lot_code) || a.plate.localeCompare(b.plate));
  return rows.map(exportRecord);
}
