// Lots with their free counts now, nearest first when the driver says where they are.
import type { Clock, Queryable } from '../ports.js';
import { lotOccupancy } from '../occupancy.js';
import { selectLotLocations } from '../sql/lot-locations.js';
import { selectLots } from '../sql/lots.js';
import type { LotLocation } from './lot-file.js';

export interface LotSummary {
  code: string;
  name: string;
  state: string;
  timeZone: string;
  currency: string;
  location: LotLocation | null;
  /** great-circle distance from `near`, metres; null without `near` or without a location */
  distanceMeters: number | null;
  total: number;
  free: number;
}

/** Haversine distance in metres. */
export function distanceMeters(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return Math.round(2 * 6_371_000 * Math.asin(Math.sqrt(h)));
}

/** Every lot (or those in `codes`), free counts now; with `near`, nearest first and lots without a location last. */
export async function listLotSummaries(deps: { db: Queryable; clock: Clock }, opts: { near?: { latitude: number; longitude: number }; codes?: string[] } = {}): Promise<LotSummary[]> {
  const [lots, locations] = await Promise.all([selectLots(deps.db), selectLotLocations(deps.db)]);
  const now = deps.clock.now();
  const wanted = opts.codes && opts.codes.length > 0 ? lots.filter((l) => opts.codes!.includes(l.code)) : lots;
  const rows = await Promise.all(wanted.map(async (l): Promise<LotSummary> => {
    const { totals } = await lotOccupancy(deps.db, l.lot_id, now);
    const location = locations.get(l.lot_id) ?? null;
    return {
      code: l.code, name: l.name, state: l.state, timeZone: l.time_zone, currency: l.currency, location,
      distanceMeters: opts.near && location ? distanceMeters(opts.near, location) : null, total: totals.total, free: totals.free,
    };
  }));
  if (opts.near) rows.sort((a, b) => (a.distanceMeters ?? Infinity) - (b.distanceMeters ?? Infinity) || a.code.localeCompare(b.code));
  return rows;
}
