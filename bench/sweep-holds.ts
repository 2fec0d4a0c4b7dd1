// Benchmark: one hold-expiry sweep over 100,000 expired holds in a scratch copy of a lot, with 16 clients
// reserving beside it. Targets: sweep <= 5 s, reserve p99 <= 50 ms. Same code as `parkctl bench sweep`
// (src/commands/bench-sweep.ts), runnable before that subcommand is wired.
//
// Run (DATABASE_URL set, or the embedded server; the lot must exist, e.g. parkctl lot import fixtures/city-garage.yaml):
//   npx tsc -p tsconfig.build.json --rootDir . --outDir node_modules/.cache/parkctl-bench && \
//     ln -sfn ../../../migrations node_modules/.cache/parkctl-bench/migrations && \
//     node node_modules/.cache/parkctl-bench/bench/sweep-holds.js --lot CITY-GARAGE [--holds 100000 --clients 16 --workers 1]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { renderSweepBench } from '../src/commands/bench-sweep.js';
import { AppContext } from '../src/commands/context.js';
import { loadConfig } from '../src/config.js';
import { runSweepBench } from '../src/core/sweepers/bench-holds.js';
import { createPool } from '../src/drivers/postgres.js';

const { values } = parseArgs({
  options: {
    lot: { type: 'string', default: 'CITY-GARAGE' },
    holds: { type: 'string', default: '100000' },
    clients: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '10' },
    batch: { type: 'string', default: '500' },
    workers: { type: 'string', default: '1' },
  },
});
const [holds, clients, seconds, batchSize, concurrency] = [values.holds, values.clients, values.seconds, values.batch, values.workers].map(Number) as [number, number, number, number, number];

const ctx = new AppContext(loadConfig(), {});
try {
  const url = (((await ctx.pool()).options) as { connectionString: string }).connectionString;
  const pool = createPool(url, { max: concurrency + 2, applicationName: 'parkctl-bench-sweep' });
  const reservePool = createPool(url, { max: Math.max(1, clients), applicationName: 'parkctl-bench' });
  ctx.onClose(() => pool.end());
  ctx.onClose(() => reservePool.end());
  const before = loadavg()[0]!;
  const r = await runSweepBench(pool, reservePool, {
    lotCode: values.lot, holds, clients, reserveSeconds: seconds, leadMs: 1000, batchSize, concurrency, clock: ctx.clock,
    payments: await ctx.payments(), notifier: (await ctx.changeDeps()).notifier, note: (t) => console.error(t),
  });
  console.log(renderSweepBench({ ...r, loadAverage: { before: Math.round(before * 100) / 100, after: Math.round(loadavg()[0]! * 100) / 100 } }, { batchSize, concurrency, kept: false }));
} finally {
  await ctx.close();
}
