// Hikvision ANPR cameras' alarm push (ISAPI "HTTP listening"): each recognition is POSTed as an
// EventNotificationAlert, plain XML or multipart/form-data with the XML in a part named "anpr.xml"
// beside the pictures ("licensePlatePicture.jpg", "detectionPicture.jpg"). Pure.
//   <EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
//     <ipAddress>..</ipAddress><macAddress>..</macAddress><channelID>1</channelID>
//     <dateTime>2024-05-07T17:48:03.847+07:00</dateTime><activePostCount>1</activePostCount>
//     <eventType>ANPR</eventType><eventState>active</eventState>
//     <ANPR><licensePlate>GKW5KE2</licensePlate><confidenceLevel>93</confidenceLevel>
//           <direction>forward</direction>...</ANPR><UUID>..</UUID>
//   </EventNotificationAlert>
// The camera posts the same alarm again when it is not answered 200 in time (and activePostCount
// counts alarms for the same target), so an alarm is keyed by its device, channel, time and plate
// (and its UUID where the firmware sends one) and counts once. eventState "inactive" is a heartbeat.
// Plates the camera could not read come as "unknown" (or empty) and are skipped.
import { XMLParser } from 'fast-xml-parser';
import { normalisePlate } from '../../core/gate/plate.js';
import type { PlateReadInput } from '../../core/gate/ports.js';

export interface HikvisionAlert {
  /** null: not an ANPR alarm, or a heartbeat (answer 200, nothing to do) */
  read: PlateReadInput | null;
  /** every key this alarm is known by: a repeat matches at least one */
  keys: string[];
  /** why an ANPR alarm gave no read (an unreadable plate) */
  skipped: string | null;
}

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: true });

/** The alert in a request body (XML, or multipart with an XML part); a string says why it is not one. */
export function parseHikvisionBody(contentType: string, body: Buffer, receivedAt: Date): HikvisionAlert | string {
  let xml: string;
  if (/^multipart\//i.test(contentType)) {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    const part = boundary ? xmlPart(body, boundary[1] ?? boundary[2]!) : null;
    if (part === null) return 'multipart body without an XML part (anpr.xml)';
    xml = part;
  } else {
    xml = body.toString('utf8');
  }
  return parseHikvisionAlert(xml, receivedAt);
}

export function parseHikvisionAlert(xml: string, receivedAt: Date): HikvisionAlert | string {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml, true) as Record<string, unknown>;
  } catch (err) {
    return `not XML: ${(err as Error).message.split('\n')[0]}`;
  }
  const alert = doc.EventNotificationAlert;
  if (!isObject(alert)) return 'not an EventNotificationAlert';
  const eventType = text(alert.eventType);
  if (eventType?.toUpperCase() !== 'ANPR' || (text(alert.eventState) ?? 'active') !== 'active') return { read: null, keys: [], skipped: null };
  const anpr = isObject(alert.ANPR) ? alert.ANPR : null;
  const raw = text(anpr?.licensePlate);
  const plate = raw && !/^(unknown|none|no ?plate)$/i.test(raw) ? normalisePlate(raw) : null;
  const device = text(alert.macAddress) ?? text(alert.ipAddress) ?? 'camera';
  const channel = text(alert.channelID) ?? text(alert.dynChannelID) ?? '1';
  const stamp = text(alert.dateTime);
  const keys = [`hik:${device}|${channel}|${stamp ?? ''}|${plate ?? raw ?? ''}`];
  const uuid = text(alert.UUID);
  if (uuid) keys.push(`hik-uuid:${uuid}`);
  if (!plate) return { read: null, keys, skipped: `no readable plate (${JSON.stringify(raw ?? '')})` };
  const level = Number(text(anpr?.confidenceLevel));
  // confidenceLevel is a percentage (0-100); some firmware sends a fraction
  const confidence = Number.isFinite(level) && level >= 0 ? (level > 1 ? Math.min(level, 100) / 100 : level) : 0;
  const ms = stamp ? Date.parse(stamp) : NaN;
  const at = Number.isNaN(ms) ? receivedAt : new Date(ms);
  const source = `hikvision:${text(alert.channelName) ?? device}`.slice(0, 80);
  return { read: { kind: 'plate', plate, confidence, source, readId: keys[0]!, at }, keys, skipped: null };
}

/** The first part that is XML: named "*.xml", or with an XML content type. */
function xmlPart(body: Buffer, boundary: string): string | null {
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('latin1');
      if (/name="[^"]*\.xml"/i.test(headers) || /content-type:\s*[a-z]+\/xml/i.test(headers)) {
        let value = part.subarray(headerEnd + 4);
        if (value.subarray(-2).toString('latin1') === '\r\n') value = value.subarray(0, -2);
        return value.toString('utf8');
      }
    }
    at = next;
  }
  return null;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() || null;
  if (typeof v === 'number') return String(v);
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
