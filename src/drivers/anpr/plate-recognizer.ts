// Plate Recognizer webhook bodies (Snapshot and Stream) to plate reads. Pure.
//   {"hook":{"id":"camera-1","event":"recognition",...},
//    "data":{"camera_id":"camera-1","timestamp":"2021-09-29T05:56:13.606935Z",
//            "results":[{"plate":"9jub11","score":0.839,"dscore":0.44,"region":{...},...}], ...}}
// Snapshot sends "timestamp":"2025-09-09 23:22:38.030345" (UTC, no zone); Stream sends ISO with Z.
// The "Webhook with Image" variant is multipart/form-data with this JSON in the field "json".

import { normalisePlate } from '../../core/gate/plate.js';
import type { PlateReadInput } from '../../core/gate/ports.js';

export interface ParsedWebhook {
  reads: PlateReadInput[];
  /** results that carried no usable plate or score */
  skipped: number;
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
  let skipped = 0;
  for (const result of data.results) {
    if (!isObject(result)) {
      skipped++;
      continue;
    }
    const plate = normalisePlate(result.plate);
    const score = result.score;
    if (!plate || typeof score !== 'number' || !(score >= 0 && score <= 1)) {
      skipped++;
      continue;
    }
    // The same read delivered twice (webhook retry) yields the same id, so it counts once.
    const readId = payloadId ? `pr:${payloadId}:${plate}` : `pr:${camera}|${stamp ?? at.toISOString()}|${plate}`;
    reads.push({ kind: 'plate', plate, confidence: score, source: `anpr:${camera}`, readId, at });
  }
  return { reads, skipped };
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
