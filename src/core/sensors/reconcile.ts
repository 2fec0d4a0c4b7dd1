// Seed 003's reconciliation: what the sensors say against what bookings and visits say. Pure: the listener
// reads the holders of the spots concerned and writes what these functions decide, each decision an event.
//  * a car sensed in a spot nobody holds (no car checked in on it, no booking on it now or soon): "unknown car in L2-B-014";
//  * a car sensed in a spot booked by someone else (a booking on it now or soon, no car checked in): an alert, and
//    each such booking moved to a free spot before it starts (parkctl_move_booking: the exclusion constraint is
//    still the proof that nothing is double-booked);
//  * a checked-in booking whose spot stays empty past N minutes: "parked elsewhere?".
import type { EventWrite } from '../sql/sensors.js';

/** Bookings starting within this of a car sensed in their spot are moved (later ones by later checks). */
export const takenSpotHorizonMinutes = 120;

export interface SpotHolders {
  spotId: number;
  label: string;
  /** a car is checked in on this spot (a booking's or a walk-in's hold) */
  carExpected: boolean;
  /** live bookings on it, not checked in, from now to the horizon */
  bookings: readonly { reservationId: string; plate: string; start: Date; end: Date }[];
}

export type OccupiedVerdict =
  | { kind: 'expected' }
  | { kind: 'unknown_car'; event: EventWrite }
  | { kind: 'spot_taken'; events: EventWrite[]; move: string[] };

/** A car is sensed in a spot (a confirmed change to occupied, or a later check of a spot still occupied). */
export function judgeOccupied(h: SpotHolders, sensorId: string, now: Date): OccupiedVerdict {
  if (h.carExpected) return { kind: 'expected' };
  if (h.bookings.length === 0) {
    return {
      kind: 'unknown_car',
      event: {
        kind: 'alert.unknown_car', reservationId: null, reason: `unknown car in ${h.label}`,
        detail: { spot_id: h.spotId, spot_label: h.label, sensor_id: sensorId }, occurredAt: now,
      },
    };
  }
  return {
    kind: 'spot_taken',
    move: h.bookings.map((b) => b.reservationId),
    events: h.bookings.map((b) => ({
      kind: 'alert.spot_taken', reservationId: b.reservationId,
      reason: `a car is in ${h.label}, booked by ${b.plate} from ${b.start.toISOString()}: moving the booking`,
      detail: { spot_id: h.spotId, spot_label: h.label, sensor_id: sensorId, plate: b.plate, from: b.start.toISOString(), to: b.end.toISOString() },
      occurredAt: now,
    })),
  };
}

export interface CheckedInEmpty {
  reservationId: string;
  plate: string;
  spotLabel: string;
  enteredAt: Date;
  /** since when the spot is sensed free */
  freeSince: Date;
}

/** Checked-in bookings whose spot has been sensed empty for `minutes` since both the entry and the last change. */
export function judgeParkedElsewhere(rows: readonly CheckedInEmpty[], now: Date, minutes: number): EventWrite[] {
  const limit = now.getTime() - minutes * 60_000;
  return rows
    .filter((r) => Math.max(r.enteredAt.getTime(), r.freeSince.getTime()) <= limit)
    .map((r) => ({
      kind: 'alert.parked_elsewhere', reservationId: r.reservationId,
      reason: `parked elsewhere? ${r.plate} came in ${Math.round((now.getTime() - r.enteredAt.getTime()) / 60_000)} min ago, ${r.spotLabel} is empty`,
      detail: { plate: r.plate, spot_label: r.spotLabel, entered_at: r.enteredAt.toISOString(), free_since: r.freeSince.toISOString() },
      occurredAt: now,
    }));
}
