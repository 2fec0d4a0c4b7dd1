// `parkctl report <kind>`: what the owner asks every Monday (issue 17). Gather (core/reports), then print:
// a table, --json (one shape: docs/json-shapes.md "Report"), --csv, or --chart (asciichart) where a chart
// says it better. --explain BUCKET lists the rows behind that bucket's figures.
import asciichart from 'asciichart';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { UsageError } from '../core/errors.js';
import { parseVehicleType } from '../core/input.js';
import { loadLot, type Lot } from '../core/lots/lot.js';
import { formatMinorAmount } from '../core/money-format.js';
import { explainBucket, type Explanation } from '../core/reports/explain.js';
import { bucketLabel, bucketStarts, parseBucket, parseRange } from '../core/reports/range.js';
import { buildReport, netByBucket, reportKinds, type OccupancyRow, type Report, type ReportKind } from '../core/reports/reports.js';
import { defaultLookbackHours, refreshReportRollups } from '../core/reports/rollups.js';
import { selectLots } from '../core/sql/lots.js';
import type { Run } from './index.js';
import { formatTime, renderTable, type Column } from './output.js';
import { wholeNumberOption } from './numbers.js';

interface ReportFlags { lot: string; from?: string; to?: string; by?: string; type?: string; csv?: boolean; chart?: boolean; explain?: string }

const descriptions: Record<ReportKind, string> = {
  revenue: 'money taken by method, net of refunds, to the minor unit',
  occupancy: 'cars inside on average, the peak hour, against capacity (--chart: through the day)',
  turnover: 'cars per spot and the average stay',
  'no-shows': 'bookings nobody came for, against booked arrivals',
  exceptions: 'manual opens, overrides, lost tickets, failed payments and exits that left owing',
  takings: 'cash collected against the entries and exits',
};

const defaultBy: Record<ReportKind, 'hour' | 'day'> = { revenue: 'day', occupancy: 'day', turnover: 'day', 'no-shows': 'day', exceptions: 'day', takings: 'day' };

type Row = Record<string, unknown> & { label: string };

function columns(kind: ReportKind, lot: Lot, by: string): Column<Row>[] {
  const money = (f: string): Column<Row> => ({ header: f.replace(/Minor$/, '').replace(/([A-Z])/g, ' $1').toLowerCase(), value: (r) => formatMinorAmount(Number(r[f]), lot.currency), align: 'right' });
  const num = (f: string, header = f.replace(/([A-Z])/g, ' $1').toLowerCase()): Column<Row> => ({ header, value: (r) => (r[f] === null ? '-' : String(r[f])), align: 'right' });
  const bucket: Column<Row> = { header: 'bucket', value: (r) => r.label };
  switch (kind) {
    case 'revenue': return [bucket, { header: 'method', value: (r) => String(r.method) }, num('payments'), money('paidMinor'), num('refunds'), money('refundedMinor'), money('netMinor')];
    case 'occupancy': return [bucket, num('averageOccupied', 'avg inside'), num('occupancyPercent', '%'), num('capacity'),
      { header: 'peak hour', value: (r) => (r.peakHour ? formatTime(r.peakHour as Date, lot.timeZone).slice(by === 'hour' || by === 'day' ? 11 : 5) : '-') }, num('peakOccupied', 'peak avg'), num('entries'), num('exits')];
    case 'turnover': return [bucket, num('entries'), num('exits'), num('spots'), num('turnover', 'cars/spot'), num('averageStayMinutes', 'avg stay min')];
    case 'no-shows': return [bucket, num('noShows', 'no-shows'), num('bookedArrivals', 'booked arrivals'), num('noShowPercent', '%'), money('noShowMinor')];
    case 'exceptions': return [bucket, num('manualOpens'), num('manualOpensFailed', 'opens failed'), num('overrides'), num('lostTickets'), num('paymentsFailed'), num('nilPayments'), num('leftOwing'), num('total')];
    case 'takings': return [bucket, num('entries'), num('exits'), num('unpaidExits', 'left owing'), money('dueAtExitMinor'), money('paidAtExitMinor'), money('cashInMinor'), money('cashRefundedMinor'), money('cashNetMinor')];
  }
}

