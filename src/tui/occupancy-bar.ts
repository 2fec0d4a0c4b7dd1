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

export type NumbersTier = 'full' | 'short' | 'least';

/**
 * The numbers beside a bar, as many as the width allows: full "free 37  held 2  resv 5  occ 40  oos 1  of 85",
 * short "free 37 of 85  occ 40", least "37/85" (free of spots; the title says so).
 */
export function occupancyNumbers(row: OccupancyRow, tier: NumbersTier = 'full'): string {
  if (tier === 'least') return `${row.free}/${row.total}`;
  if (tier === 'short') return `free ${row.free} of ${row.total}  occ ${row.occupied}`;
  return `free ${row.free}  held ${row.held}  resv ${row.reserved}  occ ${row.occupied}  oos ${row.outOfService}  of ${row.total}`;
}

/** How one group of rows (zones, or vehicle types) is drawn in a given width. */
export interface OccupancyPlan {
  /** rows side by side on one line: 1, or more when a lot has many zones */
  readonly perLine: number;
  readonly tier: NumbersTier;
  readonly labelWidth: number;
  readonly numbersWidth: number;
  /** 0: no bar (too narrow to say anything) */
  readonly barWidth: number;
}

/** A line of the occupancy panel: one row, or several side by side. */
export interface OccupancyLine {
  readonly plan: OccupancyPlan;
  readonly cells: readonly OccupancyRow[];
}

/** Longest label kept (zone codes and type names are shorter). */
const maxLabelWidth = 12;
/** A bar beside one row per line is drawn from this width; narrower, fewer numbers are shown first. */
const roomyBar = 10;
/** Bars narrower than this say nothing; they are left out. */
export const minBarWidth = 4;
/** From this many rows in a group, rows are packed side by side when at least two fit with a bar. */
const packFrom = 7;
/** Bar width of a packed cell at least. */
const packedBar = 6;
/** Characters between packed cells. */
export const cellGap = 2;

/**
 * On purpose for each width: one row per line with the most numbers that leave a readable bar; a lot with
 * many zones (a 15-zone garage) packs them side by side with "free/spots", so they fit 80x24 and a
 * 120-column half without cutting a total.
 */
export function planOccupancy(rows: readonly OccupancyRow[], width: number): OccupancyPlan {
  const labelWidth = Math.min(maxLabelWidth, Math.max(0, ...rows.map((row) => row.label.length)));
  const numbersWidth = (tier: NumbersTier) => Math.max(0, ...rows.map((row) => occupancyNumbers(row, tier).length));
  const least = numbersWidth('least');
  const packedCell = labelWidth + 1 + packedBar + 1 + least;
  const fit = Math.floor((width + cellGap) / (packedCell + cellGap));
  if (rows.length >= packFrom && fit >= 2) {
    const perLine = Math.min(fit, rows.length);
    const cell = Math.floor((width + cellGap) / perLine) - cellGap;
    return { perLine, tier: 'least', labelWidth, numbersWidth: least, barWidth: cell - labelWidth - least - 2 };
  }
  for (const tier of ['full', 'short'] as const) {
    const bar = width - labelWidth - numbersWidth(tier) - 2;
    if (bar >= roomyBar) return { perLine: 1, tier, labelWidth, numbersWidth: numbersWidth(tier), barWidth: bar };
  }
  const bar = width - labelWidth - least - 2;
  return { perLine: 1, tier: 'least', labelWidth, numbersWidth: least, barWidth: bar >= minBarWidth ? bar : 0 };
}

/** Zones, then vehicle types on lines of their own, each group planned for `width`. */
export function occupancyLines(zones: readonly OccupancyRow[], types: readonly OccupancyRow[], width: number): OccupancyLine[] {
  const lines: OccupancyLine[] = [];
  for (const group of [zones, types]) {
    if (group.length === 0) continue;
    const plan = planOccupancy(group, width);
    for (let index = 0; index < group.length; index += plan.perLine) lines.push({ plan, cells: group.slice(index, index + plan.perLine) });
  }
  return lines;
}
