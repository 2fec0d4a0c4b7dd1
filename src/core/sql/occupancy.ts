import type { Queryable } from '../ports.js';
import type { VehicleType } from '../pricing/vehicle-types.js';

export interface OccupancyCountRow {
  zone_code: string;
  zone_name: string;
  floor: number;
  vehicle_type: VehicleType;
  total: number;
  free: number;
  /** TENTATIVE, hold still running, window holds now */
  held: number;
  /** CONFIRMED, window holds now, car not in yet */
  reserved: number;
  /** a car is inside (CHECKED_IN), overstaying ones included */
  occupied: number;
  out_of_service: number;
}

/** Each spot's state now, counted by zone and vehicle type. */
export async function countOccupancy(db: Queryable, lotId: number, now: Date): Promise<OccupancyCountRow[]> {
  const { rows } = await db.query<OccupancyCountRow & Record<string, unknown>>(
    `with live as (
       select r.spot_id, max(case r.status when 'CHECKED_IN' then 3 when 'CONFIRMED' then 2 else 1 end) as level
         from reservations r
        where r.lot_id = $1::integer
          and (r.status = 'CHECKED_IN'
               or (r.status in ('TENTATIVE', 'CONFIRMED') and r.period @> $2::timestamptz
                   and (r.status = 'CONFIRMED' or r.hold_expires_at > $2::timestamptz)))
        group by r.spot_id
     )
     select z.code as zone_code, z.name as zone_name, z.floor, s.vehicle_type,
            count(*)::integer as total,
            count(*) filter (where s.status = 'active' and live.level is null)::integer as free,
            count(*) filter (where s.status = 'active' and live.level = 1)::integer as held,
            count(*) filter (where s.status = 'active' and live.level = 2)::integer as reserved,
            count(*) filter (where live.level = 3)::integer as occupied,
            count(*) filter (where s.status = 'maintenance' and live.level is distinct from 3)::integer as out_of_service
       from spots s
       join zones z on z.lot_id = s.lot_id and z.zone_id = s.zone_id
       left join live on live.spot_id = s.spot_id
      where s.lot_id = $1::integer
      group by z.code, z.name, z.floor, s.vehicle_type
      order by z.floor, z.code, s.vehicle_type`,
    [lotId, now],
  );
  return rows;
}
