// The one line a sweep prints (cron mails it, logs keep it): what ran, what moved, how long it took.
import type { SweepSummary } from './sweep.js';

/** e.g. `sweep 2026-11-22T08:01:00Z holds expired=12 no-shows=1 overstays=0 in 35 ms` */
export function formatSweepLine(s: SweepSummary): string {
  const parts = [`sweep ${s.at.toISOString().replace(/\.000Z$/, 'Z')}`];
  if (s.lot) parts.push(`lot=${s.lot}`);
  if (s.jobs.includes('holds')) parts.push(`holds expired=${s.holdsExpired}`);
  if (s.jobs.includes('noShows')) parts.push(`no-shows=${s.noShows}${s.refundsDue > 0 ? ` refunds-due=${s.refundsDue}` : ''}`);
  if (s.jobs.includes('overstays')) {
    parts.push(`overstays=${s.overstayAlerts}`);
    if (s.bookingsMoved > 0 || s.bookingsUnplaced > 0) parts.push(`moved=${s.bookingsMoved} no-spot=${s.bookingsUnplaced}`);
  }
  parts.push(`in ${s.ms} ms`);
  return parts.join(' ');
}

/** The --json form: one object per run, on one line (a loop prints JSON lines). */
export function sweepJson(s: SweepSummary): Record<string, unknown> {
  return {
    at: s.at.toISOString(),
    lot: s.lot,
    jobs: s.jobs,
    holdsExpired: s.holdsExpired,
    noShows: s.noShows,
    refundsDue: s.refundsDue,
    overstayAlerts: s.overstayAlerts,
    bookingsMoved: s.bookingsMoved,
    bookingsUnplaced: s.bookingsUnplaced,
    lotsChanged: s.lotsChanged,
    warnings: s.warnings,
    ms: s.ms,
  };
}
