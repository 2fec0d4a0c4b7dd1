// `parkctl payments ...`: the Stripe webhook listener, what the attendant takes at the exit, refunds
// waiting to be sent, and a look at the payments rows.
import type { Command } from 'commander';
import { ExternalError, UsageError } from '../core/errors.js';
import { parsePlate } from '../core/input.js';
import { loadLot } from '../core/lots/lot.js';
import { collectPayment, type CollectMethod } from '../core/payments/collect.js';
import { handBackCashRefund } from '../core/payments/hand-back.js';
import { settleRefunds } from '../core/payments/settle-refunds.js';
import { handleProviderEvent } from '../core/payments/webhook.js';
import { countPayments, selectPayments, type PaymentRow } from '../core/sql/payments.js';
import { selectLots } from '../core/sql/lots.js';
import { formatMinorAmount } from '../core/money-format.js';
import { paymentJson, visitBalanceJson } from '../core/json/shapes.js';
import { stderrLogger } from '../drivers/stderr-logger.js';
import type { AppContext } from './context.js';
import type { Run } from './index.js';
import { stopOnSignals } from './signals.js';
import { noteIfLimited } from './list-limit.js';
import { wholeNumberOption } from './numbers.js';
import { formatTime, renderFields, renderTable, timeHeader } from './output.js';
import { resolveId, resolveIdPrefix } from '../core/ids/prefix.js';

/** `127.0.0.1:8787`, `[::1]:8787`, `:8787` (all interfaces). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen "${listen}" is not HOST:PORT`, { hint: 'e.g. --listen 127.0.0.1:8787', code: 'bad_listen' });
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Serve Stripe webhooks until `stop` aborts. Logs JSON lines to stderr. */
export async function serveWebhooks(ctx: AppContext, listen: string, stop: AbortSignal): Promise<void> {
  const { host, port } = parseListen(listen);
  const secret = ctx.config.stripe?.webhookSecret;
  if (!ctx.config.stripe || !secret) {
    throw new UsageError('the webhook listener needs Stripe: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET', { hint: 'the signing secret (whsec_...) is on the endpoint in the Stripe dashboard', code: 'no_webhook_secret' });
  }
  const logger = stderrLogger('info', (line) => ctx.out.note(line.trimEnd()));
  const deps = { pool: await ctx.pool(), clock: ctx.clock, payments: await ctx.payments(), actor: 'webhook:stripe', logger, ...(await ctx.changeDeps()) };
  const { startStripeWebhookServer } = await import('../drivers/stripe/webhook-server.js');
  const server = await startStripeWebhookServer({ host, port, secret, logger, onEvent: (e) => handleProviderEvent(deps, e) });
  logger.info('listening for Stripe webhooks', { url: server.url });
  if (!stop.aborted) await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
  await server.close();
  logger.info('webhook listener stopped');
}

function parseAmount(input: string | undefined): number | undefined {
  if (input === undefined) return undefined;
  if (!/^\d{1,15}$/.test(input)) throw new UsageError(`--amount "${input}" is not a whole number of minor units`, { hint: 'e.g. --amount 450 for 4.50', code: 'bad_amount' });
  return Number(input);
}

const paymentStatuses = ['pending', 'due', 'processing', 'succeeded', 'failed'];

function paymentStatusOption(status: string | undefined): string | null {
  if (status === undefined) return null;
  const s = status.trim().toLowerCase();
  if (!paymentStatuses.includes(s)) throw new UsageError(`unknown payment status "${status}"`, { hint: `use one of ${paymentStatuses.join(', ')}` });
  return s;
}

/** "12.00 GBP in 3 refunds", per currency; empty when nothing is due. */
function dueTotals(rows: readonly PaymentRow[]): string {
  const byCurrency = new Map<string, { sum: number; n: number }>();
  for (const r of rows) {
    const t = byCurrency.get(r.currency) ?? { sum: 0, n: 0 };
    byCurrency.set(r.currency, { sum: t.sum + r.amount_minor, n: t.n + 1 });
  }
  return [...byCurrency].map(([cur, t]) => `${formatMinorAmount(t.sum, cur)} in ${t.n} refund${t.n === 1 ? '' : 's'}`).join(', ');
}

