// Where the panels go and how many rows each gets. Pure, so the 80x24 and wide cases are tested
// without a terminal. The screen never grows to the terminal's height: Ink clears the whole
// terminal on every render once output is as tall as the window (flicker), so we stay one row short.

export type PanelId = 'occupancy' | 'gates' | 'arrivals' | 'holds' | 'alerts' | 'feed';

/** Content rows each panel would like (items to show); the title line is extra. */
export type PanelDemand = Readonly<Record<PanelId, number>>;

export interface PanelPlacement {
  readonly id: PanelId;
  /** content rows, title excluded; 0 shows the title line alone */
  readonly rows: number;
}

export interface DashboardLayout {
  /** 1 below 120 columns, 2 from 120 */
  readonly columnCount: 1 | 2;
  /** width of one column in characters */
  readonly columnWidth: number;
  /** panels per column, top to bottom; panels that did not fit at all are left out */
  readonly columns: readonly (readonly PanelPlacement[])[];
}

/** Width from which the panels sit in two columns. */
export const twoColumnMinWidth = 120;
/** Lines outside the panels: status line, message/selection line, footer. */
export const chromeRows = 3;
/** Gap between the two columns, in characters. */
const columnGap = 2;

/** Priority order: what an attendant needs first gets rows first. */
const singleColumn: readonly PanelId[] = ['occupancy', 'holds', 'arrivals', 'alerts', 'gates', 'feed'];
const leftColumn: readonly PanelId[] = ['occupancy', 'gates', 'alerts'];
const rightColumn: readonly PanelId[] = ['holds', 'arrivals', 'feed'];

/** Screen order top to bottom (single column reads like the two-column layout, left then right). */
const screenOrder: readonly PanelId[] = ['occupancy', 'gates', 'holds', 'arrivals', 'alerts', 'feed'];

/** Width of one panel column for a terminal this wide. */
export function columnWidthFor(columns: number): number {
  return columns >= twoColumnMinWidth ? Math.floor((columns - columnGap) / 2) : columns;
}

export function planLayout(columns: number, rows: number, demand: PanelDemand): DashboardLayout {
  // rows - 1: never as tall as the terminal (see above).
  const panelBudget = Math.max(0, rows - 1 - chromeRows);
  if (columns >= twoColumnMinWidth) {
    return {
      columnCount: 2,
      columnWidth: columnWidthFor(columns),
      columns: [fillColumn(leftColumn, panelBudget, demand), fillColumn(rightColumn, panelBudget, demand)],
    };
  }
  return { columnCount: 1, columnWidth: columns, columns: [fillColumn(singleColumn, panelBudget, demand)] };
}

/**
 * Water-filling: every panel that fits gets its title line, then rows are handed out one at a
 * time in priority order to panels that still have items, so one long list cannot starve the rest.
 */
function fillColumn(priority: readonly PanelId[], budget: number, demand: PanelDemand): PanelPlacement[] {
  const shown = priority.slice(0, Math.min(priority.length, budget));
  const rowsById = new Map<PanelId, number>(shown.map((id) => [id, 0]));
  let left = budget - shown.length;
  let gaveRow = true;
  while (left > 0 && gaveRow) {
    gaveRow = false;
    for (const id of shown) {
      const given = rowsById.get(id) ?? 0;
      if (left > 0 && given < demand[id]) {
        rowsById.set(id, given + 1);
        left -= 1;
        gaveRow = true;
      }
    }
  }
  return screenOrder.filter((id) => rowsById.has(id)).map((id) => ({ id, rows: rowsById.get(id) ?? 0 }));
}
