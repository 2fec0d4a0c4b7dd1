// Parsing what people type: instants, plates, windows. Each failure is one line with a fix.
import { DateTime } from 'luxon';
import { UsageError } from './errors.js';
import { normalisePlate } from './gate/plate.js';
import { isVehicleType, vehicleTypes, type VehicleType } from './pricing/vehicle-types.js';

/**
 * An instant from ISO 8601. Without an offset it is read in `timeZone` (the lot's local time, what an
 * attendant means by "08:00"); with `Z` or an offset it is absolute.
 */
export function parseInstant(input: string, timeZone: string, what: string): Date {
  const text = input.trim();
  const sent = parseProgramInstant(text);
  if (sent !== null) return sent;
  const dt = DateTime.fromISO(text, { zone: timeZone });
  if (!dt.isValid) {
    throw new UsageError(`${what} "${input}" is not a date and time`, {
      hint: 'use ISO 8601, e.g. 2026-11-22T08:00 (lot time) or 2026-11-22T08:00:00Z',
      code: 'bad_time',
    });
  }
  // A local time the clocks skip (spring forward) would silently become another hour: refuse it.
  const wall = DateTime.fromISO(text, { zone: 'UTC', setZone: false });
  if (!hasOffset(text) && (wall.hour !== dt.hour || wall.minute !== dt.minute)) {
    throw new UsageError(`${what} "${input}" does not exist in ${timeZone}: the clocks go forward then`, {
      hint: `choose a time after the change, e.g. ${dt.toFormat("yyyy-LL-dd'T'HH:mm")}`,
      code: 'bad_time',
    });
  }
  return dt.toJSDate();
}

/**
 * What programs send, read without luxon (the API's hot path parses two of these per request): a date and
 * time to the second, optionally with milliseconds, and its zone: `Z` or `+HH:MM` / `-HH:MM`
 * (Date#toISOString, 2026-11-22T08:00:00Z, 2026-11-22T09:00:00.000+01:00). The same instant luxon reads;
 * null for anything else, an impossible date included (luxon reads it or says why not). Character codes
 * rather than a regular expression and Date.UTC rather than Date parsing: this runs per request.
 */
function parseProgramInstant(text: string): Date | null {
  const n = text.length;
  if (n < 20 || n > 29) return null;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null; // - - T : :
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  // years before 1000 are left to luxon (Date.UTC reads 0-99 as 1900-1999)
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 46) { // .
    ms = digitsAt(text, 20, 3);
    if (ms < 0) return null;
    i = 23;
  }
  let offsetMinutes = 0;
  const sign = text.charCodeAt(i);
  if (sign === 90) { // Z
    if (i + 1 !== n) return null;
  } else if ((sign === 43 || sign === 45) && i + 6 === n && text.charCodeAt(i + 3) === 58) { // + - :
    const oh = digitsAt(text, i + 1, 2);
    const om = digitsAt(text, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return null;
    offsetMinutes = (sign === 43 ? 1 : -1) * (oh * 60 + om);
  } else {
    return null;
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000);
}

/** The number the `count` ASCII digits at `at` spell, or -1. */
function digitsAt(text: string, at: number, count: number): number {
  let v = 0;
  for (let k = at; k < at + count; k++) {
    const d = text.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function hasOffset(text: string): boolean {
  return /T.*(Z|[+-]\d{2}(:?\d{2})?)$/i.test(text);
}

/** The shortest window a lot sells: one quarter hour (the allocator's and the overstay's slot). */
export const minWindowMinutes = 15;

/** `--now` / PARKCTL_NOW: must say its zone, since no lot is known yet. */
export function parseNow(input: string): Date {
  const trimmed = input.trim();
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed)) {
    throw new UsageError(`--now "${input}" has no time zone`, { hint: 'end it with Z or an offset, e.g. 2026-11-22T08:00:00Z', code: 'bad_time' });
  }
  return parseInstant(trimmed, 'UTC', '--now');
}

/** A plate as typed: letters, digits, spaces and dashes; stored normalised (AB-12 CD -> AB12CD). */
export function parsePlate(input: string): string {
  const plate = /^[A-Za-z0-9 -]+$/.test(input.trim()) ? normalisePlate(input) : null;
  if (!plate) {
    throw new UsageError(`plate "${input}" is malformed`, { hint: 'use 2-12 letters and digits, e.g. AB12CDE (spaces and dashes are ignored)', code: 'bad_plate' });
  }
  return plate;
}

export function parseVehicleType(input: string): VehicleType {
  const t = input.trim().toLowerCase();
  if (!isVehicleType(t)) {
    throw new UsageError(`unknown vehicle type "${input}"`, { hint: `use one of: ${vehicleTypes.join(', ')}`, code: 'bad_vehicle_type' });
  }
  return t;
}

export interface WindowRules {
  /** the lot's longest bookable window */
  maxWindowMinutes: number;
  now: Date;
  /** how far in the past a start may lie (an attendant booking "now" types a minute late) */
  pastToleranceMs?: number;
  /** the shortest window allowed (bookings: minWindowMinutes; a price quote may be shorter) */
  minMinutes?: number;
}

/** Checks a booking window: end after start, not over the lot's maximum, not starting in the past. */
export function checkWindow(start: Date, end: Date, rules: WindowRules): void {
  if (end.getTime() <= start.getTime()) {
    throw new UsageError(end.getTime() === start.getTime() ? 'the window is empty: it ends when it starts' : 'the window ends before it starts', {
      hint: '--to must be later than --from', code: 'bad_window',
    });
  }
  const minutes = (end.getTime() - start.getTime()) / 60_000;
  if (rules.minMinutes !== undefined && minutes < rules.minMinutes) {
    throw new UsageError(`the window is ${formatDuration(minutes)}, shorter than the ${rules.minMinutes} minutes a booking takes at least`, {
      hint: `make --to at least ${rules.minMinutes} minutes after --from`, code: 'window_too_short',
    });
  }
  if (minutes > rules.maxWindowMinutes) {
    const days = rules.maxWindowMinutes / 1440;
    throw new UsageError(`the window is ${formatDuration(minutes)}, longer than this lot's maximum of ${days % 1 === 0 ? `${days} days` : formatDuration(rules.maxWindowMinutes)}`, {
      hint: 'split it into several bookings',
      code: 'window_too_long',
    });
  }
  if (start.getTime() < rules.now.getTime() - (rules.pastToleranceMs ?? 5 * 60_000)) {
    throw new UsageError(`the window starts in the past (${start.toISOString()})`, { hint: 'choose a start from now on', code: 'start_in_past' });
  }
}

export function formatDuration(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = Math.round(minutes % 60);
  return [d ? `${d}d` : '', h ? `${h}h` : '', m || (!d && !h) ? `${m}m` : ''].filter(Boolean).join(' ');
}
