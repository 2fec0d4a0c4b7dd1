// The floor view's geometry, pure: which zones make a floor, how a zone's spots wrap into grid lines in a
// given width, and where the arrow keys take the cursor. Tested without a terminal.
import type { OccupancyRow, SpotState } from './dashboard-model.js';

/** One glyph per state, the same as the occupancy bars, so the map reads without colour too. */
export const spotGlyph: Readonly<Record<SpotState, string>> = {
  occupied: '█',
  booked: '▓',
  held: '▒',
  out_of_service: '×',
  free: '░',
};

export const spotWords: Readonly<Record<SpotState, string>> = {
  occupied: 'occupied',
  booked: 'booked',
  held: 'held',
  out_of_service: 'out of service',
  free: 'free',
};

/** Sensor marks (issue 16): a sensor at fault, a car sensed where nobody is booked in. */
export const sensorGlyph = { fault: '!', sensedCar: '◘' } as const;

/** The glyph a cell shows: a sensor's fault or a car sensed in a spot not held by a car inside, else its state's. */
export function cellGlyph(cell: { state: SpotState; sensed?: string; sensorFault?: string }): string {
  if (cell.sensorFault) return sensorGlyph.fault;
  if (cell.sensed === 'occupied' && cell.state !== 'occupied') return sensorGlyph.sensedCar;
  return spotGlyph[cell.state];
}

/** Characters per spot on a grid line: a cursor mark (or space) and the glyph. */
export const cellWidth = 2;

/** Spots per grid line in `width`, after the row's first label and a space. */
export function spotsPerLine(width: number, labelWidth: number): number {
  return Math.max(1, Math.floor((width - labelWidth - 1) / cellWidth));
}

export type Move = 'left' | 'right' | 'up' | 'down';

/** The cursor after an arrow key: along the line, or a line up or down in the same column; never off the zone. */
export function moveCursor(cursor: number, move: Move, count: number, perLine: number): number {
  if (count <= 0) return 0;
  const next = move === 'left' ? cursor - 1 : move === 'right' ? cursor + 1 : move === 'up' ? cursor - perLine : cursor + perLine;
  if (next < 0) return move === 'up' ? cursor : 0;
  if (next >= count) return move === 'down' ? cursor : count - 1;
  return next;
}

/** Zones in floor order (lowest floor first, then code), as the floor view steps through them. */
export function floorOrder(zones: readonly OccupancyRow[]): OccupancyRow[] {
  return [...zones].sort((a, b) => (a.floor ?? 0) - (b.floor ?? 0) || a.key.localeCompare(b.key));
}

/** The zone `step` zones on (±1), or the first zone of the floor `step` floors on; stays put at either end. */
export function stepZone(zones: readonly OccupancyRow[], current: string, by: 'zone' | 'floor', step: 1 | -1): string {
  const ordered = floorOrder(zones);
  const at = Math.max(0, ordered.findIndex((zone) => zone.key === current));
  if (by === 'zone') return ordered[Math.min(ordered.length - 1, Math.max(0, at + step))]?.key ?? current;
  const floors = [...new Set(ordered.map((zone) => zone.floor ?? 0))];
  const floorAt = floors.indexOf(ordered[at]?.floor ?? 0);
  const floor = floors[Math.min(floors.length - 1, Math.max(0, floorAt + step))];
  return ordered.find((zone) => (zone.floor ?? 0) === floor)?.key ?? current;
}

/** First grid line to draw so the cursor's line is within `visibleLines`. */
export function firstVisibleLine(cursorLine: number, visibleLines: number, totalLines: number): number {
  if (totalLines <= visibleLines) return 0;
  return Math.min(Math.max(0, cursorLine - Math.floor(visibleLines / 2)), totalLines - visibleLines);
}
