// The lot as it is now: every spot free, held, reserved, occupied or out of service, by zone and by type.
// Zones count their spots as they stand. A type's count (and the lot's) also takes off what needs a spot
// of the type elsewhere (invariant 8): a car inside with no spot of its own, a booking of now whose spot a
// car still holds. So free = spots - cars inside - live bookings now (not inside), never below 0.
import type { Queryable } from './ports.js';
import type { VehicleType } from './pricing/vehicle-types.js';
import { countOccupancy, countUnplacedCars, type OccupancyCountRow } from './sql/occupancy.js';

export interface OccupancyCounts {
  total: number;
  free: number;
  held: number;
  reserved: number;
  occupied: number;
  outOfService: number;
}

export interface OccupancyGroup extends OccupancyCounts {
  /** zone code or vehicle type */
  key: string;
  label: string;
  floor: number | null;
}

export interface LotOccupancy {
  at: Date;
  totals: OccupancyCounts;
  byZone: OccupancyGroup[];
  byType: OccupancyGroup[];
}

function add(into: OccupancyCounts, r: OccupancyCountRow): void {
  into.total += r.total;
  into.free += r.free;
  into.held += r.held;
  into.reserved += r.reserved;
  into.occupied += r.occupied;
  into.outOfService += r.out_of_service;
}

const zero = (): OccupancyCounts => ({ total: 0, free: 0, held: 0, reserved: 0, occupied: 0, outOfService: 0 });

export async function lotOccupancy(db: Queryable, lotId: number, at: Date): Promise<LotOccupancy> {
  // one after the other: in parallel, a one-shot command's fresh pool opens a second backend for a query
  // that takes a fraction of a millisecond (issue 13)
  const rows = await countOccupancy(db, lotId, at);
  const unplaced = await countUnplacedCars(db, lotId);
  const zones = new Map<string, OccupancyGroup>();
  const types = new Map<string, OccupancyGroup>();
  const totals = zero();
  for (const r of rows) {
    const zone = zones.get(r.zone_code) ?? { key: r.zone_code, label: r.zone_name, floor: r.floor, ...zero() };
    const type = types.get(r.vehicle_type) ?? { key: r.vehicle_type, label: r.vehicle_type, floor: null, ...zero() };
    add(zone, r);
    add(type, r);
    add(totals, r);
    zones.set(r.zone_code, zone);
    types.set(r.vehicle_type, type);
  }
  const excess = new Map<string, number>();
  for (const r of rows) excess.set(r.vehicle_type, (excess.get(r.vehicle_type) ?? 0) + r.excess);
  for (const [type, n] of unplaced) excess.set(type, (excess.get(type) ?? 0) + n);
  totals.free = 0;
  for (const type of types.values()) {
    const cars = unplaced.get(type.key as VehicleType) ?? 0;
    type.occupied += cars;
    totals.occupied += cars;
    type.free = Math.max(0, type.free - (excess.get(type.key) ?? 0));
    totals.free += type.free;
  }
  return { at, totals, byZone: [...zones.values()], byType: [...types.values()] };
}
