import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseLotState, setLotState } from '../core/lots/state.js';
import { yamlModule } from './lazy-modules.js';
import { UsageError, describeReadError } from '../core/errors.js';
import { loadLot } from '../core/lots/lot.js';
import { lotOccupancy, type OccupancyGroup } from '../core/occupancy.js';
import { selectLots } from '../core/sql/lots.js';
import { selectSensedByZone } from '../core/sql/sensors.js';
import { sensedSummary, withSensedColumns } from './lot-sensed.js';
import { lotJson } from '../core/json/shapes.js';
import type { Run } from './index.js';
import { registerLotRates } from './lot-rates.js';
import { renderFields, renderTable, type Column } from './output.js';
import { registerLotSpots } from './lot-spots.js';
import { repeatWhileWatching, withWatchOption } from './watch.js';

/** Read a YAML or JSON lot file; one line for a missing file or a syntax error. */
export async function readLotFile(path: string) {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${describeReadError(err)}`, { hint: 'give the path of a lot file, e.g. fixtures/surface-lot.yaml', code: 'bad_lot_file' });
  }
  let data: unknown;
  try {
    data = yamlModule().parse(text, { uniqueKeys: true });
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0];
    throw new UsageError(`${path} is not valid YAML or JSON: ${first}`, { hint: 'check the line it names', code: 'bad_lot_file' });
  }
  // the lot file's checks (zod) load only for a file: `lot list` and `lot show` never need them (issue 13)
  const { parseLotFile } = await import('../core/lots/lot-file.js');
  return parseLotFile(data, path);
}

export const occupancyColumns: Column<OccupancyGroup>[] = [
  { header: 'total', value: (g) => g.total, align: 'right' },
  { header: 'free', value: (g) => g.free, align: 'right' },
  { header: 'held', value: (g) => g.held, align: 'right' },
  { header: 'reserved', value: (g) => g.reserved, align: 'right' },
  { header: 'occupied', value: (g) => g.occupied, align: 'right' },
  { header: 'out of service', value: (g) => g.outOfService, align: 'right' },
];

export function registerLot(program: Command, run: Run): void {
  const lot = program.command('lot').description('lots: import from a file, list, show live counts');

  lot.command('import <file>')
    .description('create or update a lot from a YAML or JSON file (re-importing the same file changes nothing)')
    .action((file: string, _o, cmd: Command) => run(async (ctx) => {
      const def = await readLotFile(file);
      const { importLot } = await import('../core/lots/import-lot.js');
      const result = await importLot(await ctx.pool(), def, ctx.actor);
      ctx.out.result(result, (r) =>
        !r.changed ? `${r.code}: unchanged (${r.spots} spots; this file was imported before)`
          : `${r.code}: ${r.created ? 'created' : 'updated'} with ${r.spots} spots (${r.added} added, ${r.updated} changed, ${r.retired} taken out of service)`);
    }, cmd));

  registerLotRates(lot, run);
  registerLotSpots(lot, run);

  lot.command('list')
    .description('every lot this database knows')
    .action((_o, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lots = await selectLots(pool);
      const rows = [];
      // lot by lot on one connection: a one-shot command's pool would open a backend for each (issue 13)
      for (const l of lots) rows.push(lotJson(l, await lotOccupancy(pool, l.lot_id, ctx.clock.now())));
      ctx.out.result(rows, (r) => r.length === 0 ? 'no lots yet: parkctl lot import fixtures/surface-lot.yaml' : renderTable(r, [
        { header: 'code', value: (x) => x.code }, { header: 'name', value: (x) => x.name }, { header: 'state', value: (x) => x.state },
        { header: 'time zone', value: (x) => x.timeZone, priority: 1 }, { header: 'spots', field: 'totals.total', value: (x) => x.totals.total, align: 'right' },
        { header: 'free now', field: 'totals.free', value: (x) => x.totals.free, align: 'right' },
        { header: 'currency', value: (x) => x.currency, wide: true }, { header: 'hold', field: 'holdMinutes', value: (x) => `${x.holdMinutes} min`, wide: true },
      ]), { id: 'code' });
    }, cmd));

  withWatchOption(lot.command('show <code>'))
    .description('a lot: its settings and its spots by zone and vehicle type, with live counts')
    .action((code: string, o: { watch?: string | boolean }, cmd: Command) => run(async (ctx) => repeatWhileWatching(ctx, o.watch, async () => {
      const pool = await ctx.pool();
      const l = await loadLot(pool, code);
      const occ = await lotOccupancy(pool, l.lotId, ctx.clock.now());
      const sensedZones = await selectSensedByZone(pool, l.lotId); // after, not beside: one connection (issue 13)
      const sensed = sensedSummary(sensedZones);
      const data = { ...lotJson(l, occ), byZone: occ.byZone, byType: occ.byType, ...(sensed ? { sensed } : {}) };
      ctx.out.result(data, (d) => [
        renderFields([['lot', `${d.code} (${d.name})`], ['state', d.state], ['time zone', d.timeZone], ['currency', d.currency],
          ['hold', `${d.holdMinutes} min`], ['no-show grace', `${d.noShowGraceMinutes} min`], ['spots', `${d.totals.total} (${d.totals.free} free now)`],
          ...(sensed ? [['sensed', `${sensed.occupied} occupied, ${sensed.free} free, ${sensed.unknown} unknown (${sensed.faults} faults) of ${sensed.sensed} spots with sensors`] as [string, string]] : [])]),
        '',
        renderTable(d.byZone, withSensedColumns([{ header: 'floor', value: (g) => g.floor, align: 'right' }, { header: 'zone', value: (g) => g.key }, { header: 'name', value: (g) => g.label }, ...occupancyColumns], sensedZones)),
        '',
        renderTable(d.byType, [{ header: 'vehicle type', value: (g) => g.key }, ...occupancyColumns]),
      ].join('\n'));
    }), cmd));

  lot.command('state <code> <state>')
    .description('open, full (bookings and permits only), closed (the same), closed-to-all (no entry; exits stay open)')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .action((code: string, state: string, o: { reason?: string }, cmd: Command) => run(async (ctx) => {
      if (o.reason !== undefined && !o.reason.trim()) throw new UsageError('--reason is empty', { hint: 'say why, e.g. --reason "event traffic", or leave --reason out', code: 'bad_reason' });
      const to = parseLotState(state);
      const pool = await ctx.pool();
      const l = await loadLot(pool, code);
      const r = await setLotState({ pool, clock: ctx.clock, actor: ctx.actor, ...(await ctx.changeDeps()) }, l, to, o.reason?.trim() || null);
      ctx.out.result({ lot: l.code, from: r.from, state: r.to }, (x) => (x.from === x.state ? `${x.lot} is already ${x.state}` : `${x.lot}: ${x.from} -> ${x.state}`));
    }, cmd));
}
