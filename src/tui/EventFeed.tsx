import { Box, Text } from 'ink';
import { memo } from 'react';
import type { FeedRow } from './dashboard-model.js';
import { formatClock } from './format.js';
import { PanelTitle } from './PanelTitle.js';
import { toneProps } from './tone.js';

export interface EventFeedProps {
  /** newest first, cut to what fits */
  readonly feed: readonly FeedRow[];
  readonly total: number;
  readonly timeZone: string;
  readonly color: boolean;
}

/**
 * The live audit feed, newest on top. Not Ink's <Static>: that prints above the screen and
 * scrolls the terminal, while this dashboard keeps a fixed height.
 */
export const EventFeed = memo(function EventFeed({ feed, total, timeZone, color }: EventFeedProps) {
  return (
    <Box flexDirection="column">
      <PanelTitle title="Events" detail="newest first" total={total} shown={feed.length} showCount={false} showMore={false} />
      {feed.map((event) => (
        <Text key={event.id} wrap="truncate">
          <Text {...toneProps(color, 'muted')}>{formatClock(event.at, timeZone, true)}</Text>{' '}
          <Text {...toneProps(color, 'accent')}>{event.kind}</Text> {event.text}
        </Text>
      ))}
    </Box>
  );
});
