// Pure text formatting for the dashboard. Renders are frequent (every second for countdowns), so
// Intl formatters are built once per time zone and reused.
import { escapeControlCharacters } from '../core/control-characters.js';

const clockFormatters = new Map<string, Intl.DateTimeFormat>();

/** "14:05" (or "14:05:09" with seconds) in the lot's time zone, 24-hour. */
export function formatClock(at: Date, timeZone: string, withSeconds = false): string {
  const cacheKey = `${timeZone}|${withSeconds ? 's' : 'm'}`;
  let formatter = clockFormatters.get(cacheKey);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      ...(withSeconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
    });
    clockFormatters.set(cacheKey, formatter);
  }
  return formatter.format(at);
}

/** mm:ss until a deadline, "expired" once it has passed. Minutes may exceed 59 ("75:00"). */
export function formatCountdown(remainingMs: number): string {
  if (remainingMs <= 0) return 'expired';
  const totalSeconds = Math.ceil(remainingMs / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`;
}

/** "in 12m", "now", "late 3m": how an arrival's start relates to now, to the minute. */
export function formatRelativeStart(startMs: number, nowMs: number): string {
  const minutes = Math.round((startMs - nowMs) / 60_000);
  if (minutes === 0) return 'now';
  return minutes > 0 ? `in ${minutes}m` : `late ${-minutes}m`;
}

/** The message of whatever an action rejected with, plus its hint when it has one (UserError). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const hint = (error as { hint?: unknown }).hint;
    const message = error.message || error.name;
    return escapeControlCharacters(typeof hint === 'string' && hint !== '' ? `${message} (${hint})` : message);
  }
  return escapeControlCharacters(String(error));
}

/** Cut text to `width` columns with an ellipsis; the panels never wrap. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

const counts = new Intl.NumberFormat('en-GB');

/** "3,000": counts on screen are grouped, so a big one reads at a glance. */
export function formatCount(n: number): string {
  return counts.format(n);
}

const uuid = /\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/**
 * A result or error as the message line says it: ids cut to their first 8 characters (enough to find
 * them, as `/` takes a prefix), and a hint's command line left out (on the dashboard a key does it).
 */
export function screenMessage(text: string): string {
  return text.replace(uuid, '$1').replace(/[:;,]?\s*(e\.g\.\s*)?parkctl [^()]*(?=\)$)/, '').replace(/ \(\)$/, '');
}

/**
 * `text` in at most `maxLines` lines of `width`, broken between words where it can; only the last
 * line is cut (with …). The point of a message comes first, so its first lines are what matter.
 */
export function wrapLines(text: string, width: number, maxLines: number): string[] {
  if (width <= 0) return [''];
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width && lines.length < maxLines - 1) {
    const space = rest.lastIndexOf(' ', width);
    const cut = space > width / 2 ? space : width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  lines.push(truncate(rest, width));
  return lines;
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** "14:05" on the day of `now` (lot's zone), else "4 Mar 14:05": a time on another day never reads as today's. */
export function formatWhen(at: Date, now: Date, timeZone: string): string {
  let day = dayFormatters.get(timeZone);
  if (!day) {
    day = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' });
    dayFormatters.set(timeZone, day);
  }
  const date = day.format(at);
  return date === day.format(now) ? formatClock(at, timeZone) : `${date} ${formatClock(at, timeZone)}`;
}
