import { Box, Text } from 'ink';
import type { HoldRow } from './dashboard-model.js';
import { formatCountdown } from './format.js';
import { PanelTitle } from './PanelTitle.js';
import { SelectableLine } from './SelectableLine.js';
import { toneProps } from './tone.js';

export interface HoldsPanelProps {
  /** holds that fit, soonest expiry first */
  readonly holds: readonly HoldRow[];
  readonly total: number;
  /** the current instant, ticking (Dashboard's useNow): the countdown is taken from it */
  readonly now: Date;
  readonly selectedId: string | null;
  readonly color: boolean;
}

/** Under this much time left a hold shows as urgent, in ms. */
const urgentMs = 2 * 60_000;

/** Unpaid holds with a mm:ss countdown to expiry that moves between snapshots. */
export function HoldsPanel({ holds, total, now, selectedId, color }: HoldsPanelProps) {
  const nowMs = now.getTime();
  return (
    <Box flexDirection="column">
      <PanelTitle title="Holds" detail="awaiting payment" total={total} shown={holds.length} />
      {holds.map((hold) => {
        const remainingMs = hold.holdExpiresAt.getTime() - nowMs;
        return (
          <SelectableLine key={hold.reservationId} selected={hold.reservationId === selectedId} color={color}>
            <Text {...toneProps(color, remainingMs <= 0 ? 'bad' : remainingMs < urgentMs ? 'warn' : undefined)}>
              {formatCountdown(remainingMs).padStart(7)}
            </Text>{' '}
            {hold.plate} {hold.spotLabel}
          </SelectableLine>
        );
      })}
    </Box>
  );
}
