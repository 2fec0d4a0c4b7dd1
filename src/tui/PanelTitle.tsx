import { Text } from 'ink';
import type { ReactNode } from 'react';

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
}

/**
 * A panel's heading line: "Holds 12 (+7 more)", or "Holds none". The count lives in the title so
 * truncated lists cost no extra line at 80x24.
 */
export function PanelTitle({ title, total, shown, detail, showCount = true }: PanelTitleProps) {
  const hidden = total - shown;
  return (
    <Text wrap="truncate">
      <Text bold>{title}</Text>
      {detail ? <Text> {detail}</Text> : null}
      {showCount ? <Text> {total === 0 ? 'none' : String(total)}</Text> : null}
      {hidden > 0 ? <Text> (+{hidden} more)</Text> : null}
    </Text>
  );
}
