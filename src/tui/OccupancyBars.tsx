import { Box, Text } from 'ink';
import { memo } from 'react';
import type { LotState, LotSummary, OccupancyRow } from './dashboard-model.js';
import { truncate } from './format.js';
import { occupancyNumbers, segmentGlyph, splitBar, type SegmentKind } from './occupancy-bar.js';
import { PanelTitle } from './PanelTitle.js';
import { toneProps, type Tone } from './tone.js';

export interface OccupancyBarsProps {
  readonly lot: LotSummary;
  /** zone rows then vehicle-type rows, already cut to what fits */
  readonly rows: readonly OccupancyRow[];
  /** zones + types in all */
  readonly total: number;
  /** the whole lot, for the title's "free N of M" */
  readonly lotTotals: { readonly free: number; readonly total: number };
  /** column width in characters */
  readonly width: number;
  readonly color: boolean;
}

const stateTone: Readonly<Record<LotState, Tone>> = { open: 'ok', full: 'warn', closed: 'bad', closed_to_all: 'bad' };
const segmentTone: Readonly<Record<SegmentKind, Tone>> = {
  occupied: 'bad',
  reserved: 'warn',
  held: 'accent',
  outOfService: 'muted',
  free: 'ok',
};
/** Longest label kept; the bar and numbers matter more. */
const maxLabelWidth = 12;
/** Bars narrower than this say nothing; they are left out. */
const minBarWidth = 4;

/** Lot state badge and one bar per zone and vehicle type, with the numbers beside each bar. */
export const OccupancyBars = memo(function OccupancyBars({ lot, rows, total, lotTotals, width, color }: OccupancyBarsProps) {
  const labelWidth = Math.min(maxLabelWidth, Math.max(0, ...rows.map((row) => row.label.length)));
  const numbersWidth = Math.max(0, ...rows.map((row) => occupancyNumbers(row).length));
  const barWidth = width - labelWidth - numbersWidth - 2;
  return (
    <Box flexDirection="column">
      <PanelTitle
        title="Occupancy"
        total={total}
        shown={rows.length}
        showCount={false}
        detail={
          <Text>
            <Text {...toneProps(color, stateTone[lot.state])}>[{lot.state.toUpperCase()}]</Text> free {lotTotals.free} of {lotTotals.total}
          </Text>
        }
      />
      {rows.map((row) => (
        <Text key={row.key} wrap="truncate">
          {truncate(row.label, labelWidth).padEnd(labelWidth)}{' '}
          {barWidth >= minBarWidth
            ? splitBar(row, barWidth).map((segment) => (
                <Text key={segment.kind} {...toneProps(color, segmentTone[segment.kind])}>
                  {segmentGlyph[segment.kind].repeat(segment.width)}
                </Text>
              ))
            : null}
          {barWidth >= minBarWidth ? ' ' : ''}
          {occupancyNumbers(row)}
        </Text>
      ))}
    </Box>
  );
});
