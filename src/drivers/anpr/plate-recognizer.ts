// Plate Recognizer webhook bodies (Snapshot and Stream) to plate reads. Pure.
//   {"hook":{"id":"camera-1","event":"recognition",...},
//    "data":{"camera_id":"camera-1","timestamp":"2021-09-29T05:56:13.606935Z",
//            "results":[{"plate":"9jub11","score":0.839,"dscore":0.44,"region":{...},...}], ...}}
// Snapshot sends "timestamp":"2025-09-09 23:22:38.030345" (UTC, no zone); Stream sends ISO with Z.
// The "Webhook with Image" variant is multipart/form-data with this JSON in the field "json".
// With detection_mode "vehicle" (and in the newer result format) a result's "plate" is an object,
// or null for a vehicle whose plate was not read:
//   {"plate":{"type":"Plate","score":0.90,"props":{"plate":[{"value":"gh34kl","score":0.93},...],
//             "region":[{"value":"gb","score":0.88}]}},"vehicle":{"type":"SUV",...}}
// Every result that yields no read is reported with its reason (the daemon journals it), never dropped.

import { normalisePlate } from '../../core/gate/plate.js';
import type { PlateReadInput } from '../../core/gate/ports.js';

export interface ParsedWebhook {
  reads: PlateReadInput[];
  /** results that yielded no read, each with why (journalled by the daemon as input errors); key: for dedupe */
  skipped: Array<{ key: string; reason: string }>;
}

/** Returns the reads, or a reason the body is not a Plate Recognizer webhook. */
export function parsePlateRecognizerWebhook(body: unknown, receivedAt: Date): ParsedWebhook | string {
  if (!isObject(body)) return 'body is not a JSON object';
  const data = body.data;
  if (!isObject(data)) return 'missing "data" object';
  if (!Array.isArray(data.results)) return 'missing "data.results" array';
  const hook = isObject(body.hook) ? body.hook : {};
  const camera = str(data.camera_id) ?? str(hook.id) ?? 'unknown';
  const stamp = str(data.timestamp);
  const at = parseTimestamp(stamp) ?? receivedAt;
  const payloadId = str(data.id) ?? (typeof data.id === 'number' ? String(data.id) : null);

  const reads: PlateReadInput[] = [];
  const skipped: ParsedWebhook['skipped'] = [];
  const results = data.results as unknown[];
  results.forEach((result, i) => {
    const read = isObject(result) ? plateOf(result) : 'not an object';
    if (typeof read === 'string') {
      const reason = `Plate Recognizer result skipped (camera ${camera}, result ${i + 1} of ${results.length}): ${read}`;
      skipped.push({ key: `pr-skip:${payloadId ?? stamp ?? at.toISOString()}|${camera}|${i}`, reason });
      return;
    }
    // The same read delivered twice (webhook retry) yields the same id, so it counts once.
    const readId = payloadId ? `pr:${payloadId}:${read.plate}` : `pr:${camera}|${stamp ?? at.toISOString()}|${read.plate}`;
    reads.push({ kind: 'plate', plate: read.plate, confidence: read.score, source: `anpr:${camera}`, readId, at });
  });
  return { reads, skipped };
}

/** One result's plate and score, in either format, or why there is none. */
function plateOf(result: Record<string, unknown>): { plate: string; score: number } | string {
  const p = result.plate;
  if (p === null || p === undefined) {
    const vehicle = isObject(result.vehicle) ? str(result.vehicle.type) : null;
    return vehicle ? `a vehicle (${vehicle}) without a readable plate` : 'no plate';
  }
  if (typeof p === 'string') {
    const plate = normalisePlate(p);
    if (!plate) return `plate ${JSON.stringify(p)} is not a usable plate`;
    return validScore(result.score) ? { plate, score: result.score } : `plate ${plate} without a score from 0 to 1`;
  }
  if (!isObject(p)) return `plate is ${JSON.stringify(p)}`;
  // The newer format: the best candidate of props.plate (highest score) is the read.
  const props = isObject(p.props) ? p.props : {};
  const candidates = Array.isArray(props.plate) ? props.plate.filter(isObject) : [];
  const best = [...candidates].sort((a, b) => (validScore(b.score) ? b.score : -1) - (validScore(a.score) ? a.score : -1))[0];
  if (!best) return 'plate object without props.plate candidates';
  const plate = normalisePlate(best.value);
  if (!plate) return `plate ${JSON.stringify(best.value)} is not a usable plate`;
  return validScore(best.score) ? { plate, score: best.score } : `plate ${plate} without a score from 0 to 1`;
}

function validScore(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v <= 1;
}

function parseTimestamp(stamp: string | null): Date | null {
  if (!stamp) return null;
  let iso = stamp.trim().replace(' ', 'T');
  if (!/(Z|[+-]\d\d:?\d\d)$/.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}
