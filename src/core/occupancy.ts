// The lot as it is now: every spot free, held, reserved, occupied or out of service, by zone and by type.
import type { Queryable } from './ports.js';
import { countOccupancy, type OccupancyCountRow } from './sql/occupancy.js';

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
  const rows = await countOccupancy(db, lotId, at);
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
  return { at, totals, byZone: [...zones.values()], byType: [...types.values()] };
}
