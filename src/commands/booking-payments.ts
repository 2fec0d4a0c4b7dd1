// `parkctl booking pay-link ID`: the payment link of a held reservation, again or for the first time
// (when the provider was unreachable at reserve). One checkout per reservation, however often asked.
import type { Command } from 'commander';
import { formatMinorAmount } from '../core/money-format.js';
import { reservationJson } from '../core/json/shapes.js';
import type { Run } from './index.js';
import { formatLocalTime, localTimesIn, renderFields } from './output.js';
import { resolveId } from '../core/ids/prefix.js';

/** Subcommands of `parkctl booking` (added to the group made in booking.ts). */
export function registerBookingPayments(booking: Command, run: Run): void {
  booking.command('pay-link <id>')
    .description('the payment link of a held (TENTATIVE) reservation; creates it if the provider was down at reserve')
    .action((id: string, _o: unknown, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const { payLink } = await import('../core/payments/pay-link.js');
      const link = await payLink({ pool, clock: ctx.clock, payments: await ctx.payments(), logger: ctx.logger }, await resolveId(pool, 'reservation', id));
      ctx.out.result({ ...link, reservation: reservationJson(link.reservation) }, (d) => renderFields([
        ['reservation', d.reservation.reservationId], ['price', formatMinorAmount(d.reservation.priceMinor, d.reservation.currency)],
        ['hold expires', formatLocalTime(d.reservation.holdExpiresAt, d.reservation.timeZone)], ['pay', d.paymentUrl && localTimesIn(d.paymentUrl, d.reservation.timeZone)],
      ]));
    }, cmd));
}
