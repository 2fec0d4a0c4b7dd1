import { Box, Text } from 'ink';
import { describeSelection } from './action-flows.js';
import type { Selection } from './dashboard-model.js';
import { screenMessage, wrapLines } from './format.js';
import { toneProps } from './tone.js';
import type { StatusMessage } from './use-status-message.js';

export interface MessageLineProps {
  /** an action's result or error; wins over the selection while shown */
  readonly message: StatusMessage | null;
  readonly selected: Selection | null;
  /** characters per line */
  readonly width: number;
  readonly color: boolean;
}

const prefix: Readonly<Record<StatusMessage['kind'], string>> = { busy: '… ', ok: '✓ ', bad: '✗ ' };
/** A long result or refusal takes a second line (the panels give it up) rather than lose its point. */
export const maxMessageLines = 2;

/** The lines a message takes in `width`: its text as the screen says it, wrapped. */
export function messageLines(message: StatusMessage | null, width: number): string[] {
  if (!message) return [];
  return wrapLines(`${prefix[message.kind]}${screenMessage(message.text)}`, width, maxMessageLines);
}

/** The line(s) above the footer: the last action's outcome, else what is selected. */
export function MessageLine({ message, selected, width, color }: MessageLineProps) {
  if (message) {
    const tone = message.kind === 'ok' ? 'ok' : message.kind === 'bad' ? 'bad' : 'muted';
    return (
      <Box flexDirection="column">
        {messageLines(message, width).map((line, index) => (
          <Text key={index} wrap="truncate" {...toneProps(color, tone)}>
            {line}
          </Text>
        ))}
      </Box>
    );
  }
  return (
    <Text wrap="truncate" {...toneProps(color, 'muted')}>
      {selected ? `selected ${describeSelection(selected)}  (Esc clears)` : 'nothing selected: ↑↓ or / to pick a reservation'}
    </Text>
  );
}
