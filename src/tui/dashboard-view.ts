// From a snapshot and a terminal size to what is on screen: the layout, the rows each panel
// shows, and the rows the arrow keys move through. Pure; the Dashboard memoises it per snapshot.

import type { AlertRow, ArrivalRow, DashboardSnapshot, FeedRow, GateRow, HoldRow, Selection } from './dashboard-model.js';
import { columnWidthFor, planLayout, type DashboardLayout, type PanelId } from './layout.js';
import { occupancyLines, type OccupancyLine } from './occupancy-bar.js';
import type { TerminalSize } from './use-terminal-size.js';

/** The arrivals panel looks this far ahead, in ms. */
export const arrivalsWindowMs = 60 * 60_000;

/** A list as shown: the rows that fit, and how many there are in all (for "+N more"). */
export interface ShownList<Row> {
  readonly rows: readonly Row[];
  /** rows in all: the snapshot's count when it has one (its lists stop at a read limit), else the list's length */
  readonly total: number;
  /** false when the panel did not fit on screen at all */
  readonly visible: boolean;
}

export interface DashboardView {
  readonly layout: DashboardLayout;
  /** the whole lot (sum of the zones), for the occupancy title */
  readonly lotTotals: { readonly free: number; readonly total: number };
  /** lines of zones and types that fit (several rows to a line in a lot with many zones); total counts rows */
  readonly occupancy: ShownList<OccupancyLine>;
  readonly gates: ShownList<GateRow>;
  readonly arrivals: ShownList<ArrivalRow>;
  readonly holds: ShownList<HoldRow>;
  readonly alerts: ShownList<AlertRow>;
  readonly feed: ShownList<FeedRow>;
  /** rows the arrow keys move through, top to bottom: holds, arrivals, alerts about a reservation */
  readonly selectable: readonly Selection[];
}

export function buildView(snapshot: DashboardSnapshot, size: TerminalSize): DashboardView {
  const horizonMs = snapshot.now.getTime() + arrivalsWindowMs;
  const upcoming = snapshot.arrivals.filter((arrival) => arrival.start.getTime() <= horizonMs);
  const occupancy = occupancyLines(snapshot.byZone, snapshot.byType, columnWidthFor(size.columns));
  const layout = planLayout(size.columns, size.rows, {
    occupancy: occupancy.length,
    gates: snapshot.gates.length,
    arrivals: upcoming.length,
    holds: snapshot.holds.length,
    alerts: snapshot.alerts.length,
    feed: snapshot.feed.length,
  });
  const rowsById = new Map<PanelId, number>(layout.columns.flat().map((placement) => [placement.id, placement.rows]));
  const show = <Row>(id: PanelId, all: readonly Row[], total?: number): ShownList<Row> => {
    const rows = rowsById.get(id);
    return { rows: all.slice(0, rows ?? 0), total: Math.max(all.length, total ?? 0), visible: rows !== undefined };
  };
  const { counts } = snapshot;
  const holds = show('holds', snapshot.holds, counts?.holds);
  const arrivals = show('arrivals', upcoming, counts?.arrivals);
  const alerts = show('alerts', snapshot.alerts, counts?.alerts);
  const candidates: Selection[] = [
    ...holds.rows.map(({ reservationId, plate, spotLabel }) => ({ reservationId, plate, spotLabel })),
    ...arrivals.rows.map(({ reservationId, plate, spotLabel }) => ({ reservationId, plate, spotLabel })),
    ...alerts.rows.flatMap((alert) =>
      alert.reservationId ? [{ reservationId: alert.reservationId, plate: alert.plate ?? alert.reservationId, spotLabel: '' }] : [],
    ),
  ];
  // An alert about a held reservation would otherwise appear twice and trap the cursor.
  const selectable = candidates.filter((row, index) => candidates.findIndex((other) => other.reservationId === row.reservationId) === index);
  const lotTotals = snapshot.byZone.reduce(
    (sum, zone) => ({ free: sum.free + zone.free, total: sum.total + zone.total }),
    { free: 0, total: 0 },
  );
  return {
    layout,
    lotTotals,
    occupancy: { ...show('occupancy', occupancy), total: snapshot.byZone.length + snapshot.byType.length },
    gates: show('gates', snapshot.gates),
    arrivals,
    holds,
    alerts,
    feed: show('feed', snapshot.feed),
    selectable,
  };
}
