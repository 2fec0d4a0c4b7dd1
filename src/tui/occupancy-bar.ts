// Splitting an occupancy row into bar segments. Pure: tested without Ink.

import type { OccupancyRow } from './dashboard-model.js';

export type SegmentKind = 'occupied' | 'reserved' | 'held' | 'outOfService' | 'free';

export interface BarSegment {
  readonly kind: SegmentKind;
  /** characters */
  readonly width: number;
}

/** Drawn left to right: what is taken first, free space last. */
export const segmentOrder: readonly SegmentKind[] = ['occupied', 'reserved', 'held', 'outOfService', 'free'];

/** One glyph per kind, so the bar reads without colour too (the help legend lists them). */
export const segmentGlyph: Readonly<Record<SegmentKind, string>> = {
  occupied: '█',
  reserved: '▓',
  held: '▒',
  outOfService: '×',
  free: '░',
};

/**
 * Widths proportional to the counts, summing to exactly `width` (largest remainder), so bars of
 * different zones line up. A non-zero count always gets at least one character when width allows.
 */
export function splitBar(row: OccupancyRow, width: number): BarSegment[] {
  const counts = segmentOrder.map((kind) => ({ kind, count: Math.max(0, row[kind]) }));
  const sum = counts.reduce((total, entry) => total + entry.count, 0);
  if (sum === 0 || width <= 0) return width > 0 ? [{ kind: 'free', width }] : [];
  const exact = counts.map((entry) => ({ ...entry, exact: (entry.count / sum) * width }));
  const widths = exact.map((entry) => (entry.count > 0 ? Math.max(1, Math.floor(entry.exact)) : 0));
  let spare = width - widths.reduce((total, value) => total + value, 0);
  const byRemainder = exact.map((entry, index) => ({ index, remainder: entry.exact - Math.floor(entry.exact), count: entry.count }))
    .filter((entry) => entry.count > 0)
    .sort((a, b) => b.remainder - a.remainder);
  for (let step = 0; spare > 0 && byRemainder.length > 0; step += 1) {
    const target = byRemainder[step % byRemainder.length];
    if (target) widths[target.index] = (widths[target.index] ?? 0) + 1;
    spare -= 1;
  }
  // Minimum-one rounding can overshoot on narrow bars: take back from the widest segments.
  while (spare < 0) {
    const widest = widths.indexOf(Math.max(...widths));
    widths[widest] = (widths[widest] ?? 0) - 1;
    spare += 1;
  }
  return segmentOrder.map((kind, index) => ({ kind, width: widths[index] ?? 0 })).filter((segment) => segment.width > 0);
}

/** "free 37  held 2  resv 5  occ 40  oos 1  of 85": the numbers beside the bar. */
export function occupancyNumbers(row: OccupancyRow): string {
  return `free ${row.free}  held ${row.held}  resv ${row.reserved}  occ ${row.occupied}  oos ${row.outOfService}  of ${row.total}`;
}
