// Guidance at the entry lane (issue 16, seed 001 5.5): what the lane display shows once a car is let in.
// A booked car gets the way to its spot from the lot file's floors, zones and optional route text per zone
// ("Level 3 > zone B > L3-B-042"); a walk-in the nearest floor with a free spot of its type ("Level 1: 23 free").
// Pure: the allow list carries the spot's floor, zone and route, and the free counts per floor.

export interface SpotWay {
  label: string;
  floor: number;
  /** the zone's name from the lot file ("Level 3, zone B") */
  zoneName: string;
  /** the zone's route text, when the lot file gives one ("ramp B, then left") */
  route?: string | null;
}

export interface FloorFree {
  floor: number;
  vehicleType: string;
  free: number;
}

/** The zone's part of the way: its route text, else its name without the level it repeats ("Level 3, zone B" -> "zone B"). */
function zonePart(w: SpotWay): string {
  if (w.route) return w.route;
  const short = w.zoneName.replace(/^\s*(level|floor)\s*-?\d+\s*[,:;-]\s*/i, '').trim();
  return short || w.zoneName;
}

/** The smallest lane display is 32 characters wide (src/drivers/serial/lane-protocol.ts): the way fits it. */
export const wayWidth = 32;

/**
 * "Level 3 > zone B > L3-B-042". Longer than `width`: "L3 > zone B > L3-B-042", then the zone's part shortened;
 * the spot label is never cut (it is what the driver looks for).
 */
export function wayToSpot(w: SpotWay, width = wayWidth): string {
  const zone = zonePart(w);
  const full = `Level ${w.floor} > ${zone} > ${w.label}`;
  if (full.length <= width) return full;
  const short = `L${w.floor} > ${zone} > ${w.label}`;
  if (short.length <= width) return short;
  const room = width - `L${w.floor} >  > ${w.label}`.length;
  if (room >= 4) return `L${w.floor} > ${zone.slice(0, room - 1).trimEnd()}. > ${w.label}`;
  const bare = `L${w.floor} > ${w.label}`;
  return bare.length <= width ? bare : w.label;
}

/**
 * The floor nearest the entry (`entryFloor`, default 0) with a free spot of `vehicleType`; the lower one on a tie.
 * Null when no floor has one (or the counts are not known).
 */
export function nearestFreeFloor(counts: readonly FloorFree[] | undefined, vehicleType: string, entryFloor = 0): { floor: number; free: number } | null {
  const byFloor = new Map<number, number>();
  for (const c of counts ?? []) if (c.vehicleType === vehicleType && c.free > 0) byFloor.set(c.floor, (byFloor.get(c.floor) ?? 0) + c.free);
  let best: { floor: number; free: number } | null = null;
  for (const [floor, free] of byFloor) {
    const d = Math.abs(floor - entryFloor);
    if (!best || d < Math.abs(best.floor - entryFloor) || (d === Math.abs(best.floor - entryFloor) && floor < best.floor)) best = { floor, free };
  }
  return best;
}

/** "Level 1: 23 free", or null. */
export function walkInWay(counts: readonly FloorFree[] | undefined, vehicleType: string, entryFloor = 0): string | null {
  const f = nearestFreeFloor(counts, vehicleType, entryFloor);
  return f ? `Level ${f.floor}: ${f.free} free` : null;
}
