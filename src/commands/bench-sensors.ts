// `parkctl bench sensors`: spot sensor uplinks through the broker into the listener and the dashboard model.
import type { Command } from 'commander';
import type { Run } from './index.js';
import { mqttUrlOption } from './mqtt-url.js';
import { wholeNumberOption } from './numbers.js';
import { renderFields } from './output.js';

export function registerBenchSensors(bench: Command, run: Run): void {
  bench.command('sensors')
    .description('The Things Stack uplinks for every bay of the 2,000-spot garage (a scratch lot) through the MQTT broker: events/s ingested with debouncing, lag to the dashboard model, CPU per event')
    .option('--mqtt-url <url>', 'the broker (default: MQTT_URL)')
    .option('--rate <n>', 'uplinks offered a second', '5000')
    .option('--seconds <s>', 'how long to publish', '10')
    .option('--sensors <n>', 'bays with a sensor (the garage has 2,000)', '2000')
    .option('--keep', 'keep the scratch lot afterwards')
    .action((o: { mqttUrl?: string; rate: string; seconds: string; sensors: string; keep?: boolean }, cmd: Command) => run(async (ctx) => {
      const url = mqttUrlOption(o.mqttUrl, ctx.config.mqttUrl, 'publish through');
      const rate = wholeNumberOption(o.rate, '--rate', 1, 5000, 1_000_000);
      const seconds = wholeNumberOption(o.seconds, '--seconds', 1, 10, 3600);
      const sensors = wholeNumberOption(o.sensors, '--sensors', 1, 2000, 2000);
      const pool = await ctx.pool();
      const databaseUrl = (pool.options as { connectionString?: string }).connectionString!;
      const { runSensorBench } = await import('../drivers/sensors/bench.js');
      const r = await runSensorBench({ pool, databaseUrl, mqttUrl: url, rate, seconds, sensors, keep: o.keep });
      ctx.out.result(r, (d) => renderFields([
        ['lot', `${d.lot} (scratch, ${d.sensors} sensors${o.keep ? ', kept' : ', dropped'})`],
        ['offered', `${d.offeredPerSecond}/s for ${d.seconds} s: ${d.published} published, ${d.received} received`],
        ['ingested', `${d.ingestedPerSecond} events/s (${d.changes} changes, ${d.debounced} debounced, ${d.flushes} flushes, ${d.alerts} alerts)`],
        ['lag to dashboard', `p50 ${d.lagMs.p50} ms, p95 ${d.lagMs.p95} ms, p99 ${d.lagMs.p99} ms (${d.lagSamples} uplinks, ${d.dashboardReads} model reads)`],
        ['steps', `flush write p50 ${d.flushWriteMs.p50} ms, p99 ${d.flushWriteMs.p99} ms; dashboard model read p50 ${d.dashboardReadMs.p50} ms, p99 ${d.dashboardReadMs.p99} ms`],
        ['cpu per event', `${d.cpuMsPerEvent.listener} ms listener + ${d.cpuMsPerEvent.postgres ?? '?'} ms postgres (+ ${d.cpuMsPerEvent.publisher ?? '?'} ms publisher)`],
      ]));
    }, cmd));
}
