import { Box, Text } from 'ink';
import { memo } from 'react';
import type { AlertKind, AlertRow } from './dashboard-model.js';
import { formatClock } from './format.js';
import { PanelTitle } from './PanelTitle.js';
import { SelectableLine } from './SelectableLine.js';
import { toneProps, type Tone } from './tone.js';

export interface AlertsPanelProps {
  /** alerts that fit, newest first */
  readonly alerts: readonly AlertRow[];
  readonly total: number;
  readonly timeZone: string;
  readonly selectedId: string | null;
  readonly color: boolean;
}

/** Words, not just colours, so the kind reads with NO_COLOR. */
export const alertLabel: Readonly<Record<AlertKind, string>> = {
  overstay: 'OVERSTAY',
  no_show: 'NO-SHOW',
  gate_offline: 'GATE OFFLINE',
  payment_failed: 'PAYMENT FAILED',
  payment_due: 'PAYMENT DUE',
  refund_due: 'CASH BACK',
  manual_open: 'MANUAL OPEN',
  booking_moved: 'MOVED',
  no_spot: 'NO SPOT',
  sensor: 'SENSOR',
  ev_fault: 'CHARGER FAULT',
  ev_idle: 'EV IDLE',
  ev_silent: 'CHARGER SILENT',
};

const alertTone: Readonly<Record<AlertKind, Tone>> = {
  overstay: 'warn',
  no_show: 'muted',
  gate_offline: 'bad',
  payment_failed: 'bad',
  payment_due: 'warn',
  refund_due: 'warn',
  manual_open: 'accent',
  booking_moved: 'accent',
  no_spot: 'bad',
  sensor: 'warn',
  ev_fault: 'bad',
  ev_idle: 'warn',
  ev_silent: 'bad',
};

/** What needs an attendant: time, kind, text. Alerts about a reservation are selectable. */
export const AlertsPanel = memo(function AlertsPanel({ alerts, total, timeZone, selectedId, color }: AlertsPanelProps) {
  return (
    <Box flexDirection="column">
      <PanelTitle title="Alerts" total={total} shown={alerts.length} />
      {alerts.map((alert, index) => (
        <SelectableLine
          key={`${alert.kind}-${alert.reservationId ?? ''}-${alert.at.getTime()}-${index}`}
          selected={alert.reservationId !== undefined && alert.reservationId === selectedId}
          color={color}
        >
          {formatClock(alert.at, timeZone)} <Text {...toneProps(color, alertTone[alert.kind])}>{alertLabel[alert.kind]}</Text>{' '}
          {alert.text}
        </SelectableLine>
      ))}
    </Box>
  );
});
