// `booking import` and `booking export`: many bookings from a file, and the file back out.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { BookingFileFormat } from '../core/bulk/booking-rows.js';
import type { ImportReport, RowOutcome } from '../core/bulk/import-report.js';
import { ExitCode, UsageError, describeReadError } from '../core/errors.js';
import { loadLot } from '../core/lots/lot.js';
import { reservationStatuses, type ReservationStatus } from '../core/sql/reservations.js';
import type { AppContext } from './context.js';
import type { Run } from './index.js';
import { renderCsv, renderTable, type Column } from './output.js';

const reportColumns: Column<RowOutcome>[] = [
  { header: 'line', value: (o) => o.line, align: 'right' }, { header: 'status', value: (o) => o.status }, { header: 'lot', value: (o) => o.lot },
  { header: 'plate', value: (o) => o.plate }, { header: 'reservation', value: (o) => o.reservationId }, { header: 'spot', value: (o) => o.spot },
  { header: 'payment', value: (o) => o.payment }, { header: 'column', value: (o) => o.column }, { header: 'message', value: (o) => o.message },
];

function fileFormat(path: string, given?: string): BookingFileFormat {
  const f = given ?? (path.toLowerCase().endsWith('.json') ? 'json' : 'csv');
  if (f !== 'csv' && f !== 'json') throw new UsageError(`unknown format "${given}"`, { hint: 'use --format csv or --format json' });
  return f;
}

async function readInput(path: string): Promise<Uint8Array> {
  if (path !== '-') {
    try {
      return await readFile(path);
    } catch (err) {
      throw new UsageError(`cannot read ${path}: ${describeReadError(err)}`, { hint: 'give a CSV file, or - for standard input', code: 'bad_file' });
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A one-line bar on stderr, only on a terminal (never in pipes, logs or the report). */
function progressBar(stderrIsTty: boolean): ((done: number, total: number) => void) | undefined {
  if (!stderrIsTty) return undefined;
  let lastDrawMs = 0;
  return (done, total) => {
    const nowMs = Date.now();
    if (done < total && nowMs - lastDrawMs < 100) return;
    lastDrawMs = nowMs;
    const width = 30;
    const filled = Math.round((done / Math.max(1, total)) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

function printReport(ctx: AppContext, report: ImportReport, format: string): void {
  const s = report.summary;
  if (ctx.out.format === 'json' || format === 'json') return ctx.out.raw(JSON.stringify(report, null, 2));
  if (format === 'csv') return ctx.out.raw(renderCsv(report.outcomes, reportColumns));
  const mode = report.dryRun ? ' (dry run: nothing written)' : report.allOrNothing ? ' (all or nothing)' : '';
  ctx.out.raw(`${renderTable(report.outcomes, reportColumns)}\n\n${s.rows} rows${mode}: ${s.booked} booked, ${s.existing} already there, ${s.conflict ? `${s.conflict} in conflict, ` : ''}${s.refused} refused, ${s.malformed} malformed` +
    `${s.valid ? `, ${s.valid} valid` : ''}${s.notWritten ? `, ${s.notWritten} not written` : ''}`);
}

export function registerBookingBulk(booking: Command, run: Run): void {
  booking.command('import <file>')
    .description('book every row of a CSV or JSON file (- for stdin); re-running the same file books nothing twice')
    .option('--format <format>', 'csv or json (default: from the file name, else csv)')
    .option('--dry-run', 'read and check every row, write nothing')
    .option('--all-or-nothing', 'book every row in one transaction, or none if any row is malformed or refused')
    .option('--report-format <format>', 'table, csv or json (--json also gives json)', 'table')
    .option('--concurrency <n>', 'bookings in flight at once', '8')
    .action((path: string, o: { format?: string; dryRun?: boolean; allOrNothing?: boolean; reportFormat: string; concurrency: string }, cmd: Command) => run(async (ctx) => {
      if (!['table', 'csv', 'json'].includes(o.reportFormat)) throw new UsageError(`unknown report format "${o.reportFormat}"`, { hint: 'use table, csv or json' });
      const concurrency = Number(o.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError(`--concurrency "${o.concurrency}" is not 1..64`, { hint: 'e.g. --concurrency 8' });
      // the file readers and the importer load only for these commands (issue 13)
      const [{ readBookingFile }, { importBookings }, { CashPaymentProvider, formatCashReceiptToken }] = await Promise.all([
        import('../core/bulk/booking-rows.js'), import('../core/bulk/import-bookings.js'), import('../drivers/cash-payments.js'),
      ]);
      const file = readBookingFile(await readInput(path), fileFormat(path, o.format));
      const pool = await ctx.pool();
      const report = await importBookings({
        pool, clock: ctx.clock, payments: await ctx.payments(), actor: ctx.actor, ...(await ctx.changeDeps()), occupancy: ctx.occupancy, logger: ctx.logger,
        concurrency, onProgress: progressBar(ctx.config.stderrIsTty),
        receipts: {
          provider: (mark) => new CashPaymentProvider({ name: mark.provider }),
          token: (mark, reservationId, currency) => formatCashReceiptToken({ reservationId, amountMinor: mark.amountMinor, currency }, mark.provider),
        },
      }, file, { dryRun: o.dryRun, allOrNothing: o.allOrNothing });
      printReport(ctx, report, o.reportFormat);
      if (report.exitCode !== ExitCode.ok) {
        // The report is the answer (one document under --json); the exit code says which kind of trouble.
        const sum = report.summary;
        const troubles = `${sum.malformed} malformed, ${sum.conflict ? `${sum.conflict} in conflict (a key used for another booking), ` : ''}${sum.refused} refused`;
        if (!ctx.out.json) ctx.out.note(`parkctl: ${troubles} of ${sum.rows} rows; the report names each line\n  hint: ${sum.malformed + sum.conflict > 0 ? 'fix the lines named and run the same file again: rows already booked are not booked twice' : 'refused rows had no spot free or clashed; the others are booked'}`);
        ctx.exitCode = report.exitCode;
      }
    }, cmd));

  booking.command('export')
    .description('reservations as the file booking import reads back: re-imported, each is recognised; into an empty lot, restored as it was')
    .option('--lot <code>', 'only this lot')
    .option('--status <status>', `one of ${reservationStatuses.join(', ')} (default: TENTATIVE, CONFIRMED and CHECKED_IN)`)
    .option('--format <format>', 'csv or json', 'csv')
    .action((o: { lot?: string; status?: string; format: string }, cmd: Command) => run(async (ctx) => {
      const status = o.status?.trim().toUpperCase() as ReservationStatus | undefined;
      if (status !== undefined && !reservationStatuses.includes(status)) throw new UsageError(`unknown status "${o.status}"`, { hint: `use one of ${reservationStatuses.join(', ')}` });
      if (o.format !== 'csv' && o.format !== 'json') throw new UsageError(`unknown format "${o.format}"`, { hint: 'use --format csv or --format json' });
      const pool = await ctx.pool();
      const lot = o.lot ? await loadLot(pool, o.lot) : null;
      const [{ bookingColumns }, { exportBookings }] = await Promise.all([import('../core/bulk/booking-rows.js'), import('../core/bulk/export-bookings.js')]);
      const records = await exportBookings(pool, { lotId: lot?.lotId, status });
      if (ctx.out.format === 'json' || o.format === 'json') return ctx.out.raw(JSON.stringify(records, null, 2));
      ctx.out.raw(renderCsv(records, bookingColumns.map((c) => ({ header: c, value: (r: Record<string, string>) => r[c] }))));
    }, cmd));
}
