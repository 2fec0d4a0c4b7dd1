// A zone's rules from its TZif file (RFC 8536: the system's tz database, /usr/share/zoneinfo, the one
// PostgreSQL reads on Debian and most Linux systems). Why: asking ICU through Intl.DateTimeFormat costs a
// one-shot command about 20 ms the first time (ICU loads its locale and calendar data), more than all of
// parkctl's own work in `capacity check` (issue 13). The offsets are the same tz database's; the tests hold
// them to ICU's (test/tzif.test.ts).

/** One local time type: UTC offset in seconds, daylight saving or not, and its abbreviation (GMT, BST). */
export interface LocalTimeType {
  utoff: number;
  isdst: boolean;
  abbr: string;
}

/** A POSIX TZ rule (the TZif footer), for instants after the file's last transition. */
interface PosixRule {
  std: LocalTimeType;
  dst: { type: LocalTimeType; start: RuleDate; end: RuleDate } | null;
}

/** Mm.w.d (month, week 1-5 where 5 is the last, weekday 0 = Sunday), Jn (1-365, never Feb 29) or n (0-365); seconds after local midnight. */
type RuleDate =
  | { kind: 'M'; month: number; week: number; weekday: number; time: number }
  | { kind: 'J'; day: number; time: number }
  | { kind: 'N'; day: number; time: number };

export interface ZoneRules {
  /** transition instants, seconds since the epoch, ascending */
  times: number[];
  /** the type in force from each transition on */
  typeAt: number[];
  types: LocalTimeType[];
  footer: PosixRule | null;
}

/** Parses a TZif file (versions 1-4). Null for what it cannot read exactly: not TZif, leap seconds, a footer it does not know. */
export function parseTzif(bytes: Uint8Array): ZoneRules | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = (at: number) => {
    if (bytes.byteLength < at + 44 || String.fromCharCode(...bytes.subarray(at, at + 4)) !== 'TZif') return null;
    const count = (i: number) => view.getUint32(at + 20 + 4 * i);
    return { version: bytes[at + 4]!, isutcnt: count(0), isstdcnt: count(1), leapcnt: count(2), timecnt: count(3), typecnt: count(4), charcnt: count(5) };
  };
  const first = header(0);
  if (!first) return null;
  const blockSize = (h: NonNullable<typeof first>, timeSize: number) =>
    h.timecnt * timeSize + h.timecnt + h.typecnt * 6 + h.charcnt + h.leapcnt * (timeSize + 4) + h.isstdcnt + h.isutcnt;
  let h = first;
  let at = 44;
  let timeSize = 4;
  if (first.version !== 0) {
    const second = header(44 + blockSize(first, 4));
    if (!second) return null;
    h = second;
    at = 44 + blockSize(first, 4) + 44;
    timeSize = 8;
  }
  if (h.leapcnt !== 0 || h.typecnt === 0 || bytes.byteLength < at + blockSize(h, timeSize)) return null;
  const times: number[] = [];
  for (let i = 0; i < h.timecnt; i++) times.push(timeSize === 8 ? Number(view.getBigInt64(at + 8 * i)) : view.getInt32(at + 4 * i));
  at += h.timecnt * timeSize;
  const typeAt = Array.from(bytes.subarray(at, at + h.timecnt));
  at += h.timecnt;
  const chars = at + h.typecnt * 6;
  const types: LocalTimeType[] = [];
  for (let i = 0; i < h.typecnt; i++) {
    const idx = bytes[at + 6 * i + 5]!;
    let end = chars + idx;
    while (end < chars + h.charcnt && bytes[end] !== 0) end++;
    types.push({ utoff: view.getInt32(at + 6 * i), isdst: bytes[at + 6 * i + 4] === 1, abbr: String.fromCharCode(...bytes.subarray(chars + idx, end)) });
  }
  if (typeAt.some((t) => t >= types.length)) return null;
  at = 44 + blockSize(first, 4) + (first.version !== 0 ? 44 + blockSize(h, 8) : 0);
  let footer: PosixRule | null = null;
  if (first.version !== 0) {
    const text = String.fromCharCode(...bytes.subarray(at));
    const m = /^\n([^\n]*)\n/.exec(text);
    if (!m) return null;
    if (m[1] !== '') {
      footer = parsePosixTz(m[1]!);
      if (!footer) return null;
    }
  }
  return { times, typeAt, types, footer };
}

/** The local time type in force at `seconds` since the epoch. */
export function typeAtInstant(rules: ZoneRules, seconds: number): LocalTimeType {
  const { times, typeAt, types, footer } = rules;
  if (times.length === 0 || seconds < times[0]!) {
    return times.length === 0 && footer ? footerType(footer, seconds) : types[0]!;
  }
  if (seconds >= times[times.length - 1]! && footer) return footerType(footer, seconds);
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid]! <= seconds) lo = mid;
    else hi = mid - 1;
  }
  return types[typeAt[lo]!]!;
}