export function registerPayments(program: Command, run: Run): void {
  const payments = program.command('payments').description('money: Stripe webhooks, payments taken at the exit, refunds');

  payments.command('webhook')
    .description('receive Stripe webhooks (signed) and confirm bookings from them; runs until SIGINT/SIGTERM')
    .requiredOption('--listen <host:port>', 'where to listen, e.g. 127.0.0.1:8787')
    .action((o: { listen: string }, cmd: Command) => run(async (ctx) => {
      const stop = stopOnSignals();
      try {
        await serveWebhooks(ctx, o.listen, stop.signal);
      } finally {
        stop.dispose();
      }
    }, cmd));

  payments.command('collect [visit-id]')
    .description('record what the attendant takes at the exit (overstay, a walk-in\'s stay): a visit id, or --plate with --lot')
    .option('--plate <plate>', 'the car\'s plate')
    .option('--lot <code>', 'lot code (with --plate)')
    .requiredOption('--method <method>', 'cash or card (a card terminal)')
    .option('--amount <minor>', 'minor units taken (default: everything due)')
    .action((visitId: string | undefined, o: { plate?: string; lot?: string; method: string; amount?: string }, cmd: Command) => run(async (ctx) => {
      if (o.method !== 'cash' && o.method !== 'card') throw new UsageError(`--method "${o.method}" is not cash or card`, { code: 'bad_method' });
      if (!visitId && !(o.plate && o.lot)) throw new UsageError('say which visit: a visit id, or --plate and --lot', { hint: 'e.g. parkctl payments collect --lot CITY-GARAGE --plate AB12CDE --method cash' });
      const pool = await ctx.pool();
      const lot = o.lot ? await loadLot(pool, o.lot) : null;
      const c = await collectPayment({ pool, clock: ctx.clock, actor: ctx.actor, payments: await ctx.payments(), logger: ctx.logger }, {
        ...(visitId ? { visitId: await resolveId(pool, 'visit', visitId) } : { lotId: lot!.lotId, plate: parsePlate(o.plate!) }),
        method: o.method as CollectMethod, amountMinor: parseAmount(o.amount),
      });
      ctx.out.result({ payment: paymentJson(c.payment), visit: visitBalanceJson(c.visit), outstandingMinor: c.outstandingMinor }, (d) => renderFields([
        ['collected', formatMinorAmount(d.payment.amountMinor, d.payment.currency)], ['method', d.payment.provider], ['plate', d.visit.plate],
        ['visit', d.visit.visitId], ['still due', d.outstandingMinor ? formatMinorAmount(d.outstandingMinor, d.visit.currency) : 'nothing'],
      ]));
    }, cmd));

  payments.command('settle-refunds')
    .description('send refunds waiting on the provider (cancellations, late payments, no-shows); for cron, one line per run')
    .option('--lot <code>', 'only this lot')
    .action((o: { lot?: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = o.lot ? await loadLot(pool, o.lot) : null;
      const report = await settleRefunds({ pool, clock: ctx.clock, actor: ctx.actor, payments: await ctx.payments(), logger: ctx.logger }, { lotId: lot?.lotId ?? null });
      const line = `refunds: ${report.noShowsRecorded} no-show recorded, ${report.sent} sent, ${report.stillPending} pending, ${report.failed} failed, ${report.dueAtDesk} due at the desk; charges: ${report.chargesRetried} retried, ${report.chargesInDoubt} still unconfirmed`;
      // cron: exit 69 when the provider failed (the refunds stay pending; the next run retries under the same keys)
      if (report.failed > 0 || report.chargesInDoubt > 0) throw new ExternalError((await ctx.payments()).name, line, { hint: 'run again later: retrying never refunds twice' });
      ctx.out.result(report, () => line);
    }, cmd));

  payments.command('hand-back <id>')
    .description('the attendant hands a cash refund back at the desk: a reservation id (all its refunds due) or a refund\'s payment id')
    .action((id: string, _o: unknown, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const { id: fullId } = await resolveIdPrefix(pool, ['reservation', 'payment'], id);
      const done = await handBackCashRefund({ pool, clock: ctx.clock, actor: ctx.actor, ...(await ctx.changeDeps()) }, fullId);
      ctx.out.result({ ...done, refunds: done.refunds.map(paymentJson) }, (d) => renderFields([
        ['handed back', formatMinorAmount(d.amountMinor, d.currency)], ['plate', d.plate], ['refunds', d.refunds.map((r) => r.paymentId).join(', ')],
        ['why', d.refunds.map((r) => r.note).join('; ')],
      ]));
    }, cmd));

  payments.command('list')
    .description('payments rows: money received, refunds (pending, due, sent), exit collections; --due: cash to hand back at the desk')
    .option('--due', 'only refunds due at the desk (cash the attendant hands back), with the total')
    .option('--lot <code>', 'only this lot')
    .option('--reservation <id>', 'only this reservation')
    .option('--visit <id>', 'only this visit')
    .option('--status <status>', 'pending, due, processing, succeeded or failed')
    .option('--limit <n>', 'at most this many', '200')
    .action((o: { due?: boolean; lot?: string; reservation?: string; visit?: string; status?: string; limit: string }, cmd: Command) => run(async (ctx) => {
      const limit = wholeNumberOption(o.limit, '--limit', 1, 50);
      const pool = await ctx.pool();
      const lot = o.lot ? await loadLot(pool, o.lot) : null;
      const filter = {
        lotId: lot?.lotId, reservationId: o.reservation ? await resolveId(pool, 'reservation', o.reservation) : null, visitId: o.visit ? await resolveId(pool, 'visit', o.visit) : null,
        status: o.due ? 'due' : paymentStatusOption(o.status), purpose: o.due ? 'refund' as const : null,
      };
      const rows = await selectPayments(pool, { ...filter, limit });
      await noteIfLimited(ctx.out, rows.length, limit, () => countPayments(pool, filter));
      const totals = dueTotals(rows.filter((x) => x.purpose === 'refund' && x.status === 'due'));
      // each payment in its own lot's zone, with --lot or without (issue 13: --lot changed the zone)
      const zones = new Map((lot ? [] : await selectLots(pool)).map((l) => [l.lot_id, l.time_zone]));
      const zoneOf = (x: PaymentRow) => (lot ? lot.timeZone : (zones.get(x.lot_id) ?? 'UTC'));
      ctx.out.result(rows.map(paymentJson), () => rows.length === 0 ? 'no payments match' : renderTable(rows, [
        { header: 'id', field: 'paymentId', value: (x) => x.payment_id, id: true, priority: 4 },
        { header: timeHeader('when', rows.map((x) => ({ at: x.created_at, timeZone: zoneOf(x) }))), field: 'createdAt', value: (x) => formatTime(x.created_at, zoneOf(x)) },
        { header: 'purpose', value: (x) => x.purpose },
        { header: 'amount', field: 'amountMinor', value: (x) => formatMinorAmount(x.amount_minor, x.currency), align: 'right' }, { header: 'provider', value: (x) => x.provider, priority: 2 },
        { header: 'status', value: (x) => x.status }, { header: 'ref', field: 'providerRef', value: (x) => x.provider_ref, priority: 3 },
        // --due: whole ids, as hand-back takes them from the attendant's copy and paste
        { header: 'for', value: (x) => x.reservation_id ?? x.visit_id ?? '', id: !o.due },
        ...(o.due ? [{ header: 'why', field: 'note', value: (x: PaymentRow) => x.note }] : [{ header: 'note', value: (x: PaymentRow) => x.note, wide: true as const }]),
      ]) + (totals ? `\n\ndue at the desk: ${totals}; when handed back: parkctl payments hand-back <reservation>` : ''));
    }, cmd));
}
