// The Reports screen (R, issue 17): occupancy through today against the typical day (same weekday, last
// four weeks) as a chart and hour by hour, revenue today / week / month, average ticket and stay, the
// peak hour and no-shows today. Loaded when opened and again with `r`; Esc, R or q go back.
import asciichart from 'asciichart';
import { Box, Text } from 'ink';
import { useCallback, useEffect, useState } from 'react';
import type { ReportsSummary } from '../core/reports/summary.js';
import { formatMinorAmount } from '../core/money-format.js';
import { describeError } from './format.js';
import { useKeys } from './use-key-router.js';

export interface ReportsScreenProps {
  readonly load: () => Promise<ReportsSummary>;
  readonly width: number;
  readonly rows: number;
  readonly color: boolean;
  readonly onClose: () => void;
  /** figures already read: drawn at once (renderToString, the bench), `load` only on r */
  readonly initial?: ReportsSummary;
}

type State = { readonly kind: 'loading' } | { readonly kind: 'ready'; readonly summary: ReportsSummary } | { readonly kind: 'failed'; readonly message: string };

/** The chart's lines: today (what has happened) over the typical day, one column per local hour. */
export function occupancyChart(s: ReportsSummary, height: number, color: boolean): string[] {
  const done = s.hours.filter((h) => h.today !== null).length;
  const today = s.hours.slice(0, done).map((h) => h.today!);
  const typical = s.hours.map((h) => h.typical);
  const top = Math.max(...typical, ...today);
  const plot = asciichart.plot(done > 0 ? [typical, today] : [typical], {
    height: Math.max(2, height), format: (x: number) => x.toFixed(top < 10 ? 1 : 0).padStart(5),
    ...(color ? { colors: [asciichart.blue, asciichart.default] } : {}),
  });
  return plot.split('\n');
}

function Figures({ s }: { readonly s: ReportsSummary }) {
  const m = (v: number | null) => (v === null ? '-' : formatMinorAmount(v, s.currency));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">revenue today {m(s.revenueTodayMinor)}  this week {m(s.revenueWeekMinor)}  this month {m(s.revenueMonthMinor)}</Text>
      <Text wrap="truncate">average ticket {m(s.averageTicketMinor)}  average stay {s.averageStayMinutes === null ? '-' : `${s.averageStayMinutes} min`} (this month)</Text>
      <Text wrap="truncate">peak hour today {s.peakHour ? `${s.peakHour.hour} (${s.peakHour.occupied} of ${s.capacity} inside)` : '-'}  no-shows today {s.noShowsToday}</Text>
    </Box>
  );
}

export function ReportsScreen({ load, width, rows, color, onClose, initial }: ReportsScreenProps) {
  const [state, setState] = useState<State>(initial ? { kind: 'ready', summary: initial } : { kind: 'loading' });
  const reload = useCallback(() => {
    let live = true;
    load().then((summary) => live && setState({ kind: 'ready', summary }), (error: unknown) => live && setState({ kind: 'failed', message: describeError(error) }));
    return () => {
      live = false;
    };
  }, [load]);
  useEffect(() => (initial ? undefined : reload()), [reload, initial]);
  useKeys((input, key) => {
    if (key.escape || input === 'R' || input === 'q') onClose();
    else if (input === 'r') reload();
  });

  const title = <Text bold wrap="truncate">Reports {state.kind === 'ready' ? `${state.summary.lotCode}, today against the same weekday of the last 4 weeks` : ''}  (r reload, Esc back)</Text>;
  if (state.kind === 'loading') return <Box flexDirection="column">{title}<Text>loading reports...</Text></Box>;
  if (state.kind === 'failed') return <Box flexDirection="column">{title}<Text {...(color ? { color: 'red' } : {})}>reports failed: {state.message}</Text></Box>;
  const s = state.summary;
  const now = s.hours.filter((h) => h.today !== null).at(-1);
  const chartRows = Math.max(2, rows - 8);
  return (
    <Box flexDirection="column" width={width}>
      {title}
      <Figures s={s} />
      <Text wrap="truncate">cars inside by hour: today{color ? ' (white)' : ' (the line that stops)'} {now ? `${now.today} at ${now.hour}` : ''}, typical day{color ? ' (blue)' : ''}</Text>
      {occupancyChart(s, chartRows, color).map((line, i) => <Text key={i} wrap="truncate">{line}</Text>)}
      <Text wrap="truncate">{'       '}{s.hours.map((h, i) => (i % 3 === 0 ? h.hour.slice(0, 2).padEnd(3) : '')).join('')}</Text>
    </Box>
  );
}
