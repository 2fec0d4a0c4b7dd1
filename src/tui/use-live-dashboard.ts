import { useSyncExternalStore } from 'react';
import type { Connection, DashboardSnapshot } from './dashboard-model.js';

/** What the live screen shows at one moment. */
export interface LiveDashboardState {
  /** null until the first read */
  readonly snapshot: DashboardSnapshot | null;
  readonly connection: Connection;
}

/**
 * Where live dashboard data comes from: an external store (src/core/dashboard/live.ts reads the lot
 * and re-reads it on NOTIFY). The TUI sees only this, never SQL or a driver; tests pass a literal.
 * `getState` must return the same object until something changed.
 */
export interface LiveDashboardSource {
  subscribe(onChange: () => void): () => void;
  getState(): LiveDashboardState;
}

/** The latest snapshot and link state, re-rendering when the source publishes a new one. */
export function useLiveDashboard(source: LiveDashboardSource): LiveDashboardState {
  return useSyncExternalStore(source.subscribe, source.getState, source.getState);
}
