// The spots of one zone, each with what holds it now and its next booking: the dashboard's floor view.
// A spot's state follows the occupancy counts (src/core/sql/occupancy.ts): a car inside wins, then
// maintenance, then a confirmed booking of now, then a running hold.
import type { Queryable } from '../ports.js';

export interface ZoneSpotRow {
  label: string;
  vehicle_type: string;
  /** spots.status: active | maintenance */
  spot_status: string;
  /** the reservation holding the spot now (CHECKED_IN, else CONFIRMED or TENTATIVE covering now) */
  reservation_id: string | null;
  reservation_status: string | null;
  plate: string | null;
  starts_at: Date | null;
  ends_at: Date | null;
  hold_expires_at: Date | null;
  /** the next booking starting after now, live */
  next_plate: string | null;
  next_starts_at: Date | null;
  /** spot_sensed.state where a sensor is bound, else null (issue 16) */
  sensed_state: 'free' | 'occupied' | 'unknown' | null;
  sensor_fault: string | null;
}

/**
 * One zone's spots in label order. Both lateral reads name every live status, so they match the spot
 * exclusion constraint's partial GiST index (spot_id =, lot_id =): without that, one zone of 160 spots in a
 * lot of 3,300 live bookings took 437 ms (a scan per spot); with it, 17 ms (median of 21, 2-core box).
 */
export async function selectZoneSpots(db: Queryable, q: { lotId: number; zoneCode: string; now: Date }): Promise<ZoneSpotRow[]> {
  const { rows } = await db.query<ZoneSpotRow & Record<string, unknown>>(
    `select s.label, s.vehicle_type::text as vehicle_type, s.status::text as spot_status,
            cur.reservation_id::text as reservation_id, cur.status::text as reservation_status, cur.plate,
            lower(cur.period) as starts_at, upper(cur.period) as ends_at, cur.hold_expires_at,
            nxt.plate as next_plate, lower(nxt.period) as next_starts_at,
            case when b.sensor_id is null then null else coalesce(x.state, 'unknown') end as sensed_state, x.fault as sensor_fault
       from spots s
       left join sensors b on b.lot_id = s.lot_id and b.spot_id = s.spot_id
       left join spot_sensed x on x.lot_id = s.lot_id and x.spot_id = s.spot_id
       join zones z on z.lot_id = s.lot_id and z.zone_id = s.zone_id
       left join lateral (
         select r.reservation_id, r.status, r.plate, r.period, r.hold_expires_at from reservations r
          where r.lot_id = s.lot_id and r.spot_id = s.spot_id and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
            and (r.status = 'CHECKED_IN'
                 or (r.status in ('TENTATIVE', 'CONFIRMED') and r.spot_period @> $3::timestamptz
                     and (r.status = 'CONFIRMED' or r.hold_expires_at > $3::timestamptz)))
          order by case r.status when 'CHECKED_IN' then 3 when 'CONFIRMED' then 2 else 1 end desc, lower(r.period)
          limit 1) cur on true
       left join lateral (
         select r.plate, r.period from reservations r
          where r.lot_id = s.lot_id and r.spot_id = s.spot_id and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
            and r.status <> 'CHECKED_IN' and lower(r.spot_period) > $3::timestamptz and (r.status = 'CONFIRMED' or r.hold_expires_at > $3::timestamptz)
          order by lower(r.spot_period) limit 1) nxt on true
      where s.lot_id = $1::integer and z.code = $2::text
      order by s.label`,
    [q.lotId, q.zoneCode, q.now],
  );
  return rows;
}
