// Uplinks as the network servers send them over MQTT, read into one shape: which device, when, and its
// decoded payload. Pure: the MQTT driver hands topic and bytes in.
//
//  * The Things Stack v3 (MQTT server): topic `v3/{application id}@{tenant id}/devices/{device id}/up`
//    (`v3/{application id}/devices/...` on open-source deployments); JSON with end_device_ids.device_id,
//    end_device_ids.dev_eui, received_at and uplink_message.{f_port, decoded_payload, received_at}.
//  * ChirpStack v4 (MQTT integration, JSON marshaler): topic `application/{application id}/device/{dev eui}/event/up`;
//    JSON with deviceInfo.{devEui, deviceName}, time, fPort and object (the codec's decoded payload).
//  * generic: any topic under the configured prefix; JSON {"sensor": "...", "occupied": true, ...} whose
//    own fields are the payload (an optional "at" ISO time).
import { normaliseSensorId } from './config.js';

export type UplinkFormat = 'tts' | 'chirpstack' | 'generic';

export interface Uplink {
  format: UplinkFormat;
  /** ids the device may be bound under, most specific first (DevEUI, then device id / name) */
  ids: string[];
  /** when the network server received it; the listener's clock when the message has none */
  at: Date | null;
  /** the codec's decoded payload */
  payload: Record<string, unknown>;
}

export class UplinkError extends Error {
  override readonly name = 'UplinkError';
}

/** MQTT subscriptions for each format. `genericPrefix` e.g. "parkctl/CITY-GARAGE/sensors". */
export function uplinkTopics(genericPrefix: string | null): string[] {
  return ['v3/+/devices/+/up', 'application/+/device/+/event/up', ...(genericPrefix ? [`${genericPrefix}/#`] : [])];
}

export function formatOfTopic(topic: string, genericPrefix: string | null): UplinkFormat | null {
  const parts = topic.split('/');
  if (parts.length === 5 && parts[0] === 'v3' && parts[2] === 'devices' && parts[4] === 'up') return 'tts';
  if (parts.length === 6 && parts[0] === 'application' && parts[2] === 'device' && parts[4] === 'event' && parts[5] === 'up') return 'chirpstack';
  if (genericPrefix && topic.startsWith(`${genericPrefix}/`)) return 'generic';
  return null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function time(v: unknown): Date | null {
  if (typeof v !== 'string') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

function ids(...candidates: unknown[]): string[] {
  const out: string[] = [];
  for (const c of candidates) {
    if (typeof c !== 'string' || c.length === 0 || c.length > 64) continue;
    const id = normaliseSensorId(c);
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

/** Reads one message; throws UplinkError for what is not an uplink of its format (logged, never fatal). */
export function readUplink(topic: string, payload: Buffer | string, genericPrefix: string | null): Uplink {
  const format = formatOfTopic(topic, genericPrefix);
  if (!format) throw new UplinkError(`not a sensor topic: ${topic.slice(0, 120)}`);
  let body: unknown;
  try {
    body = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    throw new UplinkError(`${topic.slice(0, 120)}: not JSON`);
  }
  if (!isObject(body)) throw new UplinkError(`${topic.slice(0, 120)}: not a JSON object`);
  if (format === 'tts') {
    const dev = body.end_device_ids;
    const up = body.uplink_message;
    if (!isObject(dev) || !isObject(up)) throw new UplinkError(`${topic.slice(0, 120)}: no end_device_ids or uplink_message`);
    // "decoded_payload" is only there when a payload formatter ran; without one there is nothing to read
    if (!isObject(up.decoded_payload)) throw new UplinkError(`${String(dev.device_id)}: uplink without decoded_payload (no payload formatter?)`);
    const found = ids(dev.dev_eui, dev.device_id, topic.split('/')[3]);
    return { format, ids: found, at: time(up.received_at) ?? time(body.received_at), payload: up.decoded_payload };
  }
  if (format === 'chirpstack') {
    const info = body.deviceInfo;
    if (!isObject(info)) throw new UplinkError(`${topic.slice(0, 120)}: no deviceInfo`);
    // "object" is only there when the device profile has a codec
    if (!isObject(body.object)) throw new UplinkError(`${String(info.devEui)}: uplink without object (no codec in the device profile?)`);
    return { format, ids: ids(info.devEui, topic.split('/')[3], info.deviceName), at: time(body.time), payload: body.object };
  }
  const { sensor, at, ...rest } = body;
  const found = ids(sensor, topic.slice(genericPrefix!.length + 1));
  if (found.length === 0) throw new UplinkError(`${topic.slice(0, 120)}: no "sensor" id`);
  return { format, ids: found, at: time(at), payload: rest };
}
