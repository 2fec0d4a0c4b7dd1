import { Text } from 'ink';
import type { ReactNode } from 'react';
import { selectedProps } from './tone.js';

export interface SelectableLineProps {
  readonly selected: boolean;
  readonly color: boolean;
  readonly children: ReactNode;
}

/** A list row the arrow keys can land on: "›" marks it (inverse too when colour is on). */
export function SelectableLine({ selected, color, children }: SelectableLineProps) {
  return (
    <Text wrap="truncate" {...selectedProps(color, selected)}>
      {selected ? '› ' : '  '}
      {children}
    </Text>
  );
}
