import { Box, Text } from 'ink';
import { memo } from 'react';
import type { BarrierState, GateRow } from './dashboard-model.js';
import { formatClock } from './format.js';
import { PanelTitle } from './PanelTitle.js';
import { toneProps, type Tone } from './tone.js';

export interface GatesPanelProps {
  /** gates that fit */
  readonly gates: readonly GateRow[];
  readonly total: number;
  readonly timeZone: string;
  readonly color: boolean;
}

const barrierTone: Readonly<Record<BarrierState, Tone | undefined>> = {
  open: 'warn',
  closed: undefined,
  fault: 'bad',
  unknown: 'muted',
};

/** One line per gate: online or OFFLINE, barrier state, last event, manual opens today. */
export const GatesPanel = memo(function GatesPanel({ gates, total, timeZone, color }: GatesPanelProps) {
  return (
    <Box flexDirection="column">
      <PanelTitle title="Gates" total={total} shown={gates.length} />
      {gates.map((gate) => (
        <Text key={gate.gateId} wrap="truncate">
          {gate.gateId}{' '}
          <Text {...toneProps(color, gate.online ? 'ok' : 'bad')}>{gate.online ? 'online' : 'OFFLINE'}</Text>{' '}
          <Text {...toneProps(color, barrierTone[gate.barrier])}>
            {gate.barrier === 'fault' ? 'FAULT' : gate.barrier}
          </Text>
          {gate.manualOpensToday > 0 ? (
            <Text {...toneProps(color, 'warn')}> manual {gate.manualOpensToday}</Text>
          ) : null}
          <Text {...toneProps(color, 'muted')}>
            {' '}
            {gate.lastEventAt ? `${formatClock(gate.lastEventAt, timeZone)} ${gate.lastEvent ?? ''}` : 'no events yet'}
          </Text>
        </Text>
      ))}
    </Box>
  );
});
