// A customer's bookings (the API's `GET /v1/reservations?customer=`), newest window first, paged by a cursor.
import type { Queryable } from '../ports.js';
import { reservationSelect, type ReservationRow } from './reservations.js';

export async function selectCustomerReservations(
  db: Queryable,
  q: { customerRef: string; lotCodes: string[]; limit: number; /** the last row of the previous page */ after: { createdAt: Date; reservationId: string } | null },
): Promise<ReservationRow[]> {
  const { rows } = await db.query<ReservationRow & Record<string, unknown>>(
    `${reservationSelect}
      where r.customer_ref = $1::text
        and (cardinality($2::text[]) = 0 or l.code = any($2::text[]))
        and ($3::timestamptz is null or (r.created_at, r.reservation_id) < ($3::timestamptz, $5::uuid))
      order by r.created_at desc, r.reservation_id desc
      limit $4::integer`,
    [q.customerRef, q.lotCodes, q.after?.createdAt ?? null, q.limit, q.after?.reservationId ?? null],
  );
  return rows;
}
