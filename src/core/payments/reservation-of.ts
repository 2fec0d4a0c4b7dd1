// Reading a reservation from the payment flows (kept apart from lifecycle.ts, which calls into them).
import { NotFoundError } from '../errors.js';
import type { Queryable } from '../ports.js';
import { selectReservation, type ReservationRow } from '../sql/reservations.js';

export async function reservationOf(db: Queryable, reservationId: string): Promise<ReservationRow> {
  const row = await selectReservation(db, reservationId);
  if (!row) throw new NotFoundError(`no reservation ${reservationId}`, { hint: 'list them with: parkctl booking list', code: 'unknown_reservation' });
  return row;
}
