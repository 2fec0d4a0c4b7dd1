import { useCallback, useState } from 'react';
import type { Selection } from './dashboard-model.js';

export interface SelectionApi {
  readonly selected: Selection | null;
  /** move the cursor through the rows on screen; off-screen selections restart at the first/last row */
  move(delta: 1 | -1): void;
  select(selection: Selection | null): void;
}

/**
 * The reservation that i/o/c/e act on. Kept as a value, not an index, so it survives snapshot
 * refreshes and stays set when its row leaves the screen (picked from search, just checked in).
 */
export function useSelection(selectable: readonly Selection[]): SelectionApi {
  const [selected, setSelected] = useState<Selection | null>(null);
  const move = useCallback(
    (delta: 1 | -1) => {
      if (selectable.length === 0) return;
      const index = selected ? selectable.findIndex((row) => row.reservationId === selected.reservationId) : -1;
      const next = index === -1 ? (delta === 1 ? 0 : selectable.length - 1) : Math.min(selectable.length - 1, Math.max(0, index + delta));
      setSelected(selectable[next] ?? null);
    },
    [selectable, selected],
  );
  return { selected, move, select: setSelected };
}
