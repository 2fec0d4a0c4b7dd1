// A report's period and buckets as people give them: local dates (or date-times) in the lot's zone.
// `--from 2026-12-01 --to 2026-12-31` is all of December: a date alone in --to means the whole day.
// An instant is widened to whole UTC hours (a lot on a half-hour offset sees its hours cut at :30).
import { DateTime } from 'luxon';
import { UsageError } from '../errors.js';
import { parseInstant } from '../input.js';
import { parseTime } from '../time-input.js';
import type { ReportBy } from '../sql/reports.js';

export const reportBys: readonly ReportBy[] = ['hour', 'day', 'week', 'month'];

export interface ReportRange {
  from: Date;
  /** exclusive */
  to: Date;
  by: ReportBy;
}

const dateOnly = /^\d{4}-\d{2}-\d{2}$/;

function localDay(input: string, timeZone: string, what: string): DateTime {
  const d = DateTime.fromISO(input, { zone: timeZone });
  if (!d.isValid) throw new UsageError(`${what} "${input.slice(0, 40)}" is not a date`, { hint: 'e.g. 2026-12-01 (the lot\'s local day)', code: 'bad_time' });
  return d.startOf('day');
}

export function parseBy(input: string | undefined, fallback: ReportBy): ReportBy {
  if (input === undefined) return fallback;
  const by = input.trim().toLowerCase() as ReportBy;
  if (!reportBys.includes(by)) throw new UsageError(`--by "${input.slice(0, 20)}" is not one of ${reportBys.join(', ')}`, { hint: 'e.g. --by day', code: 'bad_option' });
  return by;
}

/** A local day as people name it: 2026-12-01, today, yesterday, tomorrow; null for anything else. */
function namedDay(input: string, timeZone: string, now: Date, what: string): DateTime | null {
  const text = input.trim().toLowerCase();
  const shift = { yesterday: -1, today: 0, tomorrow: 1 }[text];
  if (shift !== undefined) return DateTime.fromJSDate(now, { zone: timeZone }).startOf('day').plus({ days: shift });
  return dateOnly.test(text) ? localDay(text, timeZone, what) : null;
}

/**
 * [from, to) from the options; defaults: the 7 local days up to and including today. A day (2026-12-01,
 * today, yesterday) in --from is its start and in --to its end; anything else is a time as people type
 * it (src/core/time-input.ts: `2026-12-05 08:00`, `08:00`, `+2h`, `now`, ISO), `+2h` in --to counting from --from.
 */
export function parseRange(o: { from?: string; to?: string; by?: string }, timeZone: string, now: Date, fallbackBy: ReportBy): ReportRange {
  const today = DateTime.fromJSDate(now, { zone: timeZone }).startOf('day');
  // Instants are widened to whole hours: the rollups hold whole hours, and a figure must not depend on
  // which side of their mark an hour lies.
  const hourMs = 3_600_000;
  let from: Date | undefined;
  if (o.from !== undefined) {
    const day = namedDay(o.from, timeZone, now, '--from');
    from = day ? day.toJSDate() : new Date(Math.floor(parseTime(o.from, timeZone, '--from', { now }).getTime() / hourMs) * hourMs);
  }
  let to: Date;
  if (o.to === undefined) to = today.plus({ days: 1 }).toJSDate();
  else {
    const day = namedDay(o.to, timeZone, now, '--to');
    to = day ? day.plus({ days: 1 }).toJSDate()
      : new Date(Math.ceil(parseTime(o.to, timeZone, '--to', { now, base: from, baseName: from ? '--from' : 'now' }).getTime() / hourMs) * hourMs);
  }
  from ??= DateTime.fromJSDate(to, { zone: timeZone }).minus({ days: 7 }).toJSDate();
  if (from.getTime() >= to.getTime()) throw new UsageError('--from must come before --to', { hint: 'e.g. --from 2026-12-01 --to 2026-12-31', code: 'bad_range' });
  if (to.getTime() - from.getTime() > 2 * 366 * 86_400_000) throw new UsageError('a report covers at most two years', { hint: 'narrow --from/--to', code: 'bad_range' });
  return { from, to, by: parseBy(o.by, fallbackBy) };
}

/** A bucket as people name it, in the lot's zone: 2026-03-29 01:00, 2026-03-29, 2026-W13, 2026-03. */
export function bucketLabel(bucket: Date, by: ReportBy, timeZone: string): string {
  const d = DateTime.fromJSDate(bucket, { zone: timeZone });
  switch (by) {
    case 'hour': return d.toFormat('yyyy-LL-dd HH:mm');
    case 'day': return d.toFormat('yyyy-LL-dd');
    case 'week': return d.toFormat("kkkk-'W'WW");
    case 'month': return d.toFormat('yyyy-LL');
  }
}

/** The end of the bucket starting at `bucket` (exclusive): an hour, or a local day, week or month. */
export function bucketEnd(bucket: Date, by: ReportBy, timeZone: string): Date {
  if (by === 'hour') return new Date(bucket.getTime() + 3_600_000);
  return DateTime.fromJSDate(bucket, { zone: timeZone }).plus({ [`${by}s`]: 1 }).toJSDate();
}

/**
 * The bucket `--explain` names, by its label, in its own unit whatever --by says: 2026-12-01 (a day),
 * 2026-12 (a month), 2026-W49 (a week), 2026-12-01 08:00 (the hour holding that instant). Returns [start, end).
 */
export function parseBucket(input: string, timeZone: string): { from: Date; to: Date } {
  const text = input.trim();
  let start: DateTime | null = null;
  let unit: ReportBy;
  if (/^\d{4}-W\d{2}$/.test(text)) [start, unit] = [DateTime.fromISO(text, { zone: timeZone }), 'week'];
  else if (/^\d{4}-\d{2}$/.test(text)) [start, unit] = [DateTime.fromISO(`${text}-01`, { zone: timeZone }), 'month'];
  else if (dateOnly.test(text)) [start, unit] = [DateTime.fromISO(text, { zone: timeZone }), 'day'];
  else [start, unit] = [DateTime.fromJSDate(parseInstant(text.replace(' ', 'T'), timeZone, '--explain'), { zone: timeZone }), 'hour'];
  if (!start.isValid) throw new UsageError(`--explain "${text.slice(0, 40)}" is not a bucket`, { hint: 'e.g. --explain 2026-12-01 (a day), 2026-12 (a month), 2026-W49, 2026-12-01T08:00 (an hour)', code: 'bad_time' });
  const from = start.startOf(unit);
  return { from: from.toJSDate(), to: from.plus({ [`${unit}s`]: 1 }).toJSDate() };
}

/** Every bucket start of [from, to) in the lot's zone, as PostgreSQL's date_trunc(by, t, zone) cuts them. */
export function bucketStarts(from: Date, to: Date, by: ReportBy, timeZone: string): Date[] {
  const out: Date[] = [];
  let d = by === 'hour'
    ? DateTime.fromJSDate(from, { zone: timeZone }).startOf('hour')
    : DateTime.fromJSDate(from, { zone: timeZone }).startOf(by);
  while (d.toMillis() < to.getTime() && out.length < 20_000) {
    out.push(d.toJSDate());
    d = by === 'hour' ? d.plus({ hours: 1 }) : d.plus({ [`${by}s`]: 1 });
  }
  return out;
}
