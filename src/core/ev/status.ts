// What the operator sees of the chargers (`parkctl ev status`, the dashboard's chargers panel): each
// connector with its spot, status, power, energy, session and idle time, and alerts for faults and idling cars.
import type { Queryable } from '../ports.js';
import { selectChargerStatus, type ChargerStatusRow } from '../sql/ev.js';
import { brokenStatuses } from './central-system.js';

/** One JSON shape for a connector, everywhere (ev status --json, the dashboard). */
export interface ConnectorJson {
  chargePointId: string;
  connectorId: number;
  spotLabel: string;
  status: string;
  errorCode: string;
  statusAt: string | null;
  /** the charger as a whole: vendor, model, firmware from BootNotification */
  vendor: string | null;
  model: string | null;
  firmwareVersion: string | null;
  lastHeartbeatAt: string | null;
  hasCredentials: boolean;
  /** the session of the car still plugged in, else null */
  session: {
    transactionId: number; idTag: string; plate: string | null; powerW: number | null; energyWh: number;
    startedAt: string; stoppedAt: string | null; idleSince: string | null; idleMinutes: number; chargeMinor: number;
  } | null;
}

export interface EvAlert {
  kind: 'fault' | 'idle' | 'silent';
  chargePointId: string;
  spotLabel: string;
  text: string;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function connectorJson(r: ChargerStatusRow, now: Date): ConnectorJson {
  return {
    chargePointId: r.charge_point_id, connectorId: r.connector_id, spotLabel: r.spot_label, status: r.status, errorCode: r.error_code,
    statusAt: iso(r.status_at), vendor: r.vendor, model: r.model, firmwareVersion: r.firmware_version, lastHeartbeatAt: iso(r.last_heartbeat_at),
    hasCredentials: r.has_credentials,
    session: r.transaction_id === null ? null : {
      transactionId: r.transaction_id, idTag: r.id_tag!, plate: r.plate, powerW: r.power_w, energyWh: r.energy_wh ?? 0,
      startedAt: r.started_at!.toISOString(), stoppedAt: iso(r.stopped_at), idleSince: iso(r.idle_since),
      idleMinutes: r.idle_since ? Math.max(0, Math.floor((now.getTime() - r.idle_since.getTime()) / 60_000)) : 0, chargeMinor: r.charge_minor ?? 0,
    },
  };
}

export async function chargerStatus(db: Queryable, lotId: number, now: Date): Promise<ConnectorJson[]> {
  return (await selectChargerStatus(db, lotId)).map((r) => connectorJson(r, now));
}

/**
 * Faulted or Unavailable connectors; cars idle past `idleAlertMinutes` (done charging, still plugged in);
 * chargers silent for three heartbeat intervals.
 */
export function evAlerts(connectors: readonly ConnectorJson[], now: Date, o: { idleAlertMinutes: number; heartbeatIntervalS: number }): EvAlert[] {
  const alerts: EvAlert[] = [];
  const silentSeen = new Set<string>();
  for (const c of connectors) {
    if (brokenStatuses.has(c.status)) {
      alerts.push({ kind: 'fault', chargePointId: c.chargePointId, spotLabel: c.spotLabel, text: `${c.spotLabel}: charger ${c.chargePointId}/${c.connectorId} ${c.status}${c.errorCode !== 'NoError' ? ` (${c.errorCode})` : ''}` });
    }
    if (c.session && c.session.idleSince && c.session.idleMinutes >= o.idleAlertMinutes) {
      alerts.push({ kind: 'idle', chargePointId: c.chargePointId, spotLabel: c.spotLabel, text: `${c.spotLabel}: ${c.session.plate ?? c.session.idTag} done charging, idle ${c.session.idleMinutes} min` });
    }
    const silentMs = c.lastHeartbeatAt ? now.getTime() - Date.parse(c.lastHeartbeatAt) : 0;
    if (c.hasCredentials && c.lastHeartbeatAt && silentMs > 3 * o.heartbeatIntervalS * 1000 && !silentSeen.has(c.chargePointId)) {
      silentSeen.add(c.chargePointId);
      alerts.push({ kind: 'silent', chargePointId: c.chargePointId, spotLabel: c.spotLabel, text: `charger ${c.chargePointId} silent for ${Math.floor(silentMs / 60_000)} min` });
    }
  }
  return alerts;
}
