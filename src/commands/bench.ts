import type { Command } from 'commander';
import { runReserveBench, type LoadProfile } from '../core/bench/reserve-load.js';
import { citusVersion } from '../core/citus/cluster.js';
import { UsageError } from '../core/errors.js';
import { CitusLotRoutes } from '../drivers/citus-lot-routes.js';
import { createPool } from '../drivers/postgres.js';
import type { Run } from './index.js';
import { wholeNumberOption } from './numbers.js';
import { registerBenchApi } from './bench-api.js';
import { registerBenchEv } from './bench-ev.js';
import { registerBenchGate } from './bench-gate.js';
import { registerBenchPrice } from './bench-price.js';
import { registerBenchReports } from './bench-reports.js';
import { registerBenchScale } from './bench-scale.js';
import { registerBenchSensors } from './bench-sensors.js';
import { registerBenchSweep } from './bench-sweep.js';
import { renderFields } from './output.js';


export function registerBench(program: Command, run: Run): void {
  const bench = program.command('bench').description('measure parkctl on this machine (nothing here is a test)');

  registerBenchApi(bench, run);
  registerBenchEv(bench, run);
  registerBenchGate(bench, run);
  registerBenchPrice(bench, run);
  registerBenchReports(bench, run);
  registerBenchScale(bench, run);
  registerBenchSensors(bench, run);
  registerBenchSweep(bench, run);

  bench.command('reserve')
    .description('N concurrent connections reserving through the real core path, on a scratch copy of a lot')
    .requiredOption('--lot <code>', 'lot to copy (its spots and prices)')
    .option('--clients <n>', 'concurrent connections', '16')
    .option('--profile <profile>', 'rush (every window overlapping) or spread (a week of varied windows)', 'spread')
    .option('--seconds <s>', 'how long to run', '10')
    .option('--keep', 'keep the scratch lot afterwards')
    .option('--route <route>', "on Citus: 'worker' sends each booking to the lot's worker, 'coordinator' through the coordinator", 'worker')
    .action((o: { lot: string; clients: string; profile: string; seconds: string; keep?: boolean; route: string }, cmd: Command) => run(async (ctx) => {
      if (o.profile !== 'rush' && o.profile !== 'spread') throw new UsageError(`unknown profile "${o.profile}"`, { hint: 'use --profile rush or --profile spread' });
      if (o.route !== 'worker' && o.route !== 'coordinator') throw new UsageError(`unknown route "${o.route}"`, { hint: 'use --route worker or --route coordinator' });
      const clients = wholeNumberOption(o.clients, '--clients');
      const seconds = wholeNumberOption(o.seconds, '--seconds');
      const shared = await ctx.pool(); // starts/migrates the embedded server when there is no DATABASE_URL
      const url = (shared.options as { connectionString?: string }).connectionString!;
      const pool = createPool(url, { max: clients, applicationName: 'parkctl-bench' });
      ctx.onClose(() => pool.end());
      const routes = o.route === 'worker' && (await citusVersion(pool)) !== null ? new CitusLotRoutes(shared, { url, max: clients, applicationName: 'parkctl-bench' }) : undefined;
      if (routes) ctx.onClose(() => routes.end());
      const r = await runReserveBench(pool, { lotCode: o.lot, clients, profile: o.profile as LoadProfile, seconds, clock: ctx.clock, payments: await ctx.payments(), notifier: (await ctx.changeDeps()).notifier, keep: o.keep, lotRoutes: routes });
      // on Citus, how the allocator calls went: to the lot's worker, or through the coordinator
      const route = routes ? { ...routes.counts } : null;
      ctx.out.result({ ...r, route }, (d) => renderFields([
        ['lot', `${d.lot} (scratch copy ${d.scratchLot}${o.keep ? ', kept' : ', dropped'})`], ['profile', `${d.profile}, ${d.clients} clients, ${d.seconds} s`],
        ['reservations', `${d.reservations} (${d.perSecond}/s)`], ['latency', `p50 ${d.latencyMs.p50} ms, p95 ${d.latencyMs.p95} ms, p99 ${d.latencyMs.p99} ms`],
        ['cpu', `${d.cpuMsPerReservation.node} ms node + ${d.cpuMsPerReservation.postgres ?? '?'} ms postgres per reservation`],
        ['route', d.route ? `${d.route.routed} calls to the lot's worker, ${d.route.unreachable} through the coordinator (worker unreachable)` : undefined],
        ['retries', d.retries], ['refused', `${d.refusedNoSpot} (no spot free)`], ['overlaps', `${d.overlaps}${d.overlaps === 0 ? ' (invariant holds)' : ' INVARIANT BROKEN'}`],
      ]));
    }, cmd));
}
