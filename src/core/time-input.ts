// Times as people type them at a terminal (issue 13), read in the lot's zone: `2026-12-05 08:00`,
// `08:00` (today), `tomorrow 08:00`, `+2h`, `+1h30m`, `now`, and ISO 8601 as before. Files and the API
// keep to ISO 8601 (parseInstant); this is for flags. A wall time the clocks skip is refused here too.
import { DateTime } from 'luxon';
import { UsageError } from './errors.js';
import { parseInstant } from './input.js';

export const timeExamples = '2026-12-05 08:00, 08:00 (today), tomorrow 08:00, +2h, now, or ISO 8601';

const units: Record<string, 'days' | 'hours' | 'minutes'> = { d: 'days', h: 'hours', m: 'minutes', min: 'minutes' };

/** "+2h", "+1h30m", "+90m", "+1d": a whole duration, or null. */
function relative(text: string): { days: number; hours: number; minutes: number } | null {
  const m = /^\+((?:\d{1,4}(?:d|h|min|m))+)$/.exec(text);
  if (!m) return null;
  const d = { days: 0, hours: 0, minutes: 0 };
  for (const [, n, u] of m[1]!.matchAll(/(\d{1,4})(d|h|min|m)/g)) d[units[u!]!] += Number(n);
  return d;
}

export interface TimeContext {
  /** the program's clock (--now) */
  now: Date;
  /** what a "+2h" counts from (--to counts from --from); now when absent */
  base?: Date;
  /** the words a "+2h" counts from, for the message: "now", "--from" */
  baseName?: string;
}

/** A time flag: `what` names it in messages ("--from"). UsageError (exit 2) for anything else. */
export function parseTime(input: string, timeZone: string, what: string, at: TimeContext): Date {
  const text = input.trim().toLowerCase().replace(/\s+/g, ' ');
  if (text === 'now') return at.now;
  const rel = relative(text);
  if (rel) {
    const base = at.base ?? at.now;
    const out = DateTime.fromJSDate(base, { zone: timeZone }).plus(rel);
    if (!out.isValid || out.year > 9999) throw new UsageError(`${what} "${input}" is too far from ${at.baseName ?? 'now'}`, { hint: `e.g. ${what} +2h`, code: 'bad_time' });
    return out.toJSDate();
  }
  // "08:00", "today 08:00", "tomorrow 8:30": a wall time in the lot's zone on that day
  const day = /^(?:(today|tomorrow|yesterday) )?(\d{1,2}):(\d{2})$/.exec(text);
  if (day) {
    const [, word, hh, mm] = day;
    const date = DateTime.fromJSDate(at.now, { zone: timeZone }).plus({ days: word === 'tomorrow' ? 1 : word === 'yesterday' ? -1 : 0 });
    if (Number(hh) > 23 || Number(mm) > 59) throw badTime(input, what);
    return parseInstant(`${date.toISODate()}T${hh!.padStart(2, '0')}:${mm}`, timeZone, what);
  }
  // "2026-12-05 08:00": ISO with a space, as psql prints and people type
  const spaced = /^(\d{4}-\d{2}-\d{2}) (\d{1,2}:\d{2}(?::\d{2})?)$/.exec(text);
  if (spaced) return parseInstant(`${spaced[1]}T${spaced[2]!.padStart(5, '0')}`, timeZone, what);
  try {
    return parseInstant(input, timeZone, what);
  } catch (err) {
    if (err instanceof UsageError && /is not a date and time/.test(err.message)) throw badTime(input, what);
    throw err;
  }
}

function badTime(input: string, what: string): UsageError {
  return new UsageError(`${what} "${input}" is not a date and time`, { hint: `use ${timeExamples} (lot time unless it has a zone)`, code: 'bad_time' });
}

export const dayExamples = 'today, tomorrow, yesterday, 2026-12-05, or ISO 8601';

/**
 * A date flag (a day in the lot's zone): `today`, `tomorrow`, `yesterday`, `2026-12-05`, or any time
 * parseTime reads (`tomorrow 08:00`, ISO: its day in the lot's zone). Returns YYYY-MM-DD. UsageError (exit 2) for anything else.
 */
export function parseDay(input: string, timeZone: string, what: string, now: Date): string {
  const text = input.trim().toLowerCase();
  const words: Record<string, number> = { today: 0, tomorrow: 1, yesterday: -1 };
  if (text in words) return DateTime.fromJSDate(now, { zone: timeZone }).plus({ days: words[text]! }).toISODate()!;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const d = DateTime.fromISO(text, { zone: timeZone });
    if (d.isValid) return text;
  } else {
    // a time as parseTime reads it ("tomorrow 08:00", ISO): its day in the lot's zone
    try {
      return DateTime.fromJSDate(parseTime(input, timeZone, what, { now }), { zone: timeZone }).toISODate()!;
    } catch {
      // the date message below
    }
  }
  throw new UsageError(`${what} "${input.slice(0, 40)}" is not a date`, { hint: `use ${dayExamples} (lot time)`, code: 'bad_date' });
}

/**
 * A time flag that may also be just a day (a permit's first day): what parseTime reads, or `today`,
 * `tomorrow`, `yesterday` (the start of that day in the lot's zone).
 */
export function parseTimeOrDay(input: string, timeZone: string, what: string, at: TimeContext): Date {
  const text = input.trim().toLowerCase();
  if (text === 'today' || text === 'tomorrow' || text === 'yesterday') {
    return parseInstant(parseDay(text, timeZone, what, at.now), timeZone, what);
  }
  try {
    return parseTime(input, timeZone, what, at);
  } catch (err) {
    if (err instanceof UsageError && err.code === 'bad_time' && /is not a date and time/.test(err.message)) {
      throw new UsageError(err.message, { hint: `use ${dayExamples.replace(', or ISO 8601', '')}, ${timeExamples} (lot time unless it has a zone)`, code: 'bad_time' });
    }
    throw err;
  }
}
