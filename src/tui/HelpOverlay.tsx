import { Box, Text } from 'ink';
import { segmentGlyph } from './occupancy-bar.js';
import { toneProps } from './tone.js';
import { keyBindings } from './use-dashboard-keys.js';
import { useKeys } from './use-key-router.js';

export interface HelpOverlayProps {
  readonly color: boolean;
  /** Esc, ? or q */
  readonly onClose: () => void;
}

/** `?`: every key with what it does, and the bar legend. Takes the panels' place until closed. */
export function HelpOverlay({ color, onClose }: HelpOverlayProps) {
  useKeys((input, key) => {
    if (key.escape || input === '?' || input === 'q') onClose();
  });
  return (
    <Box flexDirection="column">
      <Text bold>Help (Esc, ? or q closes)</Text>
      {keyBindings.map((binding) => (
        <Text key={binding.key} wrap="truncate">
          <Text bold {...toneProps(color, 'accent')}>
            {binding.key.padEnd(4)}
          </Text>
          {binding.long}
        </Text>
      ))}
      <Text wrap="truncate">
        <Text bold {...toneProps(color, 'accent')}>
          {'Esc'.padEnd(4)}
        </Text>
        close a prompt or the search, else clear the selection
      </Text>
      <Text wrap="truncate">
        Bars: {segmentGlyph.occupied} occupied {segmentGlyph.reserved} reserved {segmentGlyph.held} held{' '}
        {segmentGlyph.outOfService} out of service {segmentGlyph.free} free
      </Text>
      <Text wrap="truncate">Numbers: free, held, resv(erved), occ(upied), oos (out of service), of total; 37/85: free of 85</Text>
    </Box>
  );
}
