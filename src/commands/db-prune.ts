// `parkctl db prune --older-than 400d --export DIR`: exports, then deletes, the old rows of the append-only
// tables (core/reports/prune.ts says in which order and why nothing deleted is lost). Each table's rows go
// to DIR/<table>-<LOT>-before-<date>.csv, appended and synced before their batch's delete commits.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { UsageError } from '../core/errors.js';
import { loadLot } from '../core/lots/lot.js';
import { pruneHistory } from '../core/reports/prune.js';
import { selectLots } from '../core/sql/lots.js';
import type { Run } from './index.js';
import { renderTable } from './output.js';

function cell(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return v;
}

/** The export sink: one CSV file per table and lot, header first, each batch appended and fsynced. */
function csvSink(dir: string, lotCodes: Map<number, string>, cutoff: Date, files: Map<string, string>) {
  mkdirSync(dir, { recursive: true });
  return async (table: string, lotId: number, rows: Record<string, unknown>[]) => {
    const file = join(dir, `${table}-${lotCodes.get(lotId)}-before-${cutoff.toISOString().slice(0, 10)}.csv`);
    const columns = Object.keys(rows[0]!);
    const fresh = !existsSync(file);
    const fd = openSync(file, 'a');
    try {
      writeSync(fd, stringify(rows.map((r) => columns.map((c) => cell(r[c]))), { header: fresh, columns }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    files.set(table, file);
  };
}

/** The most days --older-than takes (five digits). */
const maxPruneDays = 99_999;

export function registerDbPrune(db: Command, run: Run): void {
  db.command('prune')
    .description('export, then delete, old events, gate events and visits (report rollups keep their figures)')
    .requiredOption('--older-than <days>', 'rows older than this many days, e.g. 400d')
    .option('--export <dir>', 'write the rows to CSV files in this folder before deleting them')
    .option('--no-export', 'delete without exporting (the rows are gone for good)')
    .option('--lot <code>', 'only this lot (default: every lot)')
    .option('--dry-run', 'count what would go, change nothing')
    .action((o: { olderThan: string; export?: string | false; lot?: string; dryRun?: boolean }, cmd: Command) => run(async (ctx) => {
      const m = /^(\d{1,5})d$/.exec(o.olderThan.trim());
      if (!m || Number(m[1]) < 1) {
        throw new UsageError(`--older-than "${o.olderThan.slice(0, 20)}" is not a number of days from 1d to ${maxPruneDays}d`, { hint: `a whole number of days ending in d, e.g. --older-than 400d`, code: 'bad_option' });
      }
      if (o.export === undefined && !o.dryRun) throw new UsageError('db prune deletes rows: say where to export them first', { hint: 'add --export /var/backups/parkctl (or --no-export to delete without a copy)', code: 'export_required' });
      const days = Number(m[1]);
      const now = ctx.clock.now();
      const cutoff = new Date(now.getTime() - days * 86_400_000);
      const pool = await ctx.pool();
      const lots = o.lot ? [await loadLot(pool, o.lot)].map((l) => ({ id: l.lotId, code: l.code })) : (await selectLots(pool)).map((l) => ({ id: l.lot_id, code: l.code }));
      const files = new Map<string, string>();
      const sink = typeof o.export === 'string' ? csvSink(o.export, new Map(lots.map((l) => [l.id, l.code])), cutoff, files) : null;
      const done = await pruneHistory(pool, { lotIds: lots.map((l) => l.id), now, cutoff, dryRun: o.dryRun, sink });
      const data = {
        olderThanDays: days, cutoff, dryRun: Boolean(o.dryRun), exportDir: typeof o.export === 'string' ? o.export : null,
        tables: done.map((d) => ({ table: d.table, deleted: d.deleted, file: files.get(d.table) ?? null })),
      };
      ctx.out.result(data, (d) => `${d.dryRun ? 'would delete' : 'deleted'} rows older than ${d.cutoff.toISOString()}${d.exportDir ? ` (exported to ${d.exportDir})` : d.dryRun ? '' : ' (not exported)'}\n\n${renderTable(d.tables, [
        { header: 'table', value: (t) => t.table }, { header: d.dryRun ? 'rows' : 'deleted', value: (t) => t.deleted, align: 'right' }, { header: 'file', value: (t) => t.file ?? '-' },
      ])}`);
    }, cmd));
}
