import { Text } from 'ink';
import { typedText } from './key-burst.js';
import { useKeys } from './use-key-router.js';

export interface LineInputProps {
  readonly value: string;
  readonly onChange: (value: string) => void;
  /** Enter, with the value as typed */
  readonly onSubmit: (value: string) => void;
  readonly color: boolean;
}

/**
 * A one-line text field: type, Backspace, Enter. Used instead of ink-text-input because that one
 * subscribes through its own useInput, so on a busy machine Enter could submit the value from
 * before the last keys (seen in our tests); this one listens through the key router (see
 * use-key-router.ts). Plates, labels and reasons need no cursor movement. A scanner's plate and Enter in one
 * burst submit the plate (key-burst.ts).
 */
export function LineInput({ value, onChange, onSubmit, color }: LineInputProps) {
  useKeys((input, key) => {
    if (key.return) return onSubmit(value);
    if (key.backspace || key.delete) return onChange(value.slice(0, -1));
    if (key.ctrl || key.meta || key.escape || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
    // a burst's line ends arrive as Enter keys (key-burst.ts); other control characters are not text
    const text = typedText(input);
    if (text !== '') onChange(value + text);
  });
  return (
    <Text>
      {value}
      {color ? <Text inverse> </Text> : '_'}
    </Text>
  );
}
