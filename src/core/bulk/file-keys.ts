// Rows of one file that share a key: an external ref (or row digest) in a lot, or a reservation id.
// Only the first is booked. A later row asking for the same booking reports what the first got; a
// later row asking for another booking under the same key is a conflict. Decided here, in file order,
// so the answer never depends on which of two rows in flight at once reached the database first.
import { requestDifferences, type KeyedRequest } from '../reservations/idempotency.js';
import type { PlannedRow } from './plan-row.js';

export interface SharedKey {
  /** the earlier row holding the key */
  first: PlannedRow;
  /** for people: `external_ref "K"`, `reservation_id ...` */
  key: string;
  /** the report's code when the rows differ */
  code: 'external_ref_reused' | 'reservation_id_reused';
  /** empty: the same booking as the first row's */
  differences: string[];
}

export function keyedRequest(r: PlannedRow): KeyedRequest {
  return { vehicleType: r.vehicleType, start: r.start, end: r.end, plate: r.plate };
}

function keysOf(r: PlannedRow): [string, string, SharedKey['code']][] {
  const keys: [string, string, SharedKey['code']][] = [];
  if (r.restore) keys.push([`id|${r.restore.reservationId}`, `reservation_id ${r.restore.reservationId}`, 'reservation_id_reused']);
  if (r.externalRef) keys.push([`ref|${r.lot.lotId}|${r.externalRef}`, `external_ref ${JSON.stringify(r.externalRef)}`, 'external_ref_reused']);
  return keys;
}

/** Later rows (by line) that share a key with an earlier one. */
export function sharedKeys(rows: readonly PlannedRow[]): Map<number, SharedKey> {
  const holders = new Map<string, PlannedRow>();
  const later = new Map<number, SharedKey>();
  for (const row of [...rows].sort((a, b) => a.line - b.line)) {
    const keys = keysOf(row);
    const held = keys.find(([k]) => holders.has(k));
    if (held) {
      const first = holders.get(held[0])!;
      const differences = requestDifferences(keyedRequest(first), keyedRequest(row));
      if (first.lot.lotId !== row.lot.lotId) differences.unshift(`lot ${row.lot.code}, not ${first.lot.code}`);
      later.set(row.line, { first, key: held[1], code: held[2], differences });
      continue;
    }
    for (const [k] of keys) holders.set(k, row);
  }
  return later;
}

export function sharedKeyMessage(s: SharedKey): string {
  return s.differences.length === 0
    ? `the same booking as line ${s.first.line}`
    : `${s.key} is also on line ${s.first.line} for another booking (${s.differences.join('; ')}); nothing was written`;
}
