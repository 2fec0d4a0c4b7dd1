// `parkctl bench api`: reservations/s through the real HTTP API (src/api/bench-load.ts), beside the
// raw-SQL bitmap baseline (/work/shared/baseline: pgbench, no application in between).
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { createPool } from '../drivers/postgres.js';
import type { Run } from './index.js';
import { wholeNumberOption } from './numbers.js';
import { renderFields } from './output.js';

/** The raw-SQL bitmap design driven by pgbench on this class of machine (2 cores, 16 clients), reservations/s. */
const baseline = { spread: '3,500-4,050', rush: 'about 1,600' } as const;

export function registerBenchApi(bench: Command, run: Run): void {
  bench.command('api')
    .description('N HTTP clients (autocannon) reserving through the real API server, on a scratch copy of a lot; the overlap checker after')
    .requiredOption('--lot <code>', 'lot to copy (its spots and prices)')
    .option('--clients <n>', 'concurrent HTTP connections', '64')
    .option('--seconds <s>', 'how long to run', '10')
    .option('--profile <profile>', 'rush (every window overlapping) or spread (a week of varied windows)', 'spread')
    .option('--no-group-commit', 'one statement and commit per reservation')
    .action((o: { lot: string; clients: string; seconds: string; profile: string; groupCommit: boolean }, cmd: Command) => run(async (ctx) => {
      if (o.profile !== 'rush' && o.profile !== 'spread') throw new UsageError(`unknown profile "${o.profile}"`, { hint: 'use --profile rush or --profile spread' });
      const clients = wholeNumberOption(o.clients, '--clients');
      const seconds = wholeNumberOption(o.seconds, '--seconds');
      const shared = await ctx.pool();
      const url = (shared.options as { connectionString?: string }).connectionString!;
      const pool = createPool(url, { max: 16, applicationName: 'parkctl-bench-api' });
      ctx.onClose(() => pool.end());
      const { runApiBench } = await import('../api/bench-load.js');
      const r = await runApiBench(pool, { lotCode: o.lot, clients, seconds, profile: o.profile, groupCommit: o.groupCommit, clock: ctx.clock, payments: await ctx.payments() });
      ctx.out.result({ ...r, baselinePerSecond: baseline[r.profile] }, (d) => renderFields([
        ['lot', `${d.lot} (scratch copy ${d.scratchLot}, dropped)`], ['profile', `${d.profile}, ${d.clients} HTTP clients, ${d.seconds} s, group commit ${d.groupCommit ? 'on' : 'off'}`],
        ['reservations', `${d.reservations} (${d.perSecond}/s)`], ['latency', `p50 ${d.latencyMs.p50} ms, p99 ${d.latencyMs.p99} ms`],
        ['answers', Object.entries(d.byStatus).map(([s, n]) => `${s}: ${n}`).join(', ') || 'none'], ['errors', d.errors],
        ...(d.batches !== null ? [['batches', `${d.batches} statements`] as [string, string]] : []),
        ['overlaps', `${d.overlaps}${d.overlaps === 0 ? ' (invariant holds)' : ' INVARIANT BROKEN'}`],
        ['baseline', `raw-SQL bitmap via pgbench (16 clients, no HTTP): ${d.baselinePerSecond}/s (/work/shared/baseline/README.md; run it beside this for today's figure)`],
      ]));
    }, cmd));
}
