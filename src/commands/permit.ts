// `parkctl permit ...`: monthly permits (issue 15): made, looked up, suspended, resumed, cancelled,
// renewed at the desk, passback reset; imported from and exported to CSV.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { ExitCode, UserError, UsageError } from '../core/errors.js';
import { decodeUtf8Lines, readCsv } from '../core/bulk/csv-records.js';
import { parseInstant, parsePlate, parseVehicleType } from '../core/input.js';
import { parseTimeOrDay } from '../core/time-input.js';
import { loadLot, type Lot } from '../core/lots/lot.js';
import { formatMinorAmount } from '../core/money-format.js';
import { permitPayLink } from '../core/permits/pay-link.js';
import { changePermitStatus, createPermit, findPermit, permitPeriods, renewPermit, resetPermitPassback, type PermitPeriod, type PermitRequest } from '../core/permits/permits.js';
import { formatDays, formatTimes, parseDays, parseTimes } from '../core/permits/schedule.js';
import { cashOutsideShiftWarning } from '../core/shifts/shift.js';
import { countPermits, selectPermits, type PermitRow } from '../core/sql/permits.js';
import type { AppContext } from './context.js';
import type { Run } from './index.js';
import { noteIfLimited } from './list-limit.js';
import { formatTime, renderFields, renderTable, timeHeader } from './output.js';

/** One JSON shape for a permit, everywhere. */
export function permitJson(p: PermitRow, lotCode: string) {
  return {
    permitId: p.permit_id, lot: lotCode, holder: p.holder, plates: p.plates, vehicleType: p.vehicle_type,
    validFrom: p.valid_from.toISOString(), validUntil: p.valid_until.toISOString(),
    days: formatDays(p.days), weekdays: p.days, times: formatTimes(p.from_minute, p.to_minute), parks: p.parks, inside: p.inside, status: p.status,
    priceMinor: p.price_minor, currency: p.currency, every: p.period, paidUntil: p.paid_until?.toISOString() ?? null, externalRef: p.external_ref, note: p.note,
  };
}
export type PermitJson = ReturnType<typeof permitJson>;

const collect = (value: string, previous: string[]) => [...previous, value];

function parseWhole(input: string | undefined, option: string, min: number, max: number): number | undefined {
  if (input === undefined) return undefined;
  if (!/^\d{1,9}$/.test(input.trim()) || Number(input) < min || Number(input) > max) {
    throw new UsageError(`${option} "${input.slice(0, 20)}" is not a whole number from ${min} to ${max}`, { hint: `e.g. ${option} ${min}`, code: 'bad_number' });
  }
  return Number(input);
}

function parsePeriod(input: string): PermitPeriod {
  const p = input.trim().toLowerCase() as PermitPeriod;
  if (!permitPeriods.includes(p)) throw new UsageError(`--every "${input.slice(0, 20)}" is not a period`, { hint: `use one of ${permitPeriods.join(', ')}`, code: 'bad_period' });
  return p;
}

interface PermitInput {
  holder: string; plates: string[]; from: string; until: string; days?: string | undefined; times?: string | undefined; type?: string | undefined;
  parks?: string | undefined; priceMinor?: string | undefined; every?: string | undefined; paidUntil?: string | undefined; externalRef?: string | undefined; note?: string | undefined;
}

/** What was typed (or read from a CSV line) as a request; every refusal is a one-line UsageError. */
export function permitRequest(i: PermitInput, lot: Lot, typedAt?: Date): PermitRequest {
  // flags take times as people type them (tomorrow, 2026-12-05 08:00, +2h); a file keeps to ISO 8601
  const time = (text: string, what: string) => (typedAt ? parseTimeOrDay(text, lot.timeZone, what, { now: typedAt }) : parseInstant(text, lot.timeZone, what));
  if ((i.priceMinor === undefined) !== (i.every === undefined)) throw new UsageError('a priced permit needs both --price-minor and --every', { hint: 'e.g. --price-minor 12000 --every month', code: 'bad_price' });
  const { fromMinute, toMinute } = parseTimes(i.times ?? 'all');
  const priceMinor = parseWhole(i.priceMinor, '--price-minor', 0, 100_000_000);
  return {
    holder: i.holder, plates: i.plates.map(parsePlate), vehicleType: parseVehicleType(i.type ?? 'regular'),
    validFrom: time(i.from, '--from'), validUntil: time(i.until, '--until'),
    days: parseDays(i.days ?? 'all'), fromMinute, toMinute, parks: parseWhole(i.parks, '--parks', 1, 1000) ?? 1,
    price: priceMinor === undefined ? null : { minor: priceMinor, every: parsePeriod(i.every!) },
    paidUntil: i.paidUntil ? time(i.paidUntil, '--paid-until') : null,
    externalRef: i.externalRef?.trim() || null, note: i.note?.trim() || null,
  };
}

