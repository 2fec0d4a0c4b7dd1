// A decoded payload read through its vendor's mapping (the lot file's `sensors.vendors`): occupied or not,
// how sure, how much battery. Pure.
import type { VendorMapping } from './config.js';

export interface Reading {
  occupied: boolean;
  /** 0..1; 1 when the vendor sends none */
  confidence: number;
  /** 0..100, when sent */
  batteryPct: number | null;
}

function at(payload: Record<string, unknown>, path: string): unknown {
  let v: unknown = payload;
  for (const key of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Values compare as the vendor writes them, strings case-insensitively ("Occupied" = "occupied"). */
function matches(v: unknown, values: readonly (string | number | boolean)[]): boolean {
  return values.some((w) => (typeof v === 'string' && typeof w === 'string' ? v.toLowerCase() === w.toLowerCase() : v === w));
}

function scaled(v: unknown, scale: number): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n / scale : null;
}

/** The reading, or why the payload cannot be read (an unknown value: never guessed). */
export function readPayload(payload: Record<string, unknown>, m: VendorMapping): Reading | string {
  const raw = at(payload, m.occupied.field);
  let occupied: boolean;
  if (matches(raw, m.occupied.occupied)) occupied = true;
  else if (matches(raw, m.occupied.free)) occupied = false;
  else return raw === undefined ? `no field "${m.occupied.field}"` : `"${m.occupied.field}" is ${JSON.stringify(raw)?.slice(0, 40)}, neither occupied nor free`;
  const c = m.confidence ? scaled(at(payload, m.confidence.field), m.confidence.scale) : null;
  const b = m.battery ? scaled(at(payload, m.battery.field), m.battery.scale) : null;
  return {
    occupied,
    confidence: c === null ? 1 : Math.min(1, Math.max(0, c)),
    batteryPct: b === null ? null : Math.min(100, Math.max(0, b)),
  };
}
