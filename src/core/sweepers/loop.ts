// `sweeper run --every 60s`: run, wait out the rest of the interval, run again, until the signal aborts.
// A stop request never interrupts a run (its batches commit or roll back whole); it ends the wait.
import { setTimeout as sleep } from 'node:timers/promises';

export interface RepeatOptions {
  /** ms from the start of one run to the start of the next (a run longer than this is followed at once) */
  everyMs: number;
  signal: AbortSignal;
  /** one run; what it throws ends the loop */
  run: () => Promise<void>;
  /** ms since some origin; performance.now by default (tests pass their own) */
  nowMs?: () => number;
}

/** Returns the number of runs done. */
export async function repeatEvery(o: RepeatOptions): Promise<number> {
  const nowMs = o.nowMs ?? (() => performance.now());
  let runs = 0;
  while (!o.signal.aborted) {
    const started = nowMs();
    await o.run();
    runs++;
    const waitMs = Math.max(0, o.everyMs - (nowMs() - started));
    try {
      await sleep(waitMs, undefined, { signal: o.signal });
    } catch (err) {
      if ((err as Error).name === 'AbortError') break;
      throw err;
    }
  }
  return runs;
}

/** The longest `--every`: a day. Node's timers hold at most 2^31 - 1 ms (24.8 days) and fire at once past it. */
export const maxIntervalMs = 24 * 3_600_000;

/**
 * "60s", "15m", "1h" or "500ms" -> ms; null when it is not one of those. A bare number is refused
 * (issue 13: `--every 1` read as one second surprised people who meant a minute or an hour).
 */
export function parseIntervalMs(text: string): number | null {
  const m = /^(\d{1,12})(ms|s|m|h)$/.exec(text.trim());
  if (!m) return null;
  const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unitMs;
}