function renderPermit(j: PermitJson, lot: Lot): string {
  const at = (iso: string | null) => (iso ? formatTime(new Date(iso), lot.timeZone) : '-');
  return renderFields([
    ['permit', j.permitId], ['holder', j.holder], ['plates', j.plates.join(', ')], ['type', j.vehicleType], ['status', j.status],
    ['valid', `${at(j.validFrom)} to ${at(j.validUntil)}`], ['when', `${j.days}, ${j.times}`], ['parks', `${j.inside} of ${j.parks} inside`],
    ['price', j.priceMinor === null ? 'free' : `${formatMinorAmount(j.priceMinor, j.currency)} a ${j.every}`],
    ...(j.priceMinor !== null ? [['paid until', j.paidUntil ? at(j.paidUntil) : 'nothing paid yet'] as [string, string]] : []),
    ...(j.externalRef ? [['external ref', j.externalRef] as [string, string]] : []),
    ...(j.note ? [['note', j.note] as [string, string]] : []),
  ]);
}

function permitTable(rows: readonly PermitJson[], lot: Lot): string {
  return renderTable(rows, [
    { header: 'PERMIT', field: 'permitId', value: (p) => p.permitId, id: true },
    { header: 'HOLDER', value: (p) => p.holder },
    { header: 'PLATES', value: (p) => p.plates.join(' ') },
    { header: 'WHEN', value: (p) => `${p.days} ${p.times}`, priority: 2 },
    { header: 'PARKS', value: (p) => `${p.inside}/${p.parks}`, align: 'right', priority: 1 },
    { header: 'STATUS', value: (p) => p.status },
    {
      header: timeHeader('PAID UNTIL', rows.filter((p) => p.paidUntil).map((p) => ({ at: new Date(p.paidUntil!), timeZone: lot.timeZone }))), field: 'paidUntil',
      value: (p) => (p.priceMinor === null ? 'free' : p.paidUntil ? formatTime(new Date(p.paidUntil), lot.timeZone) : 'unpaid'),
    },
    { header: 'VALID FROM', field: 'validFrom', value: (p) => formatTime(new Date(p.validFrom), lot.timeZone), wide: true },
    { header: 'VALID UNTIL', field: 'validUntil', value: (p) => formatTime(new Date(p.validUntil), lot.timeZone), wide: true },
  ]);
}

const csvColumns = ['holder', 'plates', 'from', 'until', 'days', 'times', 'type', 'parks', 'price_minor', 'every', 'paid_until', 'external_ref', 'note'] as const;

async function lotOf(ctx: AppContext, code: string) {
  const pool = await ctx.pool();
  return { pool, lot: await loadLot(pool, code), deps: { pool, clock: ctx.clock, actor: ctx.actor, ...(await ctx.changeDeps()) } };
}

/** `permit renew --method link`: a Stripe Checkout link for the periods; the webhook renews (src/core/permits/pay-link.ts). */
async function renewByLink(ctx: AppContext, id: string, o: { lot: string; periods: string; key?: string }): Promise<void> {
  if (o.key !== undefined) throw new UsageError('--key goes with cash or card: a link is keyed by the permit and its paid date', { hint: 'leave out --key', code: 'bad_option' });
  const periods = parseWhole(o.periods, '--periods', 1, 36)!;
  const { lot, deps } = await lotOf(ctx, o.lot);
  const p = await findPermit(deps, lot, id);
  const link = await permitPayLink({ ...deps, payments: await ctx.payments() }, lot, p.permit_id, periods);
  ctx.out.result({ ...link, lot: lot.code, holder: p.holder }, (j) => renderFields([
    ['permit', `${j.holder} (${j.permitId.slice(0, 8)})`], ['amount', formatMinorAmount(j.amountMinor, j.currency)], ['periods', String(j.periods)], ['pay here', j.paymentUrl],
  ]));
}

