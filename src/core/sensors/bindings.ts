// Sensors bound to spots by hand (`parkctl lot spot bind-sensor`), and the list of a lot's sensors with what
// they sense. A binding by hand is audited like the lot file's.
import { lotChanged, type ChangeDeps } from '../changes.js';
import { withTransaction } from '../db.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { Lot } from '../lots/lot.js';
import type { Clock, PoolLike, Queryable } from '../ports.js';
import { insertLotEvent } from '../sql/lots.js';
import { bindSensors, selectSensorBindings, selectSensorConfig, type SensorBindingRow } from '../sql/sensors.js';
import { mappingFor, normaliseSensorId, parseStoredSensorConfig, sensorIdSchema } from './config.js';

/** One sensor as every command's --json shows it (docs/json-shapes.md, Sensor). */
export interface SensorJson {
  sensorId: string;
  spotLabel: string;
  floor: number;
  zone: string;
  vendor: string;
  heartbeatSeconds: number;
  /** free | occupied | unknown */
  state: string;
  stateSince: string | null;
  unconfirmed: string | null;
  lastReading: string | null;
  confidence: number | null;
  batteryPct: number | null;
  lastHeardAt: string | null;
  fault: string | null;
  boundAt: string;
}

export function sensorJson(r: SensorBindingRow): SensorJson {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    sensorId: r.sensor_id, spotLabel: r.label, floor: r.floor, zone: r.zone_code, vendor: r.vendor, heartbeatSeconds: r.heartbeat_seconds,
    state: r.state, stateSince: iso(r.state_since), unconfirmed: r.unconfirmed, lastReading: r.last_reading,
    confidence: r.confidence === null ? null : Math.round(r.confidence * 1000) / 1000,
    batteryPct: r.battery_pct === null ? null : Math.round(r.battery_pct * 10) / 10,
    lastHeardAt: iso(r.last_heard_at), fault: r.fault, boundAt: r.bound_at.toISOString(),
  };
}

export async function listSensors(db: Queryable, lot: Lot): Promise<SensorJson[]> {
  return (await selectSensorBindings(db, lot.lotId)).map(sensorJson);
}

export interface BindDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
}

/** The binding made, and where the sensor was bound before in another lot (it moved from there), else null. */
export interface SensorBound {
  sensor: SensorJson;
  movedFrom: { lotCode: string; spotLabel: string } | null;
}

export async function bindSensor(
  deps: BindDeps, lot: Lot, spotLabel: string, sensorId: string, opts: { vendor?: string | undefined; heartbeatSeconds?: number | undefined },
): Promise<SensorBound> {
  const id = sensorIdSchema.safeParse(sensorId.trim());
  if (!id.success) throw new UsageError(`"${sensorId.slice(0, 64)}" is not a sensor id`, { hint: 'a DevEUI (16 hex digits) or the device id the network server uses' });
  const label = spotLabel.trim();
  const config = parseStoredSensorConfig(await selectSensorConfig(deps.pool, lot.lotId));
  const vendor = opts.vendor?.trim() || 'generic';
  if (!mappingFor(config, vendor)) {
    const known = ['generic', ...Object.keys(config.vendors)];
    throw new UsageError(`the lot file of ${lot.code} maps no vendor "${vendor}"`, { hint: `vendors: ${known.join(', ')} (add one under sensors.vendors and import the file)` });
  }
  const heartbeat = opts.heartbeatSeconds ?? config.heartbeatSeconds;
  if (!Number.isInteger(heartbeat) || heartbeat < 10 || heartbeat > 604_800) {
    throw new UsageError(`--heartbeat must be 10..604800 seconds, not ${heartbeat}`, { hint: 'how often the sensor reports at the least, e.g. 900' });
  }
  const normalised = normaliseSensorId(id.data);
  const now = deps.clock.now();
  // one transaction: the sensor leaves its spot in another lot only if it lands on this one
  const moved = await withTransaction(deps.pool, async (tx) => {
    const r = await bindSensors(tx, lot.lotId, [{ spotLabel: label, sensorId: normalised, vendor, heartbeatSeconds: heartbeat }], deps.actor, now);
    if (r.unknownSpots.length > 0) throw new NotFoundError(`no spot "${label}" in ${lot.code}`, { hint: `see the spots: parkctl lot show ${lot.code}` });
    for (const m of r.moved) {
      await insertLotEvent(tx, { lotId: m.lot_id, kind: 'sensor.unbound', actor: deps.actor, detail: { spot_label: m.spot_label, sensor_id: m.sensor_id, moved_to: `${lot.code} ${label}` }, occurredAt: now });
    }
    const from = r.moved[0];
    await insertLotEvent(tx, {
      lotId: lot.lotId, kind: 'sensor.bound', actor: deps.actor, occurredAt: now,
      detail: { spot_label: label, sensor_id: normalised, vendor, ...(from ? { moved_from: `${from.lot_code} ${from.spot_label}` } : {}) },
    });
    return r.moved;
  });
  for (const lotId of new Set([lot.lotId, ...moved.map((m) => m.lot_id)])) await lotChanged(deps, lotId);
  const row = (await selectSensorBindings(deps.pool, lot.lotId)).find((r) => r.sensor_id === normalised)!;
  const from = moved[0];
  return { sensor: sensorJson(row), movedFrom: from ? { lotCode: from.lot_code, spotLabel: from.spot_label } : null };
}