function footerType(rule: PosixRule, seconds: number): LocalTimeType {
  if (!rule.dst) return rule.std;
  const { type: dst, start, end } = rule.dst;
  // both transitions in the year standard time reads at this instant; where the rule starts after it ends
  // (the southern hemisphere) daylight time is outside [end, start) instead of inside [start, end)
  const year = new Date((seconds + rule.std.utoff) * 1000).getUTCFullYear();
  const startUtc = ruleInstant(start, year) - rule.std.utoff;
  const endUtc = ruleInstant(end, year) - dst.utoff;
  const inDst = startUtc < endUtc ? seconds >= startUtc && seconds < endUtc : !(seconds >= endUtc && seconds < startUtc);
  return inDst ? dst : rule.std;
}

/** Seconds since the epoch of the rule's local date and time in `year`, read as if UTC. */
function ruleInstant(d: RuleDate, year: number): number {
  let day: number;
  if (d.kind === 'M') {
    const firstOfMonth = Date.UTC(year, d.month - 1, 1) / 86_400_000;
    const firstWeekday = (new Date(firstOfMonth * 86_400_000).getUTCDay() + 7) % 7;
    day = firstOfMonth + ((d.weekday - firstWeekday + 7) % 7) + (d.week - 1) * 7;
    const daysInMonth = new Date(Date.UTC(year, d.month, 0)).getUTCDate();
    while (day >= firstOfMonth + daysInMonth) day -= 7;
  } else {
    const jan1 = Date.UTC(year, 0, 1) / 86_400_000;
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    day = d.kind === 'N' ? jan1 + d.day : jan1 + d.day - 1 + (leap && d.day >= 60 ? 1 : 0);
  }
  return day * 86_400 + d.time;
}

/** std offset [dst [offset] [,start[/time],end[/time]]], as in the TZif footer (RFC 8536 section 3.3). */
export function parsePosixTz(tz: string): PosixRule | null {
  let i = 0;
  const name = (): string | null => {
    if (tz[i] === '<') {
      const close = tz.indexOf('>', i);
      if (close < 0) return null;
      const n = tz.slice(i + 1, close);
      i = close + 1;
      return n;
    }
    const m = /^[A-Za-z]{3,}/.exec(tz.slice(i));
    if (!m) return null;
    i += m[0].length;
    return m[0];
  };
  /** [+-]hh[:mm[:ss]] in seconds; hours up to 167 (the footer's extension) */
  const duration = (): number | null => {
    const m = /^([+-]?)(\d{1,3})(?::(\d{2}))?(?::(\d{2}))?/.exec(tz.slice(i));
    if (!m || Number(m[2]) > 167) return null;
    i += m[0].length;
    const s = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    return m[1] === '-' ? -s : s;
  };
  const stdName = name();
  const stdOffset = stdName === null ? null : duration();
  if (stdName === null || stdOffset === null) return null;
  const std: LocalTimeType = { utoff: 0 - stdOffset || 0, isdst: false, abbr: stdName };
  if (i === tz.length) return { std, dst: null };
  const dstName = name();
  if (dstName === null) return null;
  let dstUtoff = std.utoff + 3600;
  if (tz[i] !== ',' && i < tz.length) {
    const off = duration();
    if (off === null) return null;
    dstUtoff = 0 - off || 0;
  }
  const date = (): RuleDate | null => {
    let m: RegExpExecArray | null;
    let d: RuleDate;
    const rest = tz.slice(i);
    if ((m = /^M(\d{1,2})\.(\d)\.(\d)/.exec(rest))) {
      const [month, week, weekday] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (month < 1 || month > 12 || week < 1 || week > 5 || weekday > 6) return null;
      d = { kind: 'M', month, week, weekday, time: 7200 };
    } else if ((m = /^J(\d{1,3})/.exec(rest))) {
      if (Number(m[1]) < 1 || Number(m[1]) > 365) return null;
      d = { kind: 'J', day: Number(m[1]), time: 7200 };
    } else if ((m = /^(\d{1,3})/.exec(rest))) {
      if (Number(m[1]) > 365) return null;
      d = { kind: 'N', day: Number(m[1]), time: 7200 };
    } else {
      return null;
    }
    i += m[0].length;
    if (tz[i] === '/') {
      i++;
      const t = duration();
      if (t === null) return null;
      d.time = t;
    }
    return d;
  };
  if (tz[i] !== ',') return null; // a dst name with no rule: the footer always gives one
  i++;
  const start = date();
  if (!start || tz[i] !== ',') return null;
  i++;
  const end = date();
  if (!end || i !== tz.length) return null;
  return { std, dst: { type: { utoff: dstUtoff, isdst: true, abbr: dstName }, start, end } };
}
