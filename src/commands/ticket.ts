// `parkctl ticket ...`: drive-up visitors' paper tickets (issue 15): list, show what one owes now, pay it
// (cash, a card terminal, or nil with a reason), and replace a lost one.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { loadLot, type Lot } from '../core/lots/lot.js';
import { formatMinorAmount } from '../core/money-format.js';
import { ticketJson, type TicketJson } from '../core/json/shapes.js';
import { selectTickets, type TicketStatus } from '../core/sql/tickets.js';
import { cashOutsideShiftWarning } from '../core/shifts/shift.js';
import { ticketPayLink } from '../core/tickets/card-link.js';
import { payTicket, replaceLostTicket, showTicket, viewTicket, type PayRequest } from '../core/tickets/tickets.js';
import { resolveId } from '../core/ids/prefix.js';
import type { Run } from './index.js';
import { formatTime, renderFields, renderTable } from './output.js';


const statuses: readonly TicketStatus[] = ['open', 'paid', 'used', 'lost'];

function money(v: number | null, currency: string): string {
  return v === null ? 'not priced (see attendant)' : formatMinorAmount(v, currency);
}

function renderTicket(j: TicketJson, lot: Lot): string {
  const at = (d: Date | null) => (d ? formatTime(d, lot.timeZone) : '-');
  return renderFields([
    ['ticket', j.number], ['status', j.status], ['plate', j.plate ?? '(none read)'], ['entered', at(j.enteredAt)],
    ['charge now', money(j.chargeMinor, j.currency)], ['paid', formatMinorAmount(j.paidMinor, j.currency)],
    ...(j.validatedMinor > 0 ? [['validated', formatMinorAmount(j.validatedMinor, j.currency)] as [string, string]] : []),
    ...(j.waivedMinor > 0 ? [['waived', `${formatMinorAmount(j.waivedMinor, j.currency)} (${j.waiveReason ?? ''})`] as [string, string]] : []),
    ['due now', money(j.dueMinor, j.currency)],
    ...(j.exitBy ? [['leave by', at(j.exitBy)] as [string, string]] : []),
    ...(j.lostFeeMinor !== null ? [['lost-ticket fee', formatMinorAmount(j.lostFeeMinor, j.currency)] as [string, string]] : []),
  ]);
}

/** --cash | --card | --nil --reason: exactly one way to pay. */
function payMethod(o: { cash?: boolean; card?: boolean; nil?: boolean; reason?: string }, required: boolean): PayRequest | undefined {
  const chosen = (['cash', 'card', 'nil'] as const).filter((m) => o[m]);
  if (chosen.length > 1) throw new UsageError(`choose one of --cash, --card, --nil (not ${chosen.map((m) => `--${m}`).join(' and ')})`, { hint: 'e.g. --cash', code: 'bad_option' });
  if (chosen.length === 0) {
    if (required) throw new UsageError('say how it is paid: --cash, --card, --card-link or --nil --reason "..."', { hint: 'e.g. parkctl ticket pay W17 --lot RIVERSIDE --cash', code: 'bad_option' });
    if (o.reason !== undefined) throw new UsageError('--reason goes with --nil', { hint: 'e.g. --nil --reason "barrier fault"', code: 'bad_option' });
    return undefined;
  }
  return { method: chosen[0]!, reason: o.reason };
}

