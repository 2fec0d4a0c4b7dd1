// `parkctl bench reports` (issue 17): a year of a lot's history (set-based, on a scratch copy), then the
// time of each report over it (p50/p99 of N runs), the Reports screen's load-and-draw, and reserve
// throughput with the rollup refresher running beside it against without, in the same run.
// Targets: every report p99 <= 500 ms over a year; the screen <= 1 s; reserve with rollups within 10 %.
import { randomBytes } from 'node:crypto';
import { percentiles } from '../bench/latency.js';
import { runReserveBench, type ReserveBenchOptions } from '../bench/reserve-load.js';
import { loadLot, type Lot } from '../lots/lot.js';
import type { PoolLike } from '../ports.js';
import { generateYear } from '../sql/report-bench.js';
import { cloneLot, dropLot } from '../sql/scratch-lots.js';
import { refreshRollups } from '../sql/reports.js';
import { parseRange } from './range.js';
import { buildReport, type ReportKind } from './reports.js';
import { reportsSummary, type ReportsSummary } from './summary.js';

export interface ReportsBenchOptions {
  lotCode: string;
  /** 1: about 700,000 visits, 250,000 bookings, 5,000,000 events (audit and gate) */
  scale: number;
  samples: number;
  /** seconds of each reserve phase (off, on, off, on) */
  reserveSeconds: number;
  reserveClients: number;
  /**
   * ms between refresher runs while "on" (each does a real refresh's hourly work: 48 hours recomputed over
   * the year's lot). The sweeper does that work once an hour; 1000 is 3600 times as often, 0 back to back.
   */
  refreshEveryMs: number;
  now: Date;
  reserve: Omit<ReserveBenchOptions, 'lotCode' | 'clients' | 'profile' | 'seconds'>;
  /** draws the Reports screen for a summary (the command renders the Ink component); ms are timed around it */
  draw: (summary: ReportsSummary) => void;
  keep?: boolean;
  note: (line: string) => void;
}

export interface TimedQuery { name: string; p50: number; p99: number; max: number; samples: number }

