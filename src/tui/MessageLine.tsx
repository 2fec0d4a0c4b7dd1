import { Text } from 'ink';
import { describeSelection } from './action-flows.js';
import type { Selection } from './dashboard-model.js';
import { toneProps } from './tone.js';
import type { StatusMessage } from './use-status-message.js';

export interface MessageLineProps {
  /** an action's result or error; wins over the selection while shown */
  readonly message: StatusMessage | null;
  readonly selected: Selection | null;
  readonly color: boolean;
}

const prefix: Readonly<Record<StatusMessage['kind'], string>> = { busy: '… ', ok: '✓ ', bad: '✗ ' };

/** The line above the footer: the last action's outcome, else what is selected. */
export function MessageLine({ message, selected, color }: MessageLineProps) {
  if (message) {
    const tone = message.kind === 'ok' ? 'ok' : message.kind === 'bad' ? 'bad' : 'muted';
    return (
      <Text wrap="truncate" {...toneProps(color, tone)}>
        {prefix[message.kind]}
        {message.text}
      </Text>
    );
  }
  return (
    <Text wrap="truncate" {...toneProps(color, 'muted')}>
      {selected ? `selected ${describeSelection(selected)}  (Esc clears)` : 'nothing selected: ↑↓ or / to pick a reservation'}
    </Text>
  );
}
