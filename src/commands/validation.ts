// `parkctl validation ...`: validators (a shop, a hotel, a cinema) and their validations of tickets,
// visits and bookings (issue 15), and a report per validator for its invoice or its prepaid spend.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { parseDay } from '../core/time-input.js';
import { loadLot, type Lot } from '../core/lots/lot.js';
import { formatMinorAmount, parseMajorAmount } from '../core/money-format.js';
import { validatorJson, type ValidatorJson } from '../core/json/shapes.js';
import { selectValidators, type ValidationKind } from '../core/sql/validations.js';
import {
  addValidator, applyValidation, countTodayUses, findValidator, topUpValidator, validationReport, type ValidationTarget,
} from '../core/validations/validations.js';
import { resolveId } from '../core/ids/prefix.js';
import type { Run } from './index.js';
import { formatTime, renderFields, renderTable } from './output.js';

function amount(input: string, option: string, lot: Lot): number {
  const minor = parseMajorAmount(input, lot.currency);
  if (minor === null || minor <= 0) throw new UsageError(`${option} "${input.slice(0, 40)}" is not an amount in ${lot.currency}`, { hint: `e.g. ${option} 50.00`, code: 'bad_amount' });
  return minor;
}

function wholeNumber(input: string, option: string, max: number): number {
  if (!/^\d{1,7}$/.test(input.trim()) || Number(input) < 1 || Number(input) > max) throw new UsageError(`${option} "${input.slice(0, 20)}" is not a whole number from 1 to ${max}`, { hint: `e.g. ${option} 2`, code: 'bad_number' });
  return Number(input);
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;


function offText(v: ValidatorJson): string {
  return v.kind === 'percent' ? `${v.value}% off` : v.kind === 'amount' ? `${formatMinorAmount(v.value, v.currency)} off` : `${v.value} h free`;
}

function renderValidator(v: ValidatorJson, lot: Lot): string {
  return renderFields([
    ['validator', `${v.code} (${v.name})`], ['gives', offText(v)], ['daily limit', v.dailyLimit === null ? 'none' : String(v.dailyLimit)],
    ['billing', v.billing === 'prepaid' ? `prepaid, balance ${formatMinorAmount(v.balanceMinor ?? 0, v.currency)}` : 'invoiced monthly'],
    ...(v.usesToday !== undefined ? [['used today', String(v.usesToday)] as [string, string]] : []),
    ['since', formatTime(v.createdAt, lot.timeZone)],
  ]);
}

export function registerValidation(program: Command, run: Run): void {
  const validation = program.command('validation').description('validations: shops, hotels and cinemas taking parking off their customers\' fee');
  const validator = validation.command('validator').description('the lot\'s validators: add, list, show, top up');

  validator.command('add')
    .description('add a validator: --percent, --amount or --hours off, a daily limit, prepaid or invoiced')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--code <code>', 'its code, printed on its stamp or QR sticker (2-32 letters, digits, dashes)')
    .requiredOption('--name <name>', 'who it is, e.g. "Riverside Cinema"')
    .option('--percent <n>', 'percent off the fee (1-100)')
    .option('--amount <amount>', 'an amount off the fee, in major units (2.50)')
    .option('--hours <n>', 'free hours from the entry')
    .option('--daily-limit <n>', 'validations a day (lot time) at most')
    .option('--prepaid <amount>', 'paid in advance: the opening balance, in major units (each validation takes off it)')
    .option('--invoice', 'invoiced monthly from the report (the default)')
    .action((o: { lot: string; code: string; name: string; percent?: string; amount?: string; hours?: string; dailyLimit?: string; prepaid?: string; invoice?: boolean }, cmd: Command) => run(async (ctx) => {
      const kinds = (['percent', 'amount', 'hours'] as const).filter((k) => o[k] !== undefined);
      if (kinds.length !== 1) throw new UsageError('give exactly one of --percent, --amount, --hours', { hint: 'e.g. --hours 2', code: 'bad_option' });
      if (o.prepaid !== undefined && o.invoice) throw new UsageError('a validator is either --prepaid or --invoice', { hint: 'e.g. --prepaid 200.00', code: 'bad_option' });
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const kind: ValidationKind = kinds[0]!;
      const value = kind === 'amount' ? amount(o.amount!, '--amount', lot) : wholeNumber(kind === 'percent' ? o.percent! : o.hours!, `--${kind}`, kind === 'percent' ? 100 : 720);
      const row = await addValidator({ pool, clock: ctx.clock, actor: ctx.actor }, lot, {
        code: o.code, name: o.name, kind, value, dailyLimit: o.dailyLimit === undefined ? null : wholeNumber(o.dailyLimit, '--daily-limit', 100_000),
        billing: o.prepaid !== undefined ? 'prepaid' : 'invoice', balanceMinor: o.prepaid !== undefined ? amount(o.prepaid, '--prepaid', lot) : undefined,
      });
      ctx.out.result(validatorJson(row, lot.code), (j) => renderValidator(j, lot));
    }, cmd));

  validator.command('list')
    .description('the lot\'s validators')
    .requiredOption('--lot <code>', 'lot code')
    .action((o: { lot: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const rows = (await selectValidators(pool, lot.lotId)).map((v) => validatorJson(v, lot.code));
      ctx.out.result(rows, (list) => (list.length === 0 ? `no validators in ${lot.code}` : renderTable(list, [
        { header: 'CODE', value: (v) => v.code },
        { header: 'NAME', value: (v) => v.name },
        { header: 'GIVES', value: (v) => offText(v) },
        { header: 'DAILY', value: (v) => (v.dailyLimit === null ? '-' : String(v.dailyLimit)), align: 'right' },
        { header: 'BILLING', value: (v) => v.billing },
        { header: 'BALANCE', value: (v) => (v.balanceMinor === null ? '-' : formatMinorAmount(v.balanceMinor, v.currency)), align: 'right' },
      ])));
    }, cmd));

  validator.command('show')
    .description('one validator: what it gives, its limit, its balance, how many it used today')
    .argument('<code>', 'the validator\'s code')
    .requiredOption('--lot <code>', 'lot code')
    .action((code: string, o: { lot: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const v = await findValidator(pool, lot, code);
      const used = await countTodayUses({ pool, clock: ctx.clock }, lot, v);
      ctx.out.result(validatorJson(v, lot.code, used), (j) => renderValidator(j, lot));
    }, cmd));

  validator.command('topup')
    .description('add to a prepaid validator\'s balance')
    .argument('<code>', 'the validator\'s code')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--amount <amount>', 'in major units (100.00)')
    .action((code: string, o: { lot: string; amount: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const v = await topUpValidator({ pool, clock: ctx.clock, actor: ctx.actor }, lot, code, amount(o.amount, '--amount', lot));
      ctx.out.result(validatorJson(v, lot.code), (j) => renderValidator(j, lot));
    }, cmd));

  validation.command('apply')
    .description('validate a ticket, a visit or a booking with a validator\'s code: its fee comes down, never below zero')
    .argument('<code>', 'the validator\'s code (as on its stamp)')
    .requiredOption('--lot <code>', 'lot code')
    .option('--ticket <number>', 'a ticket number, as printed')
    .option('--visit <id>', 'a visit id (or its first characters)')
    .option('--booking <id>', 'a booking (reservation) id or its first characters, its car inside')
    .action((code: string, o: { lot: string; ticket?: string; visit?: string; booking?: string }, cmd: Command) => run(async (ctx) => {
      const given = [o.ticket, o.visit, o.booking].filter((x) => x !== undefined);
      if (given.length !== 1) throw new UsageError('give exactly one of --ticket, --visit, --booking', { hint: 'e.g. --ticket NORTHIN-1042', code: 'bad_option' });
      const pool = await ctx.pool();
      // a visit or a booking by its id or a unique prefix of it (as booking show takes)
      const full = async (kind: 'visit' | 'reservation', id: string) => (uuid.test(id.trim()) ? id.trim().toLowerCase() : resolveId(pool, kind, id));
      const target: ValidationTarget = o.ticket !== undefined ? { ticket: o.ticket } : o.visit !== undefined ? { visitId: await full('visit', o.visit) } : { reservationId: await full('reservation', o.booking!) };
      const lot = await loadLot(pool, o.lot);
      const a = await applyValidation({ pool, clock: ctx.clock, actor: ctx.actor, ...(await ctx.changeDeps()) }, lot, code, target);
      const json = {
        validator: a.validator.code, lot: lot.code, ticket: a.ticketNumber, visitId: a.use.visit_id, bookingId: a.use.reservation_id,
        amountMinor: a.use.amount_minor, dueBeforeMinor: a.dueBeforeMinor, dueAfterMinor: a.dueAfterMinor, currency: lot.currency,
        balanceMinor: a.validator.billing === 'prepaid' ? a.validator.balance_minor : null, appliedAt: a.use.applied_at,
      };
      ctx.out.result(json, (j) => renderFields([
        ['validated', `${j.ticket ? `ticket ${j.ticket}` : `booking ${j.bookingId ?? j.visitId}`} by ${j.validator}`],
        ['off', formatMinorAmount(j.amountMinor, j.currency)], ['due now', formatMinorAmount(j.dueAfterMinor, j.currency)],
        ...(j.balanceMinor !== null ? [['balance left', formatMinorAmount(j.balanceMinor, j.currency)] as [string, string]] : []),
      ]));
    }, cmd));

  validation.command('report')
    .description('a validator\'s validations per day: what to invoice, or what its prepaid balance paid')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--validator <code>', 'the validator\'s code')
    .option('--from <date>', 'first day (lot time): YYYY-MM-DD, today, yesterday (default: the 1st of this month)')
    .option('--to <date>', 'last day (lot time): YYYY-MM-DD, today, yesterday (default: today)')
    .action((o: { lot: string; validator: string; from?: string; to?: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const day = (text: string | undefined, what: string) => (text === undefined ? undefined : parseDay(text, lot.timeZone, what, ctx.clock.now()));
      const r = await validationReport({ pool, clock: ctx.clock }, lot, o.validator, { from: day(o.from, '--from'), to: day(o.to, '--to') });
      const json = {
        validator: r.validator.code, name: r.validator.name, lot: lot.code, billing: r.validator.billing, from: r.from, to: r.to, currency: r.validator.currency,
        uses: r.uses, amountMinor: r.amountMinor, topupsMinor: r.topupsMinor, balanceMinor: r.validator.billing === 'prepaid' ? r.validator.balance_minor : null, days: r.days,
      };
      const m = (v: number) => formatMinorAmount(v, json.currency);
      ctx.out.result(json, (j) => [
        renderFields([
          ['validator', `${j.validator} (${j.name})`], ['period', `${j.from} to ${j.to}`], ['validations', String(j.uses)],
          [j.billing === 'invoice' ? 'to invoice' : 'taken off fees', m(j.amountMinor)],
          ...(j.billing === 'prepaid' ? [['topped up', m(j.topupsMinor)] as [string, string], ['balance now', m(j.balanceMinor ?? 0)] as [string, string]] : []),
        ]),
        ...(j.days.length ? ['', renderTable(j.days, [
          { header: 'DAY', value: (d) => d.day },
          { header: 'USES', value: (d) => String(d.uses), align: 'right' },
          { header: 'AMOUNT', value: (d) => m(d.amountMinor), align: 'right' },
        ])] : []),
      ].join('\n'));
    }, cmd));
}
