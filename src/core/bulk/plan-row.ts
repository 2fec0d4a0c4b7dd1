// Reading the meaning of one row: its lot, type, window, plate and payment, each failure tied to the
// column at fault. Nothing here writes.
import { UsageError } from '../errors.js';
import { hasControlCharacter } from '../control-characters.js';
import { checkWindow, minWindowMinutes, parseInstant, parsePlate, parseVehicleType } from '../input.js';
import type { Lot } from '../lots/lot.js';
import type { VehicleType } from '../pricing/vehicle-types.js';
import { rowDigestRef, type BookingColumn, type RawBookingRow, type RowReadProblem } from './booking-rows.js';
import { planRestore, readReservationId, type RestoreFields } from './plan-restore.js';

/**
 * `paid:<cash|manual>:<amountMinor>[:<CUR>]`: the money was taken outside parkctl. The importer turns it
 * into the attendant receipt token of the new reservation (`cash:<reservationId>:<amountMinor>:<CUR>`), so
 * completeReservation checks the amount and currency against the booked price like at the desk.
 */
export interface PaidMark {
  provider: 'cash' | 'manual';
  amountMinor: number;
  currency: string | null;
}

export interface PlannedRow {
  line: number;
  lot: Lot;
  vehicleType: VehicleType;
  start: Date;
  end: Date;
  plate: string;
  customerRef: string;
  /** the file's external_ref, else the row digest (null for a restored row without one: none is made up) */
  externalRef: string | null;
  paid: PaidMark | null;
  /** a booking that existed (the row has a reservation_id): recognise it, or restore it as it was */
  restore: RestoreFields | null;
}

const paidPattern = /^paid:(cash|manual):(\d{1,15})(?::([A-Za-z]{3}))?$/;

export function parsePaymentMark(text: string | undefined): PaidMark | null {
  const t = (text ?? '').trim();
  if (t === '' || t.toLowerCase() === 'unpaid') return null;
  const m = paidPattern.exec(t);
  if (!m) {
    throw new UsageError(`payment "${text}" is not understood`, { hint: 'use unpaid, or paid:cash:<amountMinor>:<CUR> (e.g. paid:cash:1250:GBP)', code: 'bad_payment' });
  }
  return { provider: m[1] as 'cash' | 'manual', amountMinor: Number(m[2]), currency: m[3]?.toUpperCase() ?? null };
}

function at<T>(column: BookingColumn, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof UsageError) throw Object.assign(err, { column });
    throw err;
  }
}

/** A planned row, or the problem with the column at fault. `lots` holds every lot the file names (null: unknown). */
export function planRow(raw: RawBookingRow, lots: ReadonlyMap<string, Lot | null>, now: Date): PlannedRow | RowReadProblem {
  const v = raw.values;
  try {
    const lot = at('lot', () => {
      const found = lots.get((v.lot ?? '').trim().toUpperCase());
      if (!found) throw new UsageError(`unknown lot "${v.lot ?? ''}"`, { code: 'unknown_lot' });
      return found;
    });
    const vehicleType = at('vehicle_type', () => parseVehicleType(v.vehicle_type ?? ''));
    const start = at('start', () => parseInstant(v.start ?? '', lot.timeZone, 'start'));
    const end = at('end', () => parseInstant(v.end ?? '', lot.timeZone, 'end'));
    const reservationId = at('reservation_id', () => readReservationId(v));
    at('end', () => {
      try {
        // a booking that existed keeps its window: it may have started (a car inside) or been extended
        if (reservationId) checkWindow(start, end, { maxWindowMinutes: Number.MAX_SAFE_INTEGER, now: start });
        else checkWindow(start, end, { maxWindowMinutes: lot.maxWindowMinutes, now, minMinutes: minWindowMinutes });
      } catch (err) {
        if (err instanceof UsageError && err.code === 'start_in_past') throw Object.assign(err, { column: 'start' });
        throw err;
      }
    });
    const plate = at('plate', () => parsePlate(v.plate ?? ''));
    const customerRef = at('customer_ref', () => {
      const c = (v.customer_ref ?? '').trim();
      if (c === '' || c.length > 200) throw new UsageError('customer_ref is empty or longer than 200 characters', { code: 'bad_customer_ref' });
      if (hasControlCharacter(c)) throw new UsageError('customer_ref contains a control character (a NUL byte, a line break, ...)', { code: 'control_character' });
      return c;
    });
    const externalRef = at('external_ref', () => {
      const e = (v.external_ref ?? '').trim();
      if (e.length > 200) throw new UsageError('external_ref is longer than 200 characters', { code: 'bad_external_ref' });
      if (hasControlCharacter(e)) throw new UsageError('external_ref contains a control character (a NUL byte, a line break, ...)', { code: 'control_character' });
      return e || (reservationId ? null : rowDigestRef({ lotCode: lot.code, vehicleType, start, end, plate, customerRef }));
    });
    const paid = at('payment', () => parsePaymentMark(v.payment));
    const restore = reservationId ? planRestore(v, at, { reservationId, lot, start, end, paid }) : null;
    return { line: raw.line, lot, vehicleType, start, end, plate, customerRef, externalRef, paid, restore };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return { line: raw.line, column: (err as UsageError & { column?: string }).column ?? null, code: err.code, message: err.message };
  }
}

export function isPlanned(r: PlannedRow | RowReadProblem): r is PlannedRow {
  return 'lot' in r;
}
