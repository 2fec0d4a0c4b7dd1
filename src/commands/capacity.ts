import type { Command } from 'commander';
import { checkCapacity } from '../core/capacity.js';
import { checkWindow, parseInstant, parseVehicleType } from '../core/input.js';
import { loadLot } from '../core/lots/lot.js';
import { formatMinorAmount } from '../core/money-format.js';
import type { Run } from './index.js';
import { formatTime, renderFields } from './output.js';

export function registerCapacity(program: Command, run: Run): void {
  const capacity = program.command('capacity').description('free spots and prices');

  capacity.command('check')
    .description('how many spots of a type are free for a window, and what it costs (never which spots)')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--type <vehicle-type>', 'motorcycle, compact, regular, large, ev or accessible')
    .requiredOption('--from <time>', 'window start, ISO 8601 (lot time unless it has a zone)')
    .requiredOption('--to <time>', 'window end (exclusive)')
    .action((o: { lot: string; type: string; from: string; to: string }, cmd: Command) => run(async (ctx) => {
      const vehicleType = parseVehicleType(o.type);
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const start = parseInstant(o.from, lot.timeZone, '--from');
      const end = parseInstant(o.to, lot.timeZone, '--to');
      checkWindow(start, end, { maxWindowMinutes: lot.maxWindowMinutes, now: ctx.clock.now() });
      const answer = await checkCapacity({ db: pool, clock: ctx.clock, cache: await ctx.cache() }, lot, vehicleType, start, end);
      ctx.out.result(answer, (a) => renderFields([
        ['lot', a.lotCode], ['type', a.vehicleType], ['window', `${formatTime(a.start, lot.timeZone)} -> ${formatTime(a.end, lot.timeZone)} (${lot.timeZone})`],
        ['free', `${a.free} of ${a.total}`], ['price', formatMinorAmount(a.quote.totalMinor, lot.currency)],
        ['breakdown', `${formatMinorAmount(a.quote.subtotalMinor, lot.currency)} + surcharge ${formatMinorAmount(a.quote.surchargeMinor, lot.currency)} + tax ${formatMinorAmount(a.quote.taxMinor, lot.currency)}${a.quote.capApplied ? ', daily maximum applied' : ''}`],
        ...(ctx.options.verbose ? [['source', a.source] as [string, string]] : []),
      ]));
    }, cmd));
}
