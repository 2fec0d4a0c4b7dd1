// A caller's idempotency key (external ref) names one request. Asked again with the same request, the
// booking made the first time is the answer; asked with another, it is an error, as Stripe answers a
// key reused with other parameters: answering with the old booking would tell the caller that a car
// and a window it never booked are booked.
import { UsageError } from '../errors.js';
import type { BookedReservationRow } from '../sql/reservations.js';

/**
 * What a key stands for: the lot (given by where the key is looked up: keys are per lot), the type, the
 * window and the car. Not the customer reference: a name corrected in a file re-run is the same booking.
 */
export interface KeyedRequest {
  vehicleType: string;
  start: Date;
  end: Date;
  plate: string;
}

/** The request a stored booking was made for: the window as booked (extend and early exits move it later). */
export function bookedRequest(stored: BookedReservationRow): KeyedRequest {
  return { vehicleType: stored.vehicle_type, start: stored.booked_start, end: stored.booked_end, plate: stored.plate };
}

/** How `req` differs from `first`, one phrase each ("plate X, not Y"); empty when it is the same request. */
export function requestDifferences(first: KeyedRequest, req: KeyedRequest): string[] {
  const out: string[] = [];
  if (first.plate !== req.plate) out.push(`plate ${req.plate}, not ${first.plate}`);
  if (first.vehicleType !== req.vehicleType) out.push(`type ${req.vehicleType}, not ${first.vehicleType}`);
  if (first.start.getTime() !== req.start.getTime() || first.end.getTime() !== req.end.getTime()) {
    out.push(`window ${req.start.toISOString()} -> ${req.end.toISOString()}, not ${first.start.toISOString()} -> ${first.end.toISOString()}`);
  }
  return out;
}

/** Exit 2: the request is at fault (a key reused), not the lot. */
export function keyReusedError(externalRef: string, stored: BookedReservationRow, differences: readonly string[]): UsageError {
  return new UsageError(
    `external ref ${JSON.stringify(externalRef)} was used at ${stored.lot_code} for another booking; this request asks for ${differences.join('; ')}; nothing was booked`,
    { hint: `give a new external ref for a new booking; the one made with this key: parkctl booking show ${stored.reservation_id}`, code: 'external_ref_reused' },
  );
}
