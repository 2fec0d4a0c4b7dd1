// What the spot sensors put on the dashboard's alerts (issue 16): sensors at fault now, and the reconciliation's
// alerts (unknown car, a car in someone else's spot, "parked elsewhere?") of the look-back window.
import type { AlertRow } from '../dashboard/types.js';
import type { Queryable } from '../ports.js';
import { selectRecentEvents } from '../sql/dashboard.js';
import { selectSensorFaults } from '../sql/sensors.js';

/** Sensed state changes: audited, kept out of the live feed. */
export const sensorStateKinds: readonly string[] = ['sensor.occupied', 'sensor.free'];

export const sensorAlertKinds: readonly string[] = ['alert.unknown_car', 'alert.spot_taken', 'alert.parked_elsewhere'];

export async function readSensorAlerts(db: Queryable, lotId: number, since: Date, limit: number): Promise<AlertRow[]> {
  const [faults, alerts] = await Promise.all([
    selectSensorFaults(db, lotId, limit),
    selectRecentEvents(db, { lotId, limit, kinds: sensorAlertKinds, since }),
  ]);
  return [
    ...faults.map((f) => ({ kind: 'sensor' as const, at: f.since, text: `${f.spot_label} sensor ${f.sensor_id} ${f.fault}: shown as unknown` })),
    ...alerts.map((e) => ({
      kind: 'sensor' as const, at: e.occurred_at, ...(e.reservation_id ? { reservationId: e.reservation_id } : {}), ...(e.plate ? { plate: e.plate } : {}),
      text: e.reason ?? e.kind,
    })),
  ];
}