/** A totals key as words: averageTicketMinor -> "average ticket", unpaidExits -> "left owing". */
const totalWords: Record<string, string> = { unpaidExits: 'left owing', averageOccupied: 'average inside', noShows: 'no-shows' };
const words = (k: string) => totalWords[k] ?? k.replace(/Minor$/, '').replace(/([A-Z])/g, ' $1').toLowerCase();

function totalsLine(r: Report, lot: Lot): string {
  return Object.entries(r.totals).map(([k, v]) => {
    if (k.endsWith('Minor') && typeof v === 'number') return `${words(k)} ${formatMinorAmount(v, lot.currency)}`;
    if (k === 'peakHour' && typeof v === 'string') return `peak ${formatTime(new Date(v), lot.timeZone)}`;
    return `${words(k)} ${v ?? '-'}`;
  }).join(', ');
}

function renderReport(r: Report, lot: Lot): string {
  const head = `${r.report} for ${r.lot}, ${formatTime(r.from, lot.timeZone)} to ${formatTime(r.to, lot.timeZone)} (${lot.timeZone}) by ${r.by}${r.vehicleType ? `, ${r.vehicleType} only` : ''}`;
  const body = r.rows.length === 0 ? '(nothing in this period)' : renderTable(r.rows as unknown as Row[], columns(r.report, lot, r.by));
  return [head, '', body, '', `total: ${totalsLine(r, lot)}`].join('\n');
}

/** The terminal chart: occupancy's average cars inside, or revenue's net per bucket in major units. */
export function renderChart(r: Report, lot: Lot, columns: number | null = null): string {
  const series = r.report === 'occupancy' ? (r.rows as OccupancyRow[]).map((x) => x.averageOccupied)
    : r.report === 'revenue' ? netByBucket(r).map((m) => m / 100)
      : null;
  if (series === null) throw new UsageError(`--chart draws occupancy and revenue, not ${r.report}`, { hint: `e.g. parkctl report occupancy --lot ${lot.code} --by hour --chart`, code: 'bad_option' });
  if (series.length < 2) return `${r.report}: one bucket, nothing to draw (${series[0] ?? 0})`;
  const what = r.report === 'occupancy' ? 'cars inside on average' : `net revenue, ${lot.currency}`;
  // one column a point: a year by hour is 8,760 columns, so points are averaged down to the terminal's width
  const width = Math.max(20, (columns ?? 120) - 12);
  const step = Math.ceil(series.length / width);
  const shown = step === 1 ? series : Array.from({ length: Math.ceil(series.length / step) }, (_, i) => {
    const part = series.slice(i * step, (i + 1) * step);
    return part.reduce((a, b) => a + b, 0) / part.length;
  });
  const plot = asciichart.plot(shown, { height: 12, format: (x: number) => x.toFixed(r.report === 'revenue' ? 2 : 1).padStart(9) });
  const buckets = bucketStarts(r.from, r.to, r.by, lot.timeZone);
  const [first, last] = [buckets[0]!, buckets[buckets.length - 1]!].map((b) => bucketLabel(b, r.by, lot.timeZone));
  const per = step === 1 ? '' : `, each column the average of ${step}`;
  return `${what}, by ${r.by}, ${first} .. ${last} (${series.length} points${per}, left to right)\n${plot}`;
}

function renderExplanation(e: Explanation, lot: Lot): string {
  const head = `${e.rows.length} ${e.source} row(s) behind ${e.report} for ${e.lot}, ${formatTime(e.from, lot.timeZone)} to ${formatTime(e.to, lot.timeZone)}`;
  const pruned = e.prunedBefore ? `\nnote: rows before ${formatTime(e.prunedBefore, lot.timeZone)} were pruned; those figures come from the rollups` : '';
  if (e.rows.length === 0) return head + pruned;
  const keys = Object.keys(e.rows[0]!);
  const cols: Column<Record<string, unknown>>[] = keys.map((k) => ({
    header: k.replace(/Minor$/, '').replace(/([A-Z])/g, ' $1').toLowerCase(),
    value: (row) => {
      const v = row[k];
      if (v instanceof Date) return formatTime(v, lot.timeZone);
      if (k.endsWith('Minor') && typeof v === 'number') return formatMinorAmount(v, lot.currency);
      if (typeof v === 'string' && /Id$/.test(k)) return v.slice(0, 8);
      return v === null || v === undefined ? '-' : String(v);
    },
    align: typeof e.rows[0]![k] === 'number' ? 'right' : 'left',
  }));
  return `${head}${pruned}\n\n${renderTable(e.rows, cols)}`;
}