export function registerTicket(program: Command, run: Run): void {
  const ticket = program.command('ticket').description('drive-up tickets: what one owes, pay it, replace a lost one');

  ticket.command('list')
    .description('the lot\'s tickets, newest first, with what each owes now')
    .requiredOption('--lot <code>', 'lot code')
    .option('--status <status>', `only these: ${statuses.join(', ')}`)
    .option('--limit <n>', 'how many', '50')
    .action((o: { lot: string; status?: string; limit: string }, cmd: Command) => run(async (ctx) => {
      if (o.status !== undefined && !statuses.includes(o.status as TicketStatus)) throw new UsageError(`--status "${o.status.slice(0, 20)}" is not one of ${statuses.join(', ')}`, { hint: 'e.g. --status open', code: 'bad_status' });
      if (!/^\d{1,4}$/.test(o.limit) || Number(o.limit) < 1) throw new UsageError(`--limit "${o.limit.slice(0, 20)}" is not a number from 1 to 9999`, { hint: 'e.g. --limit 50', code: 'bad_limit' });
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const now = ctx.clock.now();
      const rows = (await selectTickets(pool, lot.lotId, { status: o.status as TicketStatus | undefined, limit: Number(o.limit) })).map((t) => ticketJson(viewTicket(lot, t, now), lot.code));
      ctx.out.result(rows, (list) => (list.length === 0 ? `no tickets in ${lot.code}` : renderTable(list, [
        { header: 'TICKET', value: (t) => t.number },
        { header: 'STATUS', value: (t) => t.status },
        { header: 'PLATE', value: (t) => t.plate ?? '-' },
        { header: 'ENTERED', value: (t) => formatTime(t.enteredAt, lot.timeZone) },
        { header: 'PAID', value: (t) => formatMinorAmount(t.paidMinor, t.currency), align: 'right' },
        { header: 'DUE NOW', value: (t) => (t.dueMinor === null ? '?' : formatMinorAmount(t.dueMinor, t.currency)), align: 'right' },
      ])));
    }, cmd));

  ticket.command('show')
    .description('one ticket: its entry, what it owes now, until when a paid one may leave')
    .argument('<number>', 'the ticket number, as printed')
    .requiredOption('--lot <code>', 'lot code')
    .action((number: string, o: { lot: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const v = await showTicket({ pool, clock: ctx.clock }, lot, number);
      ctx.out.result(ticketJson(v, lot.code), (j) => renderTicket(j, lot));
    }, cmd));

  ticket.command('pay')
    .description('pay what a ticket owes now (the pay station or the desk); the car then has the lot\'s grace to leave')
    .argument('<number>', 'the ticket number, as printed')
    .requiredOption('--lot <code>', 'lot code')
    .option('--cash', 'cash taken at the desk (counts in the cashier\'s shift)')
    .option('--card', 'paid on the card terminal')
    .option('--card-link', 'a Stripe Checkout link for what it owes now; paid, the webhook settles it')
    .option('--nil', 'let it go without payment (needs --reason; audited)')
    .option('--reason <text>', 'why nothing is taken (with --nil)')
    .action((number: string, o: { lot: string; cash?: boolean; card?: boolean; cardLink?: boolean; nil?: boolean; reason?: string }, cmd: Command) => run(async (ctx) => {
      if (o.cardLink) {
        if (o.cash || o.card || o.nil || o.reason !== undefined) throw new UsageError('--card-link goes alone (not with --cash, --card, --nil or --reason)', { hint: 'e.g. parkctl ticket pay W17 --lot RIVERSIDE --card-link', code: 'bad_option' });
        const pool = await ctx.pool();
        const lot = await loadLot(pool, o.lot);
        const link = await ticketPayLink({ pool, clock: ctx.clock, actor: ctx.actor, payments: await ctx.payments(), ...(await ctx.changeDeps()) }, lot, number);
        ctx.out.result({ ...link, lot: lot.code }, (j) => renderFields([['ticket', j.number], ['amount', formatMinorAmount(j.amountMinor, j.currency)], ['pay here', j.paymentUrl]]));
        return;
      }
      const pay = payMethod(o, true)!;
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const paid = await payTicket({ pool, clock: ctx.clock, actor: ctx.actor, ...(await ctx.changeDeps()) }, lot, number, pay);
      if (pay.method === 'cash' && paid.takenMinor > 0) { const w = await cashOutsideShiftWarning(pool, lot); if (w) ctx.out.note(w); }
      ctx.out.result({ ...ticketJson(paid, lot.code), takenMinor: paid.takenMinor }, (j) => renderTicket(j, lot));
    }, cmd));

  ticket.command('lost')
    .description('replace a lost ticket: priced from the entry when the plate was read there, else the lot\'s flat lost-ticket fee')
    .requiredOption('--lot <code>', 'lot code')
    .option('--plate <plate>', 'the car\'s plate (proves its entry when a camera read it there)')
    .option('--visit <id>', 'the car\'s visit id (or its first characters), when the attendant knows it: priced from its entry')
    .option('--cash', 'take the fee in cash now')
    .option('--card', 'take the fee on the card terminal now')
    .option('--nil', 'let it go without payment (needs --reason; audited)')
    .option('--reason <text>', 'why nothing is taken (with --nil)')
    .action((o: { lot: string; plate?: string; visit?: string; cash?: boolean; card?: boolean; nil?: boolean; reason?: string }, cmd: Command) => run(async (ctx) => {
      const pay = payMethod(o, false);
      if (o.visit !== undefined && o.plate !== undefined) throw new UsageError('give --plate or --visit, not both', { hint: 'e.g. parkctl ticket lost --lot RIVERSIDE --visit 3f2a9c1e --cash', code: 'bad_option' });
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const visitId = o.visit === undefined ? undefined : await resolveId(pool, 'visit', o.visit);
      const r = await replaceLostTicket({ pool, clock: ctx.clock, actor: ctx.actor, ...(await ctx.changeDeps()) }, lot, { plate: o.plate, visitId, pay });
      if (pay?.method === 'cash' && (r.paid?.takenMinor ?? 0) > 0) { const w = await cashOutsideShiftWarning(pool, lot); if (w) ctx.out.note(w); }
      ctx.out.result({ ...ticketJson(r, lot.code), lost: r.lostNumber, pricedBy: r.pricedBy }, (j) => [
        `replacement ticket ${j.number}${j.lost ? ` for lost ${j.lost}` : ''}: ${j.pricedBy === 'entry' ? 'priced from the entry the plate read proves' : 'the lot\'s flat lost-ticket fee'}`,
        renderTicket(j, lot),
      ].join('\n'));
    }, cmd));
}
