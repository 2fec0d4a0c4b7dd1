import type { Command } from 'commander';
import { checkCapacity } from '../core/capacity.js';
import { formatMinorAmount } from '../core/money-format.js';
import type { Run } from './index.js';
import { readWindow, withWindowOptions, type WindowOptions } from './window-options.js';
import { formatTime, renderFields } from './output.js';

export function registerCapacity(program: Command, run: Run): void {
  const capacity = program.command('capacity').description('free spots and prices');

  withWindowOptions(capacity.command('check')
    .description('how many spots of a type are free for a window, and what it costs (never which spots)'))
    .action((o: WindowOptions, cmd: Command) => run(async (ctx) => {
      // The cache connects while the lot is read: a frozen Redis then costs no wait of its own.
      const cache = ctx.cache();
      cache.catch(() => undefined); // a bad REDIS_URL is reported where it is awaited, not as an unhandled rejection
      const { pool, lot, vehicleType, start, end } = await readWindow(ctx, o);
      const answer = await checkCapacity({ db: pool, clock: ctx.clock, cache: await cache }, lot, vehicleType, start, end);
      ctx.out.result(answer, (a) => renderFields([
        ['lot', a.lotCode], ['type', a.vehicleType], ['window', `${formatTime(a.start, lot.timeZone)} -> ${formatTime(a.end, lot.timeZone)} (${lot.timeZone})`],
        ['free', `${a.free} of ${a.total}`], ['price', formatMinorAmount(a.quote.totalMinor, lot.currency)],
        ['breakdown', `${formatMinorAmount(a.quote.subtotalMinor, lot.currency)} + surcharge ${formatMinorAmount(a.quote.surchargeMinor, lot.currency)} + tax ${formatMinorAmount(a.quote.taxMinor, lot.currency)}${a.quote.capApplied ? ', daily maximum applied' : ''}`],
        ...(ctx.options.verbose ? [['source', a.source] as [string, string]] : []),
      ]));
    }, cmd));
}