export interface ReportsBenchResult {
  lot: string;
  scratchLot: string;
  scale: number;
  rows: { visits: number; bookings: number; payments: number; events: number; gateEvents: number };
  generateMs: number;
  rollupBuildMs: number;
  reports: TimedQuery[];
  /** the same year's reports with no rollups (every hour from raw rows): one run each, for comparison */
  rawMs: Record<string, number>;
  screen: TimedQuery;
  /** per phase; pgCpuMsPerReservation: CPU of the reserving backends per booking (load-independent; null off-host) */
  reserve: { phase: 'off' | 'on'; perSecond: number; p99: number; reservations: number; pgCpuMsPerReservation: number | null }[];
  /** mean throughput with the refresher on, relative to off (%; negative: slower) */
  reserveChangePercent: number;
  refresherRuns: number;
  refreshEveryMs: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

async function timed(samples: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number; max: number; samples: number }> {
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  const p = percentiles(ms, [50, 99]);
  return { p50: round1(p.p50!), p99: round1(p.p99!), max: round1(Math.max(...ms)), samples };
}

/** The questions timed: a year by day (and by week or month), a week by hour. */
function questions(lot: Lot, now: Date): { name: string; kind: ReportKind; range: ReturnType<typeof parseRange> }[] {
  const year = (by: string) => parseRange({ from: new Date(now.getTime() - 364 * 86_400_000).toISOString().slice(0, 10), by }, lot.timeZone, now, 'day');
  const week = parseRange({ by: 'hour' }, lot.timeZone, now, 'hour');
  return [
    { name: 'revenue, a year by day', kind: 'revenue', range: year('day') },
    { name: 'revenue, a year by month', kind: 'revenue', range: year('month') },
    { name: 'occupancy, a year by day', kind: 'occupancy', range: year('day') },
    { name: 'occupancy, a week by hour', kind: 'occupancy', range: week },
    { name: 'turnover, a year by week', kind: 'turnover', range: year('week') },
    { name: 'no-shows, a year by month', kind: 'no-shows', range: year('month') },
    { name: 'exceptions, a year by day', kind: 'exceptions', range: year('day') },
    { name: 'takings, a year by day', kind: 'takings', range: year('day') },
  ];
}

export async function runReportsBench(pool: PoolLike, reservePool: PoolLike, o: ReportsBenchOptions): Promise<ReportsBenchResult> {
  const source = await loadLot(pool, o.lotCode);
  const scratchCode = `RPTB-${randomBytes(3).toString('hex').toUpperCase()}`;
  const lotId = await cloneLot(pool, source.lotId, scratchCode);
  try {
    const lot = await loadLot(pool, scratchCode);
    const sizes = { visits: Math.round(700_000 * o.scale), bookings: Math.round(250_000 * o.scale), events: Math.round(3_600_000 * o.scale) };
    o.note(`generating a year: ${sizes.visits} visits, ${sizes.bookings} bookings, ${sizes.events} audit events (+2 gate events per visit) ...`);
    let t0 = performance.now();
    const conn = await pool.connect();
    try {
      await generateYear(conn, lotId, new Date(o.now.getTime() - 365 * 86_400_000), o.now, sizes);
    } finally {
      conn.release();
    }
    const generateMs = Math.round(performance.now() - t0);
    const count = async (table: string) => Number((await pool.query<{ n: string }>(`select count(*) as n from ${table} where lot_id = $1::integer`, [lotId])).rows[0]!.n);
    const rows = { visits: await count('visits'), bookings: await count('reservations'), payments: await count('payments'), events: await count('events'), gateEvents: await count('gate_events') };
    o.note(`building the rollups over the year ...`);
    t0 = performance.now();
    await refreshRollups(pool, lotId, o.now, 48, true);
    const rollupBuildMs = Math.round(performance.now() - t0);

    o.note('timing the reports ...');
    const qs = questions(lot, o.now);
    const reports: TimedQuery[] = [];
    for (const q of qs) reports.push({ name: q.name, ...(await timed(o.samples, () => buildReport(pool, lot, q.kind, q.range, null, o.now))) });
    const screen: TimedQuery = { name: 'Reports screen, load and draw', ...(await timed(o.samples, async () => o.draw(await reportsSummary(pool, lot, o.now)))) };

    // the same year read without rollups: move the mark out of the way, then put it back
    const mark = (await pool.query<{ rolled_until: Date }>(`delete from report_rollup_marks where lot_id = $1::integer returning rolled_until`, [lotId])).rows[0]!;
    const rawMs: Record<string, number> = {};
    try {
      for (const q of qs.filter((x) => x.name.includes('a year by day')).slice(0, 2)) {
        const t = performance.now();
        await buildReport(pool, lot, q.kind, q.range, null, o.now);
        rawMs[q.name] = Math.round(performance.now() - t);
      }
    } finally {
      await pool.query(`insert into report_rollup_marks (lot_id, rolled_until, refreshed_at) values ($1::integer, $2::timestamptz, $2::timestamptz)`, [lotId, mark.rolled_until]);
    }

    // Reserve with the refresher off and on, alternating three times (a shared machine drifts; alternating
    // spreads the drift over both). "On" is pessimistic: the hourly work every refreshEveryMs, not hourly.
    o.note(`reserve throughput, rollup refresher off / on x 3 (on: a refresh every ${o.refreshEveryMs} ms) ...`);
    let refresherRuns = 0;
    const reserve: ReportsBenchResult['reserve'] = [];
    // a warm-up run, not counted: the first phase of a run was the slowest whatever it was (cold caches)
    await runReserveBench(reservePool, { ...o.reserve, lotCode: o.lotCode, clients: o.reserveClients, profile: 'spread', seconds: Math.max(1, Math.round(o.reserveSeconds / 2)) });
    for (const phase of ['off', 'on', 'off', 'on', 'off', 'on'] as const) {
      const state = { running: phase === 'on', wake: () => {} };
      const refresher = (async () => {
        while (state.running) {
          const started = performance.now();
          await pool.query(`update report_rollup_marks set rolled_until = rolled_until - interval '1 hour' where lot_id = $1::integer`, [lotId]);
          await refreshRollups(pool, lotId, o.now, 48, false);
          refresherRuns++;
          const rest = o.refreshEveryMs - (performance.now() - started);
          // a bench's pacing, not a test's synchronisation: the phase's end wakes it at once
          if (rest > 0 && state.running) await new Promise<void>((done) => { state.wake = done; setTimeout(done, rest); });
        }
      })();
      try {
        const r = await runReserveBench(reservePool, { ...o.reserve, lotCode: o.lotCode, clients: o.reserveClients, profile: 'spread', seconds: o.reserveSeconds });
        reserve.push({ phase, perSecond: r.perSecond, p99: r.latencyMs.p99!, reservations: r.reservations, pgCpuMsPerReservation: r.cpuMsPerReservation.postgres });
      } finally {
        state.running = false;
        state.wake();
        await refresher;
      }
    }
    const mean = (p: 'on' | 'off') => reserve.filter((r) => r.phase === p).reduce((a, r) => a + r.perSecond, 0) / 3;
    return {
      lot: source.code, scratchLot: scratchCode, scale: o.scale, rows, generateMs, rollupBuildMs, reports, rawMs, screen, reserve,
      reserveChangePercent: round1((100 * (mean('on') - mean('off'))) / Math.max(1, mean('off'))), refresherRuns, refreshEveryMs: o.refreshEveryMs,
    };
  } finally {
    if (!o.keep) {
      o.note('dropping the scratch lot ...');
      for (const t of ['report_visit_hours', 'report_payment_hours', 'report_event_hours', 'report_rollup_marks']) await pool.query(`delete from ${t} where lot_id = $1::integer`, [lotId]);
      await dropLot(pool, lotId);
    }
  }
}