export function registerPermit(program: Command, run: Run): void {
  const permit = program.command('permit').description('monthly permits: plates that may park on given days and times while paid');

  permit.command('create')
    .description('make a permit: its holder, plates, dates, days and times, how many of its cars at once, its price')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--holder <name>', 'who holds it (a person or a company)')
    .requiredOption('--plate <plate>', 'a plate on the permit (repeat for more)', collect, [])
    .requiredOption('--from <date>', 'first day or time (lot time), e.g. 2026-12-01, today, "tomorrow 08:00"')
    .requiredOption('--until <date>', 'end, exclusive (lot time), e.g. 2027-01-01, "2027-01-01 08:00"')
    .option('--days <days>', 'weekdays, e.g. Mon-Fri or Sat,Sun (default: every day)')
    .option('--times <from-to>', 'times of day, e.g. 07:00-19:00, 22:00-06:00 over midnight (default: all day)')
    .option('--type <vehicle-type>', 'vehicle type', 'regular')
    .option('--parks <n>', 'how many of its vehicles may be inside at once', '1')
    .option('--price-minor <minor>', 'price of one period in minor units (12000 for 120.00); with --every')
    .option('--every <period>', `the period paid for: ${permitPeriods.join(', ')}`)
    .option('--paid-until <date>', 'already paid up to here (paid elsewhere); default: the first period is due')
    .option('--external-ref <ref>', 'your reference: the same request again returns this permit')
    .option('--note <text>', 'a note kept with the permit')
    .action((o: PermitInput & { lot: string; plate: string[] }, cmd: Command) => run(async (ctx) => {
      const { lot, deps } = await lotOf(ctx, o.lot);
      const made = await createPermit(deps, lot, permitRequest({ ...o, plates: o.plate }, lot, ctx.clock.now()));
      ctx.out.result({ ...permitJson(made.permit, lot.code), created: made.created }, (j) => `${made.created ? 'permit made' : 'permit already made with that ref'}\n${renderPermit(j, lot)}`);
    }, cmd));

  permit.command('list')
    .description('the lot\'s permits')
    .requiredOption('--lot <code>', 'lot code')
    .option('--status <status>', 'active, suspended or cancelled')
    .option('--plate <plate>', 'permits with this plate')
    .option('--unpaid', 'priced permits whose paid period is over')
    .option('--limit <n>', 'at most this many', '200')
    .action((o: { lot: string; status?: string; plate?: string; unpaid?: boolean; limit: string }, cmd: Command) => run(async (ctx) => {
      const { pool, lot } = await lotOf(ctx, o.lot);
      const status = o.status?.trim().toLowerCase();
      if (status !== undefined && !['active', 'suspended', 'cancelled'].includes(status)) throw new UsageError(`unknown permit status "${o.status!.slice(0, 20)}"`, { hint: 'use active, suspended or cancelled', code: 'bad_status' });
      const limit = parseWhole(o.limit, '--limit', 1, 100_000)!;
      const filter = { status: status ?? null, plate: o.plate ? parsePlate(o.plate) : null, unpaidAt: o.unpaid ? ctx.clock.now() : null };
      const rows = await selectPermits(pool, { lotId: lot.lotId, ...filter, limit });
      await noteIfLimited(ctx.out, rows.length, limit, () => countPermits(pool, lot.lotId, filter));
      const list = rows.map((r) => permitJson(r, lot.code));
      ctx.out.result(list, (l) => (l.length === 0 ? `no permits in ${lot.code}${o.status || o.plate || o.unpaid ? ' matching that' : ' yet'}` : permitTable(l, lot)));
    }, cmd));

  permit.command('show')
    .description('one permit, by its id or a unique prefix of it')
    .argument('<id>', 'permit id (or its first characters)')
    .requiredOption('--lot <code>', 'lot code')
    .action((id: string, o: { lot: string }, cmd: Command) => run(async (ctx) => {
      const { lot, deps } = await lotOf(ctx, o.lot);
      const p = await findPermit(deps, lot, id);
      ctx.out.result(permitJson(p, lot.code), (j) => renderPermit(j, lot));
    }, cmd));

  for (const action of ['suspend', 'resume', 'cancel'] as const) {
    permit.command(action)
      .description(action === 'suspend' ? 'stop a permit opening the gate until resumed' : action === 'resume' ? 'let a suspended permit open the gate again' : 'end a permit for good')
      .argument('<id>', 'permit id (or its first characters)')
      .requiredOption('--lot <code>', 'lot code')
      .option('--reason <text>', 'why (kept in the audit trail)')
      .action((id: string, o: { lot: string; reason?: string }, cmd: Command) => run(async (ctx) => {
        const { lot, deps } = await lotOf(ctx, o.lot);
        const p = await findPermit(deps, lot, id);
        const changed = await changePermitStatus(deps, lot, p.permit_id, action, o.reason?.trim() || null);
        ctx.out.result(permitJson(changed, lot.code), (j) => `permit ${j.permitId.slice(0, 8)} (${j.holder}) is ${j.status}`);
      }, cmd));
  }

  permit.command('renew')
    .description('take payment for the next period(s) at the desk and move the paid date on')
    .argument('<id>', 'permit id (or its first characters)')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--method <method>', 'cash, card (the desk\'s terminal) or link (a Stripe Checkout link; the webhook renews)')
    .option('--periods <n>', 'how many periods', '1')
    .option('--key <key>', 'idempotency key: the same key again takes nothing twice (default: a new one, printed)')
    .action((id: string, o: { lot: string; method: string; periods: string; key?: string }, cmd: Command) => run(async (ctx) => {
      const method = o.method.trim().toLowerCase();
      if (method === 'link') return renewByLink(ctx, id, o);
      if (method !== 'cash' && method !== 'card') throw new UsageError(`--method "${o.method.slice(0, 20)}" is not cash or card`, { hint: 'e.g. --method cash', code: 'bad_method' });
      const periods = parseWhole(o.periods, '--periods', 1, 36)!;
      const key = o.key?.trim() || randomUUID();
      if (key.length > 100) throw new UsageError('--key is longer than 100 characters', { hint: 'use a shorter key', code: 'bad_key' });
      const { lot, deps } = await lotOf(ctx, o.lot);
      const p = await findPermit(deps, lot, id);
      const r = await renewPermit(deps, lot, p.permit_id, { method, periods, key });
      if (method === 'cash' && r.taken) { const w = await cashOutsideShiftWarning(deps.pool, lot); if (w) ctx.out.note(w); }
      const j = permitJson(r.permit, lot.code);
      ctx.out.result({ ...j, payment: { paymentId: r.payment.payment_id, amountMinor: Number(r.payment.amount_minor), currency: r.payment.currency, method: r.payment.provider, taken: r.taken, key } },
        () => renderFields([
          [r.taken ? 'renewed' : 'already renewed with that key', `${j.holder} (${j.permitId.slice(0, 8)})`],
          ['taken', `${formatMinorAmount(Number(r.payment.amount_minor), r.payment.currency)} by ${r.payment.provider}`],
          ['paid until', j.paidUntil ? formatTime(new Date(j.paidUntil), lot.timeZone) : '-'], ['key', key],
        ]));
    }, cmd));

  permit.command('reset-passback')
    .description('anti-passback back to neutral: permit cars taken as gone (after a barrier was left up), one permit or all')
    .argument('[id]', 'one permit (default: every permit of the lot)')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .action((id: string | undefined, o: { lot: string; reason: string }, cmd: Command) => run(async (ctx) => {
      const { lot, deps } = await lotOf(ctx, o.lot);
      const permitId = id ? (await findPermit(deps, lot, id)).permit_id : null;
      const r = await resetPermitPassback(deps, lot, permitId, o.reason);
      ctx.out.result({ lot: lot.code, permitId, reset: r.visits.length, visits: r.visits },
        (x) => `${x.reset} permit car${x.reset === 1 ? '' : 's'} taken as gone${x.reset ? `: ${r.visits.map((v) => v.plate).slice(0, 20).join(' ')}` : ''}; each may come in again`);
    }, cmd));

  permit.command('import')
    .description(`permits from a CSV file with a header: ${csvColumns.join(',')} (plates separated by spaces)`)
    .argument('<file>', 'CSV file')
    .requiredOption('--lot <code>', 'lot code')
    .action((file: string, o: { lot: string }, cmd: Command) => run(async (ctx) => {
      const { lot, deps } = await lotOf(ctx, o.lot);
      const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${file.slice(0, 200)}: ${e.code ?? e.message}`, { hint: 'check the path', code: 'bad_file' });
      });
      const decoded = decodeUtf8Lines(bytes);
      const { records, problems } = readCsv(decoded.text);
      const header = records.shift();
      const columns = header?.fields.map((f) => f.trim().toLowerCase()) ?? [];
      for (const required of ['holder', 'plates', 'from', 'until']) {
        if (!columns.includes(required)) throw new UsageError(`${file.slice(0, 200)} has no "${required}" column`, { hint: `the header: ${csvColumns.join(',')}`, code: 'bad_header' });
      }
      const lines: { line: number; outcome: 'created' | 'existing' | 'error'; permitId?: string; error?: string }[] = [
        ...[...decoded.problems, ...problems].map((p) => ({ line: p.line, outcome: 'error' as const, error: p.message })),
      ];
      for (const rec of records) {
        const f = (name: string) => { const i = columns.indexOf(name); const v = i < 0 ? undefined : rec.fields[i]?.trim(); return v === '' ? undefined : v; };
        try {
          if (rec.fields.some((x) => x.includes('\0'))) throw new UsageError('a field holds a NUL byte', { code: 'bad_field' });
          const req = permitRequest({
            holder: f('holder') ?? '', plates: (f('plates') ?? '').split(/[\s;]+/).filter(Boolean), from: f('from') ?? '', until: f('until') ?? '',
            days: f('days'), times: f('times'), type: f('type'), parks: f('parks'), priceMinor: f('price_minor'), every: f('every'),
            paidUntil: f('paid_until'), externalRef: f('external_ref'), note: f('note'),
          }, lot);
          const made = await createPermit(deps, lot, req);
          lines.push({ line: rec.line, outcome: made.created ? 'created' : 'existing', permitId: made.permit.permit_id });
        } catch (e) {
          if (!(e instanceof UserError)) throw e; // an outage or a bug stops the import; a bad line is reported
          lines.push({ line: rec.line, outcome: 'error', error: (e as Error).message.slice(0, 300) });
        }
      }
      lines.sort((a, b) => a.line - b.line);
      const count = (k: string) => lines.filter((l) => l.outcome === k).length;
      ctx.out.result({ lot: lot.code, created: count('created'), existing: count('existing'), errors: count('error'), lines },
        (x) => [`${x.created} created, ${x.existing} already there, ${x.errors} with errors`, ...lines.filter((l) => l.outcome === 'error').map((l) => `  line ${l.line}: ${l.error}`)].join('\n'));
      if (count('error') > 0) ctx.exitCode = ExitCode.usage;
    }, cmd));

  permit.command('export')
    .description('the lot\'s permits as CSV (the import\'s columns, plus permit_id and status)')
    .requiredOption('--lot <code>', 'lot code')
    .action((o: { lot: string }, cmd: Command) => run(async (ctx) => {
      const { pool, lot } = await lotOf(ctx, o.lot);
      const rows = await selectPermits(pool, { lotId: lot.lotId, limit: 1_000_000 });
      const local = (d: Date | null) => (d ? formatTime(d, lot.timeZone).replace(' ', 'T') : '');
      ctx.out.raw(stringify(rows.map((p) => ({
        permit_id: p.permit_id, status: p.status, holder: p.holder, plates: p.plates.join(' '), from: local(p.valid_from), until: local(p.valid_until),
        days: formatDays(p.days).replace('every day', 'all'), times: formatTimes(p.from_minute, p.to_minute).replace('all day', 'all'), type: p.vehicle_type,
        parks: p.parks, price_minor: p.price_minor ?? '', every: p.period ?? '', paid_until: local(p.paid_until), external_ref: p.external_ref ?? '', note: p.note ?? '',
      })), { header: true, columns: ['permit_id', 'status', ...csvColumns] }));
    }, cmd));

}
