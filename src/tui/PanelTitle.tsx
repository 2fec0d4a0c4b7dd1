import { Text } from 'ink';
import type { ReactNode } from 'react';
import { formatCount } from './format.js';

export interface PanelTitleProps {
  readonly title: string;
  /** rows in all */
  readonly total: number;
  /** rows on screen; fewer than total adds "(+N more)" */
  readonly shown: number;
  /** extra words after the count: "next 60 min" */
  readonly detail?: ReactNode;
  /** false leaves out the count (occupancy: the detail already says it); "+N more" stays */
  readonly showCount?: boolean;
  /** false leaves out "+N more" too (the event feed: the newest that fit, of an endless log) */
  readonly showMore?: boolean;
}

/**
 * A panel's heading line: "Holds 12 (+7 more)", or "Holds none". The count lives in the title so
 * truncated lists cost no extra line at 80x24.
 */
export function PanelTitle({ title, total, shown, detail, showCount = true, showMore = true }: PanelTitleProps) {
  const hidden = showMore ? total - shown : 0;
  return (
    <Text wrap="truncate">
      <Text bold>{title}</Text>
      {detail ? <Text> {detail}</Text> : null}
      {showCount ? <Text> {total === 0 ? 'none' : formatCount(total)}</Text> : null}
      {hidden > 0 ? <Text> (+{formatCount(hidden)} more)</Text> : null}
    </Text>
  );
}
