// `parkctl bench sweep`: one hold-expiry sweep over a large backlog of expired holds, with bookings
// running beside it. Targets: the sweep of 100,000 holds <= 5 s, reserve p99 during it <= 50 ms.
import { loadavg } from 'node:os';
import type { Command } from 'commander';

import { runSweepBench, type SweepBenchResult } from '../core/sweepers/bench-holds.js';
import { createPool } from '../drivers/postgres.js';
import type { Run } from './index.js';
import { wholeNumberOption } from './numbers.js';
import { renderFields } from './output.js';
import { defaultSweepBatch } from '../core/sweepers/jobs.js';


export interface SweepBenchReport extends SweepBenchResult {
  /** 1-minute load average of the machine before and after (a shared machine skews every figure) */
  loadAverage: { before: number; after: number };
}

/** The bench result for people. */
export function renderSweepBench(d: SweepBenchReport, o: { batchSize: number; concurrency: number; kept: boolean }): string {
  return renderFields([
    ['lot', `${d.lot} (scratch copy ${d.scratchLot}${o.kept ? ', kept' : ', dropped'})`],
    ['backlog', `${d.holds} expired holds (written in ${d.setupMs} ms)`],
    ['sweep', `${d.sweep.holdsExpired} expired in ${d.sweep.ms} ms (${Math.round(d.sweep.holdsExpired / Math.max(0.001, d.sweep.ms / 1000))}/s, batch ${o.batchSize}, ${o.concurrency} worker(s)); target <= 5000 ms for 100000`],
    ['left over', `${d.leftOver}${d.leftOver === 0 ? '' : ' NOT SWEPT'}`],
    ['reserve', d.reserve
      ? `${d.reserve.reservations} in ${d.reserve.seconds} s (${d.reserve.perSecond}/s, ${d.reserve.clients} clients): p50 ${d.reserve.latencyMs.p50} ms, p99 ${d.reserve.latencyMs.p99} ms; target p99 <= 50 ms`
      : 'not run (--clients 0)'],
    ...(d.reserve?.during ? [['during the sweep', `${d.reserve.during.reservations} started while it ran: p50 ${d.reserve.during.latencyMs.p50} ms, p99 ${d.reserve.during.latencyMs.p99} ms`] as [string, string]] : []),
    ['load average', `${d.loadAverage.before} before, ${d.loadAverage.after} after (1 min)`],
  ]);
}

interface BenchSweepFlags {
  lot: string;
  holds: string;
  clients: string;
  seconds: string;
  batch: string;
  workers: string;
  keep?: boolean;
}

export function registerBenchSweep(bench: Command, run: Run): void {
  bench.command('sweep')
    .description('time one `sweeper run --holds` over N expired holds on a scratch copy of a lot, with bookings running beside it')
    .requiredOption('--lot <code>', 'lot to copy (its spots and prices)')
    .option('--holds <n>', 'expired holds to create', '100000')
    .option('--clients <n>', 'reserve-bench clients during the sweep (0: none)', '16')
    .option('--seconds <s>', 'how long the reserve bench runs (the sweep starts 1 s after its clients)', '10')
    .option('--batch <n>', 'rows per sweep transaction', String(defaultSweepBatch))
    .option('--workers <n>', 'sweep batches at once', '1')
    .option('--keep', 'keep the scratch lot afterwards')
    .action((o: BenchSweepFlags, cmd: Command) => run(async (ctx) => {
      const holds = wholeNumberOption(o.holds, '--holds', 1);
      const clients = wholeNumberOption(o.clients, '--clients', 0);
      const seconds = wholeNumberOption(o.seconds, '--seconds', 1);
      const batchSize = wholeNumberOption(o.batch, '--batch', 1);
      const concurrency = wholeNumberOption(o.workers, '--workers', 1, 2);
      const shared = await ctx.pool();
      const url = (shared.options as { connectionString?: string }).connectionString!;
      const pool = createPool(url, { max: concurrency + 2, applicationName: 'parkctl-bench-sweep' });
      const reservePool = createPool(url, { max: Math.max(1, clients), applicationName: 'parkctl-bench' });
      ctx.onClose(() => pool.end());
      ctx.onClose(() => reservePool.end());
      const loadBefore = loadavg()[0]!;
      const r = await runSweepBench(pool, reservePool, {
        lotCode: o.lot, holds, clients, reserveSeconds: seconds, leadMs: 1000, batchSize, concurrency, clock: ctx.clock,
        payments: await ctx.payments(), notifier: (await ctx.changeDeps()).notifier, keep: o.keep, note: (t) => ctx.out.note(t),
      });
      const data: SweepBenchReport = { ...r, loadAverage: { before: Math.round(loadBefore * 100) / 100, after: Math.round(loadavg()[0]! * 100) / 100 } };
      ctx.out.result(data, (d) => renderSweepBench(d, { batchSize, concurrency, kept: Boolean(o.keep) }));
    }, cmd));
}
