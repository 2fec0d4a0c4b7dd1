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
  /** a car is inside (CHECKED_IN: a booking's car, overstaying ones included, or a walk-in's hold) */
  occupied: number;
  out_of_service: number;
  /**
   * claims on these spots beyond one each: a booking of now whose spot a car still holds (no other spot was
   * free to move it to), two cars on one spot. Each needs a spot of the type elsewhere.
   */
  excess: number;
}

/** Each spot's state now, counted by zone and vehicle type. */
export async function countOccupancy(db: Queryable, lotId: number, now: Date): Promise<OccupancyCountRow[]> {
  const { rows } = await db.query<OccupancyCountRow & Record<string, unknown>>(
    `with live as (
       select r.spot_id, max(case r.status when 'CHECKED_IN' then 3 when 'CONFIRMED' then 2 else 1 end) as level,
              count(*) - 1 as excess
         from reservations r
        where r.lot_id = $1::integer
          and (r.status = 'CHECKED_IN'
               or (r.status in ('TENTATIVE', 'CONFIRMED') and r.spot_period @> $2::timestamptz
                   and (r.status = 'CONFIRMED' or r.hold_expires_at > $2::timestamptz)))
        group by r.spot_id
     )
     select z.code as zone_code, z.name as zone_name, z.floor, s.vehicle_type,
            count(*)::integer as total,
            count(*) filter (where s.status = 'active' and live.level is null)::integer as free,
            count(*) filter (where s.status = 'active' and live.level = 1)::integer as held,
            count(*) filter (where s.status = 'active' and live.level = 2)::integer as reserved,
            count(*) filter (where live.level = 3)::integer as occupied,
            count(*) filter (where s.status = 'maintenance' and live.level is distinct from 3)::integer as out_of_service,
            coalesce(sum(live.excess), 0)::integer as excess
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

/**
 * Cars inside with no spot of their own, by vehicle type: walk-ins a gate let in (offline, or at the last
 * free spot another took first) when no spot was free. Each still takes a place in its type's count.
 */
export async function countUnplacedCars(db: Queryable, lotId: number): Promise<Map<VehicleType, number>> {
  const { rows } = await db.query<{ vehicle_type: VehicleType; n: number }>(
    `select v.vehicle_type, count(*)::integer as n from visits v
      where v.lot_id = $1::integer and v.exited_at is null
        and not exists (select 1 from reservations r
                         where r.lot_id = v.lot_id and r.status = 'CHECKED_IN'
                           and (r.reservation_id = v.reservation_id or r.walk_in_visit_id = v.visit_id))
      group by v.vehicle_type`,
    [lotId],
  );
  return new Map(rows.map((r) => [r.vehicle_type, r.n]));
}
