// `lot show` beside what is booked: what the spot sensors sense (issue 16), as a line and two columns per zone.
import type { OccupancyGroup } from '../core/occupancy.js';
import type { SensedCounts } from '../core/sql/sensors.js';
export { sensedSummary } from '../core/sql/sensors.js';
import type { Column } from './output.js';

/** The zone table with "sensed occupied" and "sensed unknown" columns when the lot has sensors. */
export function withSensedColumns(columns: Column<OccupancyGroup>[], zones: readonly (SensedCounts & { zone_code: string })[]): Column<OccupancyGroup>[] {
  if (zones.length === 0) return columns;
  const byZone = new Map(zones.map((z) => [z.zone_code, z]));
  const cell = (g: OccupancyGroup, k: 'occupied' | 'unknown') => {
    const z = byZone.get(g.key);
    return z ? `${z[k]}/${z.sensed}` : '-';
  };
  return [...columns, { header: 'sensed occupied', value: (g) => cell(g, 'occupied'), align: 'right' }, { header: 'sensed unknown', value: (g) => cell(g, 'unknown'), align: 'right' }];
}
