// Local wall-clock arithmetic in one IANA time zone, exact across daylight-saving changes.
// We work in UTC milliseconds and only ask the zone for its UTC offset at an instant (luxon's IANAZone caches
// one Intl formatter per zone). Wall time = instant + offset; a "wall day" is floor(wall / 1 day).
import { IANAZone, type Zone } from 'luxon';
import { isKnownZone } from '../time/system-zones.js';
import { UsageError } from '../errors.js';

export const msPerMinute = 60_000;
export const msPerDay = 86_400_000;
/** Bucket width when memoising offsets: no zone changes its offset twice within 6 hours. */
const transitionProbeMs = 6 * 3_600_000;

export interface OffsetSpan {
  /** inclusive, UTC ms */
  fromMs: number;
  /** exclusive, UTC ms */
  toMs: number;
  /** UTC offset in this span, in ms (Europe/London summer: 3_600_000) */
  offsetMs: number;
}

interface BucketOffsets {
  /** offset at the bucket's start, ms */
  startOffsetMs: number;
  /** the instant the offset changes inside the bucket, or null */
  changeMs: number | null;
  /** offset from changeMs to the bucket's end, ms */
  endOffsetMs: number;
}

/** Bounds the per-zone memo: 100k buckets of 6 hours is 68 years. */
const maxCachedBuckets = 100_000;
const clocks = new Map<string, ZoneClock>();

/**
 * Offsets are memoised per 6-hour UTC bucket (asking Intl is the slow part: about 5-20 us a call, and a 7-day
 * quote needs about 30). Assumes no zone changes its offset twice within 6 hours, true of every tzdb zone.
 */
export class ZoneClock {
  private readonly zone: Zone;
  private readonly buckets = new Map<number, BucketOffsets>();

  /** One clock per zone for the life of the process (the memo is only useful when shared). */
  static for(timeZone: string): ZoneClock {
    let clock = clocks.get(timeZone);
    if (!clock) {
      clock = new ZoneClock(timeZone);
      clocks.set(timeZone, clock);
    }
    return clock;
  }

  constructor(readonly timeZone: string) {
    if (!isKnownZone(timeZone)) {
      throw new UsageError(`unknown time zone "${timeZone}"`, { hint: 'use an IANA name such as Europe/London' });
    }
    this.zone = IANAZone.create(timeZone);
  }

  /** UTC offset at an instant, in ms. */
  offsetMs(instantMs: number): number {
    const bucket = this.bucketOffsets(Math.floor(instantMs / transitionProbeMs));
    return bucket.changeMs !== null && instantMs >= bucket.changeMs ? bucket.endOffsetMs : bucket.startOffsetMs;
  }

  /** Local calendar day of an instant, as days since 1970-01-01 (wall clock). */
  wallDay(instantMs: number): number {
    return Math.floor((instantMs + this.offsetMs(instantMs)) / msPerDay);
  }

  /** Splits [fromMs, toMs) where the offset changes. */
  offsetSpans(fromMs: number, toMs: number): OffsetSpan[] {
    const spans: OffsetSpan[] = [];
    let spanStart = fromMs;
    let spanOffset = this.offsetMs(fromMs);
    const lastBucket = Math.floor((toMs - 1) / transitionProbeMs);
    for (let index = Math.floor(fromMs / transitionProbeMs); index <= lastBucket; index++) {
      const bucket = this.bucketOffsets(index);
      for (const [atMs, offsetMs] of [[index * transitionProbeMs, bucket.startOffsetMs], [bucket.changeMs, bucket.endOffsetMs]] as const) {
        if (atMs === null || atMs <= fromMs || atMs >= toMs || offsetMs === spanOffset) continue;
        spans.push({ fromMs: spanStart, toMs: atMs, offsetMs: spanOffset });
        spanStart = atMs;
        spanOffset = offsetMs;
      }
    }
    spans.push({ fromMs: spanStart, toMs, offsetMs: spanOffset });
    return spans;
  }

  /** The first instant in the local day `wallDay` (usually local midnight; later if midnight was skipped). */
  dayStartMs(wallDay: number): number {
    const wallMidnight = wallDay * msPerDay;
    let low = wallMidnight - 15 * 3_600_000;
    let high = wallMidnight + 15 * 3_600_000;
    for (const guessOffset of [this.offsetMs(low), this.offsetMs(high)]) {
      const candidate = wallMidnight - guessOffset;
      if (this.wallDay(candidate) === wallDay && this.wallDay(candidate - 1) < wallDay) return candidate;
    }
    // Midnight does not exist that day (a zone that springs forward at 00:00): bisect for the day's first instant.
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (this.wallDay(mid) >= wallDay) high = mid;
      else low = mid;
    }
    return high;
  }

  private bucketOffsets(index: number): BucketOffsets {
    let bucket = this.buckets.get(index);
    if (bucket) return bucket;
    const fromMs = index * transitionProbeMs;
    const startOffsetMs = this.zoneOffsetMs(fromMs);
    const endOffsetMs = this.zoneOffsetMs(fromMs + transitionProbeMs);
    const changeMs = startOffsetMs === endOffsetMs ? null : this.firstInstantWithOffset(fromMs, fromMs + transitionProbeMs, endOffsetMs);
    bucket = { startOffsetMs, changeMs, endOffsetMs };
    if (this.buckets.size >= maxCachedBuckets) this.buckets.clear();
    this.buckets.set(index, bucket);
    return bucket;
  }

  /** Asks the zone (slow: Intl). */
  private zoneOffsetMs(instantMs: number): number {
    return this.zone.offset(instantMs) * msPerMinute;
  }

  /** Bisects (lowMs, highMs] for the first instant whose offset is `offsetMs`; the offset at lowMs differs. */
  private firstInstantWithOffset(lowMs: number, highMs: number, offsetMs: number): number {
    let low = lowMs;
    let high = highMs;
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (this.zoneOffsetMs(mid) === offsetMs) high = mid;
      else low = mid;
    }
    return high;
  }
}

/** ISO weekday (1 = Monday .. 7 = Sunday) of a wall day; 1970-01-01 was a Thursday. */
export function isoWeekdayOfWallDay(wallDay: number): number {
  return ((((wallDay + 3) % 7) + 7) % 7) + 1;
}

/** YYYY-MM-DD of a wall day. */
export function localDateOfWallDay(wallDay: number): string {
  return new Date(wallDay * msPerDay).toISOString().slice(0, 10);
}
