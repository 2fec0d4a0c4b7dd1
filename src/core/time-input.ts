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
