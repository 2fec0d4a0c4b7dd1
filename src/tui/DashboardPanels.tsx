import { Box } from 'ink';
import type { ReactNode } from 'react';
import type { DashboardSnapshot } from './dashboard-model.js';
import type { DashboardView } from './dashboard-view.js';
import type { PanelId } from './layout.js';
import { AlertsPanel } from './AlertsPanel.js';
import { ArrivalsPanel } from './ArrivalsPanel.js';
import { EventFeed } from './EventFeed.js';
import { GatesPanel } from './GatesPanel.js';
import { HoldsPanel } from './HoldsPanel.js';
import { OccupancyBars } from './OccupancyBars.js';

export interface DashboardPanelsProps {
  readonly snapshot: DashboardSnapshot;
  readonly view: DashboardView;
  /** the current instant, ticking */
  readonly now: Date;
  readonly selectedId: string | null;
  readonly color: boolean;
}

/**
 * The panels in one or two columns, as `view.layout` placed them. Panels without times are
 * memoised: on a clock tick only holds, arrivals and the status line change.
 */
export function DashboardPanels({ snapshot, view, now, selectedId, color }: DashboardPanelsProps) {
  const { lot } = snapshot;
  const panel: Readonly<Record<PanelId, () => ReactNode>> = {
    occupancy: () => (
      <OccupancyBars lot={lot} lines={view.occupancy.rows} total={view.occupancy.total} lotTotals={view.lotTotals} color={color} />
    ),
    gates: () => <GatesPanel gates={view.gates.rows} total={view.gates.total} timeZone={lot.timeZone} color={color} />,
    holds: () => (
      <HoldsPanel holds={view.holds.rows} total={view.holds.total} now={now} selectedId={selectedId} color={color} />
    ),
    arrivals: () => (
      <ArrivalsPanel
        arrivals={view.arrivals.rows}
        total={view.arrivals.total}
        now={now}
        timeZone={lot.timeZone}
        selectedId={selectedId}
        color={color}
      />
    ),
    alerts: () => (
      <AlertsPanel alerts={view.alerts.rows} total={view.alerts.total} timeZone={lot.timeZone} selectedId={selectedId} color={color} />
    ),
    feed: () => <EventFeed feed={view.feed.rows} total={view.feed.total} timeZone={lot.timeZone} color={color} />,
  };
  return (
    <Box flexDirection="row" columnGap={2}>
      {view.layout.columns.map((column, index) => (
        <Box key={index} flexDirection="column" width={view.layout.columnWidth}>
          {column.map((placement) => (
            <Box key={placement.id} flexDirection="column">
              {panel[placement.id]()}
            </Box>
          ))}
        </Box>
      ))}
    </Box>
  );
}
