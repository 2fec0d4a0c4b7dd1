import type { Command } from 'commander';
import { runPriceQuoteBench } from '../core/bench/price-quote.js';
import type { Run } from './index.js';
import { renderFields } from './output.js';

export function registerBenchPrice(bench: Command, run: Run): void {
  bench.command('price')
    .description('one 7-day price quote over hourly bands across a DST change, 10,000 times (target p99 <= 1 ms)')
    .action((_o, cmd: Command) => run(async (ctx) => {
      const r = runPriceQuoteBench();
      ctx.out.result(r, (d) => renderFields([
        ['quotes', `${d.runs} (${d.segmentsPerQuote} segments each)`], ['latency', `p50 ${d.p50Ms} ms, p99 ${d.p99Ms} ms, max ${d.maxMs} ms`],
        ['cpu', `${d.meanCpuMs} ms per quote`], ['first quote', `${d.coldFirstQuoteMs} ms (zone loading)`], ['load average', d.loadAverage1m],
      ]));
    }, cmd));
}
