// A permit's days and times as people write them: `--days Mon-Fri`, `Mon,Wed,Sat-Sun`; `--times 07:00-19:00`,
// `22:00-06:00` (over midnight), `all`. Weekdays are ISO (1 Mon .. 7 Sun), in the lot's zone.
import { UsageError } from '../errors.js';

const dayNames = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** Mon, mon, Monday: 1; anything else is refused. */
function dayNumber(word: string): number {
  const w = word.trim().toLowerCase();
  const i = w.length >= 3 ? dayNames.findIndex((name) => name.startsWith(w)) : -1;
  if (i < 0) throw new UsageError(`"${word.slice(0, 20)}" is not a weekday`, { hint: 'e.g. --days Mon-Fri or --days Sat,Sun', code: 'bad_days' });
  return i + 1;
}

export function parseDays(input: string): number[] {
  const text = input.trim().toLowerCase();
  if (text === '') throw new UsageError('--days is empty', { hint: 'e.g. --days Mon-Fri', code: 'bad_days' });
  if (text === 'all' || text === 'daily') return [1, 2, 3, 4, 5, 6, 7];
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const [a, b, extra] = part.split('-');
    if (extra !== undefined) throw new UsageError(`"${part.slice(0, 20)}" is not a day or a range of days`, { hint: 'e.g. --days Mon-Fri', code: 'bad_days' });
    const from = dayNumber(a!);
    const to = b === undefined ? from : dayNumber(b);
    // Fri-Mon wraps over the weekend
    for (let d = from, n = 0; n < 7; d = d === 7 ? 1 : d + 1, n++) {
      days.add(d);
      if (d === to) break;
    }
  }
  return [...days].sort((x, y) => x - y);
}

function minuteOf(hhmm: string, end: boolean): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  const h = m ? Number(m[1]) : NaN;
  const min = m ? Number(m[2]) : NaN;
  if (!m || min > 59 || h > 24 || (h === 24 && (min !== 0 || !end))) {
    throw new UsageError(`"${hhmm.slice(0, 20)}" is not a time of day`, { hint: 'e.g. --times 07:00-19:00 (or 22:00-06:00 over midnight)', code: 'bad_times' });
  }
  return h * 60 + min;
}

/** [from, to) minutes after local midnight; from >= to runs over midnight. */
export function parseTimes(input: string): { fromMinute: number; toMinute: number } {
  const text = input.trim().toLowerCase();
  if (text === 'all' || text === 'all day' || text === '00:00-24:00') return { fromMinute: 0, toMinute: 1440 };
  const [a, b, extra] = text.split('-');
  if (b === undefined || extra !== undefined) throw new UsageError(`"${input.slice(0, 20)}" is not a time range`, { hint: 'e.g. --times 07:00-19:00', code: 'bad_times' });
  const fromMinute = minuteOf(a!, false);
  const toMinute = minuteOf(b, true);
  if (fromMinute === toMinute) throw new UsageError(`"${input.slice(0, 20)}" is an empty time range`, { hint: 'for all day: --times all', code: 'bad_times' });
  if (fromMinute === 1440) throw new UsageError('a window cannot start at 24:00', { hint: 'e.g. --times 00:00-06:00', code: 'bad_times' });
  return { fromMinute, toMinute: toMinute === 0 ? 1440 : toMinute };
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

export function formatDays(days: readonly number[]): string {
  if (days.length === 7) return 'every day';
  const names = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const sorted = [...days].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i + 1 ? `${names[sorted[i]! - 1]}-${names[sorted[j]! - 1]}` : sorted.slice(i, j + 1).map((d) => names[d - 1]).join(','));
    i = j;
  }
  return parts.join(',');
}

export function formatTimes(fromMinute: number, toMinute: number): string {
  return fromMinute === 0 && toMinute === 1440 ? 'all day' : `${hhmm(fromMinute)}-${hhmm(toMinute)}`;
}
