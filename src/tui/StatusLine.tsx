import { Text } from 'ink';
import type { Connection, LotSummary } from './dashboard-model.js';
import { formatClock } from './format.js';
import { toneProps, type Tone } from './tone.js';

export interface StatusLineProps {
  /** null before the first snapshot */
  readonly lot: LotSummary | null;
  /** the current instant, ticking (Dashboard's useNow); null before the first snapshot */
  readonly now: Date | null;
  readonly connection: Connection;
  readonly color: boolean;
}

const connectionText: Readonly<Record<Connection, { text: string; tone: Tone }>> = {
  live: { text: '● live', tone: 'ok' },
  reconnecting: { text: 'reconnecting... (data may be stale)', tone: 'warn' },
  connecting: { text: 'connecting...', tone: 'muted' },
};

/** Top line: lot, clock in the lot's zone, and whether the data is live. */
export function StatusLine({ lot, now, connection, color }: StatusLineProps) {
  const state = connectionText[connection];
  return (
    <Text wrap="truncate">
      <Text bold>parkctl</Text>
      {lot ? ` ${lot.code} ${lot.name}` : ''}
      {lot && now ? ` ${formatClock(now, lot.timeZone, true)}` : ''}{' '}
      <Text bold={connection !== 'live'} {...toneProps(color, state.tone)}>
        {state.text}
      </Text>
    </Text>
  );
}
