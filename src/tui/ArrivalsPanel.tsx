import { Box, Text } from 'ink';
import type { ArrivalRow } from './dashboard-model.js';
import { formatClock, formatRelativeStart } from './format.js';
import { PanelTitle } from './PanelTitle.js';
import { SelectableLine } from './SelectableLine.js';
import { toneProps } from './tone.js';

export interface ArrivalsPanelProps {
  /** arrivals due within the next 60 minutes that fit, soonest first */
  readonly arrivals: readonly ArrivalRow[];
  readonly total: number;
  /** the current instant, ticking (Dashboard's useNow): "in 12m" is taken from it */
  readonly now: Date;
  readonly timeZone: string;
  readonly selectedId: string | null;
  readonly color: boolean;
}

/** Confirmed reservations due in the next hour: start time, "in 12m" / "late 3m", plate, spot, type. */
export function ArrivalsPanel({ arrivals, total, now, timeZone, selectedId, color }: ArrivalsPanelProps) {
  const nowMs = now.getTime();
  return (
    <Box flexDirection="column">
      <PanelTitle title="Arrivals" detail="next 60 min" total={total} shown={arrivals.length} />
      {arrivals.map((arrival) => {
        const relative = formatRelativeStart(arrival.start.getTime(), nowMs);
        return (
          <SelectableLine key={arrival.reservationId} selected={arrival.reservationId === selectedId} color={color}>
            {formatClock(arrival.start, timeZone)}{' '}
            <Text {...toneProps(color, relative.startsWith('late') ? 'warn' : 'muted')}>{relative.padEnd(8)}</Text>
            {arrival.plate} {arrival.spotLabel} <Text {...toneProps(color, 'muted')}>{arrival.vehicleType}</Text>
          </SelectableLine>
        );
      })}
    </Box>
  );
}
