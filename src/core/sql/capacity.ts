import type { Queryable } from '../ports.js';
import type { VehicleType } from '../pricing/vehicle-types.js';

export interface CapacityRow {
  /** active spots of the type */
  total: number;
  /** active spots with no live reservation touching the window (holds past expiry count as free) */
  free: number;
}

/** Exact count from the reservations themselves, through the exclusion constraint's GiST index. */
export async function countFreeSpots(
  db: Queryable,
  q: { lotId: number; vehicleType: VehicleType; start: Date; end: Date; now: Date },
): Promise<CapacityRow> {
  const { rows } = await db.query<CapacityRow & Record<string, unknown>>(
    `select count(*)::integer as total,
            count(*) filter (where not exists (
              select 1 from reservations r
               where r.lot_id = s.lot_id and r.spot_id = s.spot_id
                 and r.period && tstzrange($3::timestamptz, $4::timestamptz, '[)')
                 and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
                 and not (r.status = 'TENTATIVE' and r.hold_expires_at <= $5::timestamptz)))::integer as free
       from spots s
      where s.lot_id = $1::integer and s.vehicle_type = $2::vehicle_type and s.status = 'active'`,
    [q.lotId, q.vehicleType, q.start, q.end, q.now],
  );
  return rows[0]!;
}
