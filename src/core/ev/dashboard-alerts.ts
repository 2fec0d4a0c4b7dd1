// The dashboard's EV alerts (issue 16): faulted or unavailable connectors, cars done charging and still
// plugged in, silent chargers; one query per screen, joined into the alerts panel by the snapshot reader.
import type { AlertRow } from '../dashboard/types.js';
import type { Queryable } from '../ports.js';
import { chargerStatus, evAlerts } from './status.js';

const kinds = { fault: 'ev_fault', idle: 'ev_idle', silent: 'ev_silent' } as const;

export async function evAlertRows(db: Queryable, lotId: number, now: Date, o: { idleAlertMinutes?: number } = {}): Promise<AlertRow[]> {
  const connectors = await chargerStatus(db, lotId, now);
  if (connectors.length === 0) return [];
  return evAlerts(connectors, now, { idleAlertMinutes: o.idleAlertMinutes ?? 15, heartbeatIntervalS: 300 }).map((a) => {
    const c = connectors.find((x) => x.spotLabel === a.spotLabel && x.chargePointId === a.chargePointId);
    const at = a.kind === 'idle' && c?.session?.idleSince ? new Date(c.session.idleSince)
      : a.kind === 'silent' && c?.lastHeartbeatAt ? new Date(c.lastHeartbeatAt)
        : c?.statusAt ? new Date(c.statusAt) : now;
    return { kind: kinds[a.kind], text: a.text, at, ...(c?.session?.plate ? { plate: c.session.plate } : {}) };
  });
}
