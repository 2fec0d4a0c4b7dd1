// `parkctl bench api`: reservations/s (or availability answers/s) through the real HTTP API server, run
// as its own process(es) (src/api/bench-load.ts), beside the raw-SQL bitmap baseline (bench/baseline:
// pgbench on a scratch database of the same server, no application in between) in the same run.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { addMachineCpu, machineCpuReport } from '../drivers/machine-cpu.js';
import { createPool } from '../drivers/postgres.js';
import type { Run } from './index.js';
import { wholeNumberOption } from './numbers.js';
import { renderFields } from './output.js';

const percent = (share: number) => `${Math.round(share * 100)}%`;

interface BenchApiOptions {
  lot: string;
  clients: string;
  seconds: string;
  profile: string;
  groupCommit: boolean;
  batchesInFlight?: string;
  workers: string;
  baseline: boolean;
  baselineClients: string;
  cpuProf?: string;
}

export function registerBenchApi(bench: Command, run: Run): void {
  bench.command('api')
    .description('N HTTP clients (autocannon) against `parkctl api serve` in its own process(es), on a scratch copy of a lot; the overlap checker after; the raw-SQL baseline beside it')
    .requiredOption('--lot <code>', 'lot to copy (its spots and prices)')
    .option('--clients <n>', 'concurrent HTTP connections', '64')
    .option('--seconds <s>', 'how long to run', '10')
    .option('--profile <profile>', 'spread (a week of varied windows), rush (every window overlapping), availability (GET free count and price of 360 popular windows) or availability-spread (of the spread windows)', 'spread')
    .option('--workers <n>', 'API processes (api serve --workers); on a 2-core machine one batches best: two split every batch in half and cost more CPU per booking', '1')
    .option('--no-group-commit', 'one statement and commit per reservation')
    .option('--batches-in-flight <n>', 'group-commit statements at once in each API process (api serve --batches-in-flight; default 1)')
    .option('--no-baseline', 'skip the raw-SQL bitmap baseline (pgbench)')
    .option('--baseline-clients <n>', 'pgbench clients for the baseline', '16')
    .option('--cpu-prof <dir>', 'write the server processes\' CPU profiles (node --cpu-prof) to this directory')
    .action((o: BenchApiOptions, cmd: Command) => run(async (ctx) => {
      if (o.profile !== 'rush' && o.profile !== 'spread' && o.profile !== 'availability' && o.profile !== 'availability-spread') throw new UsageError(`unknown profile "${o.profile}"`, { hint: 'use --profile spread, rush, availability or availability-spread' });
      const profile = o.profile;
      const clients = wholeNumberOption(o.clients, '--clients');
      const seconds = wholeNumberOption(o.seconds, '--seconds');
      const workers = wholeNumberOption(o.workers, '--workers', 1, 2);
      const baselineClients = wholeNumberOption(o.baselineClients, '--baseline-clients');
      const batchesInFlight = o.batchesInFlight === undefined ? undefined : wholeNumberOption(o.batchesInFlight, '--batches-in-flight', 1, 2, 8);
      const shared = await ctx.pool();
      const url = (shared.options as { connectionString?: string }).connectionString!;
      const pool = createPool(url, { max: 4, applicationName: 'parkctl-bench-api' });
      ctx.onClose(() => pool.end());
      const { runApiBench } = await import('../api/bench-load.js');
      // the baseline right before the API run and right after it: the machine's load drifts, the mean is fairer
      const baselineProfile = profile === 'rush' ? 'rush' : 'spread';
      const runBaselineOnce = async () => {
        if (!o.baseline || profile.startsWith('availability')) return null;
        const { prepareBaseline, runBaseline } = await import('../drivers/pgbench-baseline.js');
        const db = await prepareBaseline(url);
        try {
          return await runBaseline(db.url, baselineProfile, seconds, baselineClients);
        } finally {
          await db.drop();
        }
      };
      const before = await runBaselineOnce();
      const r = await runApiBench(pool, { lotCode: o.lot, clients, seconds, profile, groupCommit: o.groupCommit, batchesInFlight, workers, clock: ctx.clock, databaseUrl: url, cpuProfileDir: o.cpuProf });
      const after = await runBaselineOnce();
      // the baseline's machine figures only beside the API's: both or neither (PostgreSQL on this host)
      const baselineMachine = r.machine ? addMachineCpu([before?.machine ?? null, after?.machine ?? null]) : null;
      const baseline = before && after ? {
        perSecond: Math.round((before.perSecond + after.perSecond) / 2), runs: [before.perSecond, after.perSecond],
        overlaps: before.overlaps + after.overlaps, command: before.command,
        machine: baselineMachine ? machineCpuReport(baselineMachine, before.transactions + after.transactions) : null,
      } : null;
      const ratio = baseline && baseline.perSecond > 0 ? Math.round((r.perSecond / baseline.perSecond) * 100) / 100 : null;
      const what = profile.startsWith('availability') ? 'answers' : 'reservations';
      ctx.out.result({ ...r, baseline, ratio }, (d) => renderFields([
        ['lot', `${d.lot} (scratch copy ${d.scratchLot}, dropped)`],
        ['profile', `${d.profile}, ${d.clients} HTTP clients, ${d.seconds} s, ${d.workers} API process${d.workers === 1 ? '' : 'es'}, group commit ${d.groupCommit ? 'on' : 'off'}`],
        [what, `${d.reservations} (${d.perSecond}/s)`], ['latency', `p50 ${d.latencyMs.p50} ms, p90 ${d.latencyMs.p90} ms, p99 ${d.latencyMs.p99} ms, max ${d.latencyMs.max} ms`],
        ['answers', Object.entries(d.byStatus).map(([s, n]) => `${s}: ${n}`).join(', ') || 'none'], ['errors', d.errors],
        ['cpu', `${d.cpuMsPer.server ?? '?'} ms API + ${d.cpuMsPer.postgres ?? '?'} ms postgres per ${profile.startsWith('availability') ? 'answer' : 'reservation'} (load generator ${d.cpuMsPer.loadGenerator} ms)`],
        ...(d.machine ? [['machine', `${percent(d.machine.busyShare)} of ${d.machine.cpus} CPUs busy (PostgreSQL's backends ${percent(d.machine.postgresCpus)} of one), ${d.machine.cpuMsPer} ms CPU per ${profile.startsWith('availability') ? 'answer' : 'reservation'} (every process and the kernel)`] as [string, string]] : []),
        // availability answers only read: no batch to report
        ...(d.batching && what === 'reservations' ? [['group commit', `${d.batching.batches} statements, ${d.batching.calls} reservations (${d.batching.batches > 0 ? Math.round((d.batching.calls / d.batching.batches) * 10) / 10 : 0} a statement), ${d.batching.setBased} set-based, ${d.batching.fallbacks} fallbacks`] as [string, string]] : []),
        ['overlaps', `${d.overlaps}${d.overlaps === 0 ? ' (invariant holds)' : ' INVARIANT BROKEN'}`],
        ...(d.baseline ? [
          ['baseline', `raw-SQL bitmap via pgbench (${baselineClients} clients, no HTTP): ${d.baseline.perSecond}/s (before ${d.baseline.runs[0]}, after ${d.baseline.runs[1]}; overlaps ${d.baseline.overlaps})`] as [string, string],
          ...(d.baseline.machine ? [['baseline machine', `${percent(d.baseline.machine.busyShare)} of ${d.baseline.machine.cpus} CPUs busy, ${d.baseline.machine.cpuMsPer} ms CPU per booking`] as [string, string]] : []),
          ['ratio', `${d.ratio}x the baseline`] as [string, string],
        ] : []),
      ]));
    }, cmd));
}
