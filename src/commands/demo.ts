import { join } from 'node:path';
import type { Command } from 'commander';
import { playBusyMorning } from '../core/demo/busy-morning.js';
import { importLot } from '../core/lots/import-lot.js';
import { loadLot } from '../core/lots/lot.js';
import { formatMinorAmount } from '../drivers/cash-payments.js';
import type { Run } from './index.js';
import { readLotFile, occupancyColumns } from './lot.js';
import { formatTime, renderTable } from './output.js';

export const sampleGarage = join(import.meta.dirname, '..', '..', 'fixtures', 'city-garage.yaml');

export function registerDemo(program: Command, run: Run): void {
  program.command('demo')
    .description('import the sample garage and play a busy morning on it (embedded database unless DATABASE_URL is set)')
    .option('--bookings <n>', 'how many bookings the morning brings', '40')
    .action((o: { bookings: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const imported = await importLot(pool, await readLotFile(sampleGarage), ctx.actor);
      const lot = await loadLot(pool, imported.code);
      if (!ctx.out.json) ctx.out.note(`${lot.code}: ${lot.name}, ${imported.spots} spots${imported.changed ? ' (imported)' : ''}`);
      const result = await playBusyMorning({
        pool, payments: await ctx.payments(), clock: ctx.clock, ...(await ctx.changeDeps()),
        bookings: Math.max(1, Math.min(500, Number(o.bookings) || 40)),
        onStep: ctx.out.json ? undefined : (s) => ctx.out.note(`  ${formatTime(s.at, lot.timeZone)}  ${s.text}`),
      }, lot);
      ctx.out.result(result, (r) => [
        '',
        `${r.lotCode} at ${formatTime(r.endedAt, lot.timeZone)} (${lot.timeZone}): ${r.booked} booked, ${r.paid} paid, ${r.arrived} arrived, ${r.departed} left, ${r.overstays} overstayed (${formatMinorAmount(r.dueMinor, lot.currency)} due)`,
        '',
        renderTable(r.occupancy.byZone, [{ header: 'floor', value: (g) => g.floor, align: 'right' }, { header: 'zone', value: (g) => g.key }, ...occupancyColumns]),
        '',
        renderTable(r.occupancy.byType, [{ header: 'vehicle type', value: (g) => g.key }, ...occupancyColumns]),
        '',
        'next: parkctl lot show CITY-GARAGE   parkctl booking list --lot CITY-GARAGE   parkctl --help',
      ].join('\n'));
    }, cmd));
}
