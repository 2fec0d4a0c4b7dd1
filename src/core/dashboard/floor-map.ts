// The floor view's read: one zone's spots, each with its state now (the same rules as the occupancy
// counts) and who holds it. One query per zone shown, re-read when the lot changes.
import type { Queryable } from '../ports.js';
import { selectZoneSpots, type ZoneSpotRow } from '../sql/floor-map.js';
import type { SpotCell, SpotState } from './types.js';

export async function readZoneSpots(db: Queryable, lotId: number, zoneCode: string, now: Date): Promise<SpotCell[]> {
  return (await selectZoneSpots(db, { lotId, zoneCode, now })).map(toCell);
}

function stateOf(r: ZoneSpotRow): SpotState {
  if (r.reservation_status === 'CHECKED_IN') return 'occupied';
  if (r.spot_status === 'maintenance') return 'out_of_service';
  if (r.reservation_status === 'CONFIRMED') return 'booked';
  if (r.reservation_status === 'TENTATIVE') return 'held';
  return 'free';
}

function toCell(r: ZoneSpotRow): SpotCell {
  const holder = r.reservation_id && r.plate && r.reservation_status && r.starts_at && r.ends_at
    ? {
        reservationId: r.reservation_id, plate: r.plate, status: r.reservation_status, start: r.starts_at, end: r.ends_at,
        ...(r.hold_expires_at && r.reservation_status === 'TENTATIVE' ? { holdExpiresAt: r.hold_expires_at } : {}),
      }
    : undefined;
  return {
    label: r.label, vehicleType: r.vehicle_type, state: stateOf(r),
    ...(holder ? { holder } : {}),
    ...(r.next_plate && r.next_starts_at ? { next: { plate: r.next_plate, start: r.next_starts_at } } : {}),
    ...(r.sensed_state ? { sensed: r.sensed_state } : {}),
    ...(r.sensor_fault ? { sensorFault: r.sensor_fault } : {}),
  };
}
