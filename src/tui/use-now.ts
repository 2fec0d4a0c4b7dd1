import { useEffect, useMemo, useState } from 'react';

/** How often countdowns and the clock move, in ms. */
export const defaultTickMs = 1000;

/**
 * The current instant as the dashboard sees it: the snapshot's `now` (the program's clock, so
 * `--now` works) moved on by the wall time elapsed since that snapshot arrived. Ticks locally so
 * hold countdowns move between snapshots; a new snapshot re-anchors it. The Dashboard calls it once
 * and passes the instant down, so a tick is one render (measured: three separate tickers meant
 * three full Ink frames a second), and memoised panels without times skip it.
 */
export function useNow(snapshotNow: Date, tickMs: number = defaultTickMs): Date {
  const baseMs = snapshotNow.getTime();
  // Wall-clock time at which this base arrived; recomputed only when the base changes.
  const wallAtBaseMs = useMemo(() => Date.now(), [baseMs]);
  const [, setTicks] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTicks((ticks) => ticks + 1), tickMs);
    return () => clearInterval(timer);
  }, [tickMs]);
  return new Date(baseMs + Math.max(0, Date.now() - wallAtBaseMs));
}
