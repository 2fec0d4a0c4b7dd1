// `parkctl bench ev` (issue 16): N simulated charge points sending MeterValues every 10 s to `ev serve` in
// its own process, on a scratch lot dropped after: the central system's memory and the p99 of its answers.
// Targets: <= 200 MB and p99 <= 50 ms at 500 charge points.
import type { Command } from 'commander';
import type { Run } from './index.js';
import { wholeNumberOption } from './numbers.js';
import { renderFields } from './output.js';

export function registerBenchEv(bench: Command, run: Run): void {
  bench.command('ev')
    .description('N simulated OCPP 1.6J charge points (ocpp-rpc, strict mode) sending MeterValues to `ev serve` in its own process: its memory and answer times')
    .option('--charge-points <n>', 'simulated charge points', '500')
    .option('--seconds <s>', 'how long they send', '60')
    .option('--interval <s>', 'seconds between one charge point\'s MeterValues', '10')
    .option('--keep', 'keep the scratch lot afterwards')
    .action((o: { chargePoints: string; seconds: string; interval: string; keep?: boolean }, cmd: Command) => run(async (ctx) => {
      const n = wholeNumberOption(o.chargePoints, '--charge-points', 1, 500, 10_000);
      const seconds = wholeNumberOption(o.seconds, '--seconds', 1, 60);
      const intervalS = wholeNumberOption(o.interval, '--interval', 1, 10, 3600);
      const pool = await ctx.pool();
      const { createEvBenchLot } = await import('../core/ev/bench-lot.js');
      const { runEvBench } = await import('../drivers/ocpp/bench.js');
      const lot = await createEvBenchLot(pool, n);
      try {
        const env = { ...process.env, ...(ctx.config.databaseUrl ? { DATABASE_URL: ctx.config.databaseUrl } : {}) };
        const r = await runEvBench({ lotCode: lot.code, chargePointIds: lot.chargePointIds, password: lot.password, seconds, intervalS, env });
        ctx.out.result({ lot: lot.code, ...r }, (d) => renderFields([
          ['lot', `${d.lot} (scratch${o.keep ? ', kept' : ', dropped'})`],
          ['charge points', `${d.connected} of ${d.chargePoints} connected in ${d.connectSeconds} s; MeterValues every ${d.intervalS} s for ${d.seconds} s`],
          ['meter values', `${d.meterValues} (${d.perSecond}/s), ${d.errors} errors`],
          ['answers', `p50 ${d.answerMs.p50} ms, p99 ${d.answerMs.p99} ms, max ${d.answerMs.max} ms (round trip; target p99 <= 50 ms)`],
          ['in the server', `p50 ${d.serverMs.p50 ?? '?'} ms, p99 ${d.serverMs.p99 ?? '?'} ms (handler time)`],
          ['memory', `RSS ${d.rssMb.idle} MB idle, ${d.rssMb.peak} MB peak, ${d.rssMb.end} MB at the end (target <= 200 MB)`],
        ]));
      } finally {
        if (!o.keep) await lot.drop();
      }
    }, cmd));
}
