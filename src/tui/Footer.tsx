import { Text } from 'ink';
import { Fragment } from 'react';
import { toneProps } from './tone.js';
import { keyBindings } from './use-dashboard-keys.js';

export interface FooterProps {
  /** characters available; below 90 the keys are packed tighter to stay on one line */
  readonly width: number;
  readonly color: boolean;
}

/** Width from which keys get a roomier separator. */
const roomyWidth = 90;

/** One line of keys: "/ find  i in  o out ...". */
export function Footer({ width, color }: FooterProps) {
  const roomy = width >= roomyWidth;
  return (
    <Text wrap="truncate">
      {keyBindings.map((binding, index) => (
        <Fragment key={binding.key}>
          {index > 0 ? (roomy ? '  ' : ' ') : ''}
          <Text bold {...toneProps(color, 'accent')}>
            {binding.key}
          </Text>
          {roomy ? ' ' : ':'}
          {binding.short}
        </Fragment>
      ))}
    </Text>
  );
}
