import { Box, Text } from 'ink';
import { Fragment, memo } from 'react';
import type { LotState, LotSummary, OccupancyRow } from './dashboard-model.js';
import { formatCount, truncate } from './format.js';
import { cellGap, occupancyNumbers, segmentGlyph, splitBar, type OccupancyLine, type OccupancyPlan, type SegmentKind } from './occupancy-bar.js';
import { PanelTitle } from './PanelTitle.js';
import { toneProps, type Tone } from './tone.js';

export interface OccupancyBarsProps {
  readonly lot: LotSummary;
  /** lines of zones, then of vehicle types, already cut to what fits (occupancy-bar.ts plans them) */
  readonly lines: readonly OccupancyLine[];
  /** zones + types in all */
  readonly total: number;
  /** the whole lot, for the title's "free N of M" */
  readonly lotTotals: { readonly free: number; readonly total: number };
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

/** Lot state badge and a bar per zone (by its code) and vehicle type, with the numbers beside each bar. */
export const OccupancyBars = memo(function OccupancyBars({ lot, lines, total, lotTotals, color }: OccupancyBarsProps) {
  const shown = lines.reduce((sum, line) => sum + line.cells.length, 0);
  return (
    <Box flexDirection="column">
      <PanelTitle
        title="Occupancy"
        total={total}
        shown={shown}
        showCount={false}
        detail={
          <Text>
            <Text {...toneProps(color, stateTone[lot.state])}>[{lot.state.toUpperCase()}]</Text> free {formatCount(lotTotals.free)} of{' '}
            {formatCount(lotTotals.total)}
          </Text>
        }
      />
      {lines.map((line) => (
        <Text key={line.cells.map((row) => row.key).join(' ')} wrap="truncate">
          {line.cells.map((row, index) => (
            <Fragment key={row.key}>
              {index > 0 ? ' '.repeat(cellGap) : ''}
              <OccupancyCell row={row} plan={line.plan} color={color} />
            </Fragment>
          ))}
        </Text>
      ))}
    </Box>
  );
});

function OccupancyCell({ row, plan, color }: { row: OccupancyRow; plan: OccupancyPlan; color: boolean }) {
  const numbers = occupancyNumbers(row, plan.tier);
  return (
    <>
      {truncate(row.label, plan.labelWidth).padEnd(plan.labelWidth)}{' '}
      {plan.barWidth > 0
        ? splitBar(row, plan.barWidth).map((segment) => (
            <Text key={segment.kind} {...toneProps(color, segmentTone[segment.kind])}>
              {segmentGlyph[segment.kind].repeat(segment.width)}
            </Text>
          ))
        : null}
      {plan.barWidth > 0 ? ' ' : ''}
      {plan.tier === 'least' ? numbers.padStart(plan.numbersWidth) : numbers}
    </>
  );
}
