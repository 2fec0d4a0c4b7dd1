// Reading the columns `booking export` adds to a row: a row with a reservation_id is a booking that
// existed, to be recognised (the same database) or restored as it was (an empty lot): its id, status,
// spot, price, hold, what its extensions cost, and for a car inside, when and where it came in.
import { UsageError } from '../errors.js';
import { parseInstant } from '../input.js';
import type { Lot } from '../lots/lot.js';
import { checkReservationId } from '../reservations/lifecycle.js';
import { reservationStatuses, type ReservationStatus } from '../sql/reservations.js';
import type { BookingColumn } from './booking-rows.js';
import type { PaidMark } from './plan-row.js';

export interface RestoreFields {
  reservationId: string;
  status: ReservationStatus;
  spotLabel: string;
  priceMinor: number;
  extensionMinor: number;
  /** TENTATIVE only */
  holdExpiresAt: Date | null;
  /** CHECKED_IN only: the car's visit */
  enteredAt: Date | null;
  entryGate: string | null;
}

type Values = Partial<Record<BookingColumn, string>>;
type At = <T>(column: BookingColumn, read: () => T) => T;

function bad(message: string, code: string): UsageError {
  return new UsageError(message, { code });
}

function minorUnits(text: string | undefined, name: string, required: boolean): number {
  const t = (text ?? '').trim();
  if (t === '' && !required) return 0;
  if (!/^\d{1,15}$/.test(t)) throw bad(`${name} "${text ?? ''}" is not a whole number of minor units`, 'bad_amount');
  return Number(t);
}

/** The reservation_id column: null for a row to book anew. */
export function readReservationId(v: Values): string | null {
  const t = (v.reservation_id ?? '').trim();
  if (t === '') return null;
  try {
    return checkReservationId(t);
  } catch {
    throw bad(`reservation_id "${t}" is not a reservation id`, 'bad_reservation_id');
  }
}

export function planRestore(v: Values, at: At, r: { reservationId: string; lot: Lot; start: Date; end: Date; paid: PaidMark | null }): RestoreFields {
  const status = at('status', () => {
    const t = (v.status ?? '').trim().toUpperCase();
    if (!reservationStatuses.includes(t as ReservationStatus)) throw bad(`status "${v.status ?? ''}" is not one of ${reservationStatuses.join(', ')}`, 'bad_status');
    return t as ReservationStatus;
  });
  const spotLabel = at('spot', () => {
    const t = (v.spot ?? '').trim();
    if (t === '') throw bad('a row with a reservation_id needs its spot', 'bad_spot');
    return t;
  });
  const priceMinor = at('price_minor', () => minorUnits(v.price_minor, 'price_minor', true));
  const extensionMinor = at('extension_minor', () => minorUnits(v.extension_minor, 'extension_minor', false));
  const holdExpiresAt = at('hold_expires_at', () => {
    if (status !== 'TENTATIVE') return null;
    if ((v.hold_expires_at ?? '').trim() === '') throw bad('a TENTATIVE row needs hold_expires_at', 'bad_time');
    return parseInstant(v.hold_expires_at!, r.lot.timeZone, 'hold_expires_at');
  });
  const enteredAt = at('entered_at', () => {
    if (status !== 'CHECKED_IN') return null;
    if ((v.entered_at ?? '').trim() === '') throw bad('a CHECKED_IN row needs entered_at, when the car came in', 'bad_time');
    return parseInstant(v.entered_at!, r.lot.timeZone, 'entered_at');
  });
  at('payment', () => {
    if (!r.paid) return;
    if (status === 'TENTATIVE') throw bad('a TENTATIVE row cannot be paid: a paid booking is CONFIRMED', 'bad_payment');
    if (r.paid.amountMinor !== priceMinor || (r.paid.currency !== null && r.paid.currency !== r.lot.currency)) {
      throw bad(`payment ${r.paid.amountMinor} ${r.paid.currency ?? r.lot.currency} is not the price ${priceMinor} ${r.lot.currency}`, 'bad_payment');
    }
  });
  const entryGate = (v.entry_gate ?? '').trim() || null;
  return { reservationId: r.reservationId, status, spotLabel, priceMinor, extensionMinor, holdExpiresAt, enteredAt, entryGate };
}
