// Spots in and out of service (the dashboard's `m`). A spot in maintenance is skipped by the allocator
// and counted out of service; bookings already on it keep it, and the result says how many there are so
// the attendant can move them. Every change leaves an events row with who and why.
import { lotChanged, type ChangeDeps } from './changes.js';
import { setActor, withTransaction } from './db.js';
import { NotFoundError, UsageError } from './errors.js';
import type { Lot } from './lots/lot.js';
import type { Clock, PoolLike } from './ports.js';
import { updateSpotStatus } from './sql/dashboard.js';
import { insertEvent } from './sql/payments.js';

export type SpotStatus = 'active' | 'maintenance';

export interface SpotDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
}

export interface SpotStatusResult {
  label: string;
  status: SpotStatus;
  /** false when the spot already had that status (nothing changed, nothing logged) */
  changed: boolean;
  /** live bookings still on the spot (their windows have not ended) */
  liveBookings: number;
}

export async function setSpotStatus(deps: SpotDeps, lot: Lot, label: string, status: SpotStatus, reason: string): Promise<SpotStatusResult> {
  const why = reason.trim();
  if (!why) throw new UsageError('say why the spot changes service', { hint: 'e.g. "water leak", "repainted"' });
  const wanted = label.trim();
  const now = deps.clock.now();
  const change = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, why);
    const row = await updateSpotStatus(tx, { lotId: lot.lotId, label: wanted, status, now });
    if (row && row.previous !== status) {
      await insertEvent(tx, {
        lotId: lot.lotId, kind: `spot.${status}`, reservationId: null, actor: deps.actor, reason: why, at: now,
        detail: { label: row.label, spot_id: row.spot_id, previous: row.previous },
      });
    }
    return row;
  });
  if (!change) throw new NotFoundError(`${lot.code} has no spot ${wanted}`, { hint: 'spot labels look like the lot file\'s, e.g. L0-A-001', code: 'unknown_spot' });
  const changed = change.previous !== status;
  if (changed) await lotChanged(deps, lot.lotId);
  return { label: change.label, status, changed, liveBookings: change.live_bookings };
}
