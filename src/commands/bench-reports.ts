// `parkctl bench reports`: a year for a lot (the 2,000-spot garage by default), each report timed over it,
// the Reports screen drawn, reserve throughput with the rollup refresher on and off (core/reports/bench.ts).
import { loadavg } from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { runReportsBench, type ReportsBenchResult } from '../core/reports/bench.js';
import { createPool } from '../drivers/postgres.js';
import type { Run } from './index.js';
import { wholeNumberOption } from './numbers.js';
import { renderFields, renderTable } from './output.js';

function render(d: ReportsBenchResult & { loadAverage: { before: number; after: number } }): string {
  const ok = (v: number, target: number) => (v <= target ? 'ok' : 'OVER TARGET');
  return [
    renderFields([
      ['lot', `${d.lot} (scratch copy ${d.scratchLot}), scale ${d.scale}`],
      ['year', `${d.rows.visits} visits, ${d.rows.bookings} bookings, ${d.rows.payments} payments, ${d.rows.events} events + ${d.rows.gateEvents} gate events (generated in ${d.generateMs} ms)`],
      ['rollups', `built over the year in ${d.rollupBuildMs} ms`],
      ['load average', `${d.loadAverage.before} before, ${d.loadAverage.after} after (1 min; a shared machine skews every figure)`],
    ]),
    '',
    renderTable([...d.reports, d.screen], [
      { header: 'query', value: (r) => r.name }, { header: 'p50 ms', value: (r) => r.p50, align: 'right' }, { header: 'p99 ms', value: (r) => r.p99, align: 'right' },
      { header: 'runs', value: (r) => r.samples, align: 'right' }, { header: 'target', value: (r) => (r === d.screen ? `<= 1000 ${ok(r.p99, 1000)}` : `<= 500 ${ok(r.p99, 500)}`) },
    ]),
    '',
    `without rollups (raw rows, one run): ${Object.entries(d.rawMs).map(([k, v]) => `${k} ${v} ms`).join('; ')}`,
    '',
    renderTable(d.reserve, [
      { header: 'refresher', value: (r) => r.phase }, { header: 'reservations', value: (r) => r.reservations, align: 'right' },
      { header: 'per second', value: (r) => r.perSecond, align: 'right' }, { header: 'p99 ms', value: (r) => r.p99, align: 'right' },
      { header: 'pg cpu ms/res', value: (r) => r.pgCpuMsPerReservation ?? '?', align: 'right' },
    ]),
    `reserve with the refresher on: ${d.reserveChangePercent > 0 ? '+' : ''}${d.reserveChangePercent} % against off (${d.refresherRuns} refresher runs, ${d.refreshEveryMs === 0 ? 'back to back' : `one every ${d.refreshEveryMs} ms`}, each the hourly work); target within 10 %`,
  ].join('\n');
}

export function registerBenchReports(bench: Command, run: Run): void {
  bench.command('reports')
    .description('a year of history on a scratch copy of a lot: each report timed, the Reports screen drawn, reserve with the rollups on and off')
    .option('--lot <code>', 'lot to copy (its spots): the 2,000-spot garage fixture', 'CITY-GARAGE')
    .option('--scale <x>', 'share of a full year (1: ~700,000 visits, 250,000 bookings, 5,000,000 events)', '1')
    .option('--samples <n>', 'runs of each report', '20')
    .option('--seconds <s>', 'seconds of each of the six reserve phases (off, on, three times)', '10')
    .option('--clients <n>', 'reserve clients', '16')
    .option('--refresh-every <ms>', 'while the refresher is on, ms between its runs (each does the hourly work; 0: back to back)', '1000')
    .option('--keep', 'keep the scratch lot afterwards')
    .action((o: { lot: string; scale: string; samples: string; seconds: string; clients: string; refreshEvery: string; keep?: boolean }, cmd: Command) => run(async (ctx) => {
      const scale = Number(o.scale);
      if (!/^\d*\.?\d+$/.test(o.scale.trim()) || !(scale > 0 && scale <= 5)) throw new UsageError(`--scale "${o.scale.slice(0, 20)}" is not a number above 0 and at most 5`, { hint: 'e.g. --scale 0.05', code: 'bad_option' });
      const samples = wholeNumberOption(o.samples, '--samples');
      const seconds = wholeNumberOption(o.seconds, '--seconds');
      const clients = wholeNumberOption(o.clients, '--clients');
      const refreshEveryMs = wholeNumberOption(o.refreshEvery, '--refresh-every', 0);
      const shared = await ctx.pool();
      const url = (shared.options as { connectionString?: string }).connectionString!;
      const pool = createPool(url, { max: 4, applicationName: 'parkctl-bench-reports' });
      const reservePool = createPool(url, { max: clients, applicationName: 'parkctl-bench' });
      ctx.onClose(() => pool.end());
      ctx.onClose(() => reservePool.end());
      const { drawReportsScreen } = await import('./bench-reports-screen.js');
      const before = loadavg()[0]!;
      const r = await runReportsBench(pool, reservePool, {
        lotCode: o.lot, scale, samples, reserveSeconds: seconds, reserveClients: clients, refreshEveryMs, now: ctx.clock.now(), keep: o.keep,
        reserve: { clock: ctx.clock, payments: await ctx.payments(), notifier: (await ctx.changeDeps()).notifier },
        draw: drawReportsScreen,
        note: (t) => ctx.out.note(t),
      });
      const data = { ...r, loadAverage: { before: Math.round(before * 100) / 100, after: Math.round(loadavg()[0]! * 100) / 100 } };
      ctx.out.result(data, render);
    }, cmd));
}