function toCsv(r: Report): string {
  const rows = r.rows as unknown as Row[];
  const keys = rows.length ? Object.keys(rows[0]!) : ['bucket', 'label'];
  return stringify(rows.map((x) => keys.map((k) => (x[k] instanceof Date ? (x[k] as Date).toISOString() : x[k]))), { header: true, columns: keys });
}

export function registerReport(program: Command, run: Run): void {
  const report = program.command('report').description('reports: revenue, occupancy, turnover, no-shows, exceptions, takings');

  for (const kind of reportKinds) {
    report.command(kind)
      .description(descriptions[kind])
      .requiredOption('--lot <code>', 'lot code')
      .option('--from <time>', 'first local day (2026-12-01, today, yesterday) or a time (2026-12-01 08:00, +2h, ISO 8601); default: 7 days before --to')
      .option('--to <time>', 'last local day, inclusive (2026-12-31, today), or a time, exclusive (now, 18:00, +2h from --from); default: today')
      .option('--by <unit>', `bucket: hour, day, week or month (default ${defaultBy[kind]})`)
      .option('--type <vehicle>', 'only this vehicle type')
      .option('--csv', 'print CSV (one line per row, header first)')
      .option('--chart', 'draw a chart in the terminal (occupancy, revenue)')
      .option('--explain <bucket>', 'list the rows behind one bucket: 2026-12-01, 2026-W49, 2026-12, 2026-12-01T08:00')
      .action((o: ReportFlags, cmd: Command) => run(async (ctx) => {
        if (o.chart && kind !== 'occupancy' && kind !== 'revenue') throw new UsageError(`--chart draws occupancy and revenue, not ${kind}`, { hint: `e.g. parkctl report occupancy --lot ${o.lot} --by hour --chart`, code: 'bad_option' });
        const vehicleType = o.type === undefined ? null : parseVehicleType(o.type);
        const pool = await ctx.pool();
        const lot = await loadLot(pool, o.lot);
        const range = parseRange(o, lot.timeZone, ctx.clock.now(), defaultBy[kind]);
        if (o.explain !== undefined) {
          const e = await explainBucket(pool, lot, kind, parseBucket(o.explain, lot.timeZone), vehicleType);
          if (o.csv) return ctx.out.raw(stringify(e.rows.map((x) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]))), { header: true }));
          return ctx.out.result(e, () => renderExplanation(e, lot));
        }
        const r = await buildReport(pool, lot, kind, range, vehicleType, ctx.clock.now());
        if (o.csv) return ctx.out.raw(toCsv(r));
        if (o.chart && !ctx.out.json) return ctx.out.raw(renderChart(r, lot, ctx.out.width));
        ctx.out.result(r, () => renderReport(r, lot));
      }, cmd));
  }

  report.command('refresh')
    .description('bring the report rollups up to the last closed hour (the sweeper does this every run)')
    .option('--lot <code>', 'only this lot (default: every lot)')
    .option('--lookback <hours>', 'hours behind the mark to recompute, for rows that arrived late', String(defaultLookbackHours))
    .option('--rebuild', 'recompute every hour still held in raw rows')
    .action((o: { lot?: string; lookback: string; rebuild?: boolean }, cmd: Command) => run(async (ctx) => {
      const lookbackHours = wholeNumberOption(o.lookback, '--lookback');
      const pool = await ctx.pool();
      const lots = o.lot ? [await loadLot(pool, o.lot)].map((l) => ({ id: l.lotId, code: l.code })) : (await selectLots(pool)).map((l) => ({ id: l.lot_id, code: l.code }));
      const done = await refreshReportRollups(pool, lots.map((l) => l.id), ctx.clock.now(), { lookbackHours, rebuild: o.rebuild });
      const data = done.map((d) => ({ lot: lots.find((l) => l.id === d.lotId)!.code, from: d.from, to: d.to, ms: d.ms }));
      ctx.out.result(data, (rows) => (rows.length === 0 ? 'no lots' : renderTable(rows, [
        { header: 'lot', value: (x) => x.lot }, { header: 'recomputed from', value: (x) => formatTime(x.from) },
        { header: 'rolled until', value: (x) => formatTime(x.to) }, { header: 'ms', value: (x) => x.ms, align: 'right' },
      ])));
    }, cmd));

}
