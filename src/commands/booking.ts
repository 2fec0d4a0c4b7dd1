import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { refuseControlCharacters } from '../core/control-characters.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { parseInstant, parsePlate, parseVehicleType } from '../core/input.js';
import { loadLot } from '../core/lots/lot.js';
import { cancelWithRefund, completeReservation, getReservation, listReservations, type CancelRefundSummary } from '../core/reservations/lifecycle.js';
import { reserve } from '../core/reservations/reserve.js';
import { countReservations, reservationStatuses, type ReservationRow, type ReservationStatus } from '../core/sql/reservations.js';
import { formatMinorAmount } from '../core/money-format.js';
import { reservationJson } from '../core/json/shapes.js';
import type { Run } from './index.js';
import { wholeNumberOption } from './numbers.js';
import { noteIfLimited } from './list-limit.js';
import { registerBookingBulk } from './booking-bulk.js';
import { registerBookingPayments } from './booking-payments.js';
import { formatLocalTime, formatTime, localTimesIn, renderCsv, renderFields, renderTable, windowColumns } from './output.js';
import { resolveId } from '../core/ids/prefix.js';
import { parseDay, parseTime } from '../core/time-input.js';
import { fromHelp, toHelp } from './window-options.js';
import { registerBookingActions } from './booking-actions.js';
import { repeatWhileWatching, withWatchOption } from './watch.js';

export function reservationFields(r: ReservationRow, timeZone: string = r.time_zone): [string, string | number | null][] {
  return [
    ['reservation', r.reservation_id], ['lot', r.lot_code], ['spot', r.spot_label], ['plate', r.plate], ['type', r.vehicle_type],
    ['window', `${formatTime(r.starts_at, timeZone)} -> ${formatTime(r.ends_at, timeZone)} (${timeZone})`], ['status', r.status],
    ['price', formatMinorAmount(r.price_minor, r.currency)], ['payment', `${r.payment_status}${r.payment_ref ? ` (${r.payment_ref})` : ''}`],
    ...(r.extension_minor > 0 ? [['extensions', `${formatMinorAmount(r.extension_minor, r.currency)} due at exit`] as [string, string]] : []),
    ...(r.status === 'TENTATIVE' ? [['hold expires', formatLocalTime(r.hold_expires_at, timeZone)] as [string, string]] : []),
    ['customer', r.customer_ref],
  ];
}

const csvColumns: { header: string; value: (r: ReservationRow) => unknown }[] = [
  { header: 'reservation_id', value: (r) => r.reservation_id }, { header: 'lot', value: (r) => r.lot_code },
  { header: 'vehicle_type', value: (r) => r.vehicle_type }, { header: 'start', value: (r) => r.starts_at }, { header: 'end', value: (r) => r.ends_at },
  { header: 'plate', value: (r) => r.plate }, { header: 'customer_ref', value: (r) => r.customer_ref }, { header: 'external_ref', value: (r) => r.external_ref },
  { header: 'spot', value: (r) => r.spot_label }, { header: 'status', value: (r) => r.status }, { header: 'price_minor', value: (r) => r.price_minor },
  { header: 'currency', value: (r) => r.currency }, { header: 'payment_status', value: (r) => r.payment_status },
];

/** "4.00 due at the desk in cash (cancelled 30h before the start: 100% back ...): parkctl payments hand-back ID". */
export function describeRefund(r: CancelRefundSummary, reservationId: string): string {
  if (r.amountMinor === 0) return `nothing (${r.band})`;
  const amount = formatMinorAmount(r.amountMinor, r.currency);
  if (r.status === 'due') return `${amount} due at the desk in ${r.provider ?? 'cash'} (${r.band}); when handed back: parkctl payments hand-back ${reservationId}`;
  if (r.status === 'pending') return `${amount} to the ${r.provider} payment, waiting for ${r.provider} (${r.band}); payments settle-refunds sends it`;
  return `${amount} ${r.status === 'succeeded' ? 'refunded' : r.status ?? 'recorded'} to the ${r.provider} payment (${r.band})`;
}

function noLinkReason(e: { kind: string; message: string } | null, reservationId: string): string {
  const then = `the hold stands; then: parkctl booking pay-link ${reservationId}`;
  if (!e) return `no payment link; ${then}`;
  if (e.kind === 'configuration') return `no payment link: ${e.message} (a configuration error, not an outage)`;
  return `no payment link, ${e.message}; ${then}`;
}

export function registerBooking(program: Command, run: Run): void {
  const booking = program.command('booking').description('reservations: reserve, pay, cancel, look up');

  booking.command('reserve')
    .description('hold a spot for a window (TENTATIVE for the lot\'s hold minutes) and get the payment link')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--type <vehicle-type>', 'motorcycle, compact, regular, large, ev or accessible')
    .requiredOption('--from <time>', fromHelp)
    .requiredOption('--to <time>', toHelp)
    .requiredOption('--plate <plate>', 'the vehicle\'s plate')
    .option('--customer <ref>', 'customer reference', 'walk-up')
    .option('--external-ref <ref>', 'your idempotency key: the same request under it returns the same reservation; another request is refused (exit 2)')
    .action((o: { lot: string; type: string; from: string; to: string; plate: string; customer: string; externalRef?: string }, cmd: Command) => run(async (ctx) => {
      const vehicleType = parseVehicleType(o.type);
      const plate = parsePlate(o.plate);
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const now = ctx.clock.now();
      const start = parseTime(o.from, lot.timeZone, '--from', { now });
      const end = parseTime(o.to, lot.timeZone, '--to', { now, base: start, baseName: '--from' });
      const r = await reserve(
        { db: pool, clock: ctx.clock, payments: await ctx.payments(), actor: ctx.actor, ...(await ctx.changeDeps()), occupancy: ctx.occupancy, logger: ctx.logger },
        lot, { vehicleType, start, end, plate, customerRef: o.customer, externalRef: ctx.idempotencyKey(o.externalRef) },
      );
      // a key made up for this run is nobody else's: a reservation found under it (the allocator asked
      // again after a lost answer) was made by this run
      if (ctx.writeKey?.generated) r.created = true;
      ctx.out.result(r, (d) => renderFields([
        ['reservation', d.reservationId], ['spot', d.spotLabel], ['window', `${formatTime(d.start, lot.timeZone)} -> ${formatTime(d.end, lot.timeZone)} (${lot.timeZone})`],
        ['status', d.created ? d.status : `${d.status} (existing reservation for this external ref)`], ['price', formatMinorAmount(d.priceMinor, d.currency)],
        ['hold expires', formatLocalTime(d.holdExpiresAt, lot.timeZone)], ['pay', localTimesIn(d.paymentUrl ?? noLinkReason(d.paymentError, d.reservationId), lot.timeZone)],
      ]));
      // An outage passes (the hold stands, pay-link fetches the link later); a configuration error does not:
      // the reservation is printed (it exists), the failure named on stderr, and the exit is 69.
      if (r.paymentError?.kind === 'configuration') {
        ctx.out.note(`parkctl: reservation ${r.reservationId} is held, but ${r.paymentError.service}: ${r.paymentError.message} (a configuration error, not an outage)`);
        ctx.out.note(`  hint: ${r.paymentError.hint ?? 'check the payment provider settings'}; then: parkctl booking pay-link ${r.reservationId}`);
        ctx.exitCode = ExitCode.unavailable;
      }
    }, cmd));

  registerBookingPayments(booking, run);
  registerBookingBulk(booking, run);
  registerBookingActions(booking, run);

  booking.command('complete <id>')
    .description('confirm a reservation once its payment is verified with the provider')
    .requiredOption('--payment-token <token>', 'provider token (cash:<id>:<amountMinor>:<CUR> from the attendant, cs_... or pi_... from Stripe)')
    .action((id: string, o: { paymentToken: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const fullId = await resolveId(pool, 'reservation', id);
      const r = await completeReservation({ pool, clock: ctx.clock, payments: await ctx.payments(), actor: ctx.actor, ...(await ctx.changeDeps()) }, fullId, o.paymentToken);
      // A payment that came after the hold lapsed books the window again: a new reservation, said plainly.
      const rebooked = r.reservation_id !== fullId;
      ctx.out.result({ ...reservationJson(r), rebookedFrom: rebooked ? fullId : null }, (d) => [
        ...(rebooked ? [`the hold on ${d.rebookedFrom} had expired; the payment booked the window again as ${d.reservationId} (spot ${d.spotLabel})`, ''] : []),
        renderFields(reservationFields(r)),
      ].join('\n'));
    }, cmd));

  booking.command('cancel <id>')
    .description('cancel a reservation that is held or confirmed; its spot goes back on sale')
    .option('--reason <text>', 'why (kept in the audit trail)', 'cancelled by operator')
    .action((id: string, o: { reason: string }, cmd: Command) => run(async (ctx) => {
      refuseControlCharacters(o.reason, '--reason'); // before the database is opened
      const pool = await ctx.pool();
      const c = await cancelWithRefund({ pool, clock: ctx.clock, actor: ctx.actor, payments: await ctx.payments(), logger: ctx.logger, ...(await ctx.changeDeps()) }, await resolveId(pool, 'reservation', id), o.reason);
      ctx.out.result({ ...reservationJson(c.reservation), refund: c.refund }, (d) => renderFields([...reservationFields(c.reservation), ...(d.refund ? [['refund', describeRefund(d.refund, d.reservationId)] as [string, string]] : [])]));
    }, cmd));

  booking.command('show <id>')
    .description('one reservation')
    .action((id: string, _o, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const r = await getReservation(pool, await resolveId(pool, 'reservation', id));
      ctx.out.result(reservationJson(r), () => renderFields(reservationFields(r)));
    }, cmd));

  withWatchOption(booking.command('list'))
    .description('reservations, filtered')
    .option('--lot <code>', 'only this lot')
    .option('--status <status>', `one of ${reservationStatuses.join(', ')}`)
    .option('--plate <plate>', 'only this plate')
    .option('--day <date>', 'windows touching this day (lot time): YYYY-MM-DD, today, tomorrow, yesterday')
    .option('--limit <n>', 'at most this many', '200')
    .option('--csv', 'print CSV (for spreadsheets; booking export writes what booking import reads back)')
    .action((o: { lot?: string; status?: string; plate?: string; day?: string; limit: string; csv?: boolean; watch?: string | boolean }, cmd: Command) => run(async (ctx) => repeatWhileWatching(ctx, o.watch, async () => {
      // Flags first: bad input fails before any database is opened (or an embedded one started).
      const status = o.status?.trim().toUpperCase();
      if (status !== undefined && !reservationStatuses.includes(status as ReservationStatus)) {
        throw new UsageError(`unknown status "${o.status}"`, { hint: `use one of ${reservationStatuses.join(', ')}` });
      }
      const limit = wholeNumberOption(o.limit, '--limit');
      // a first check before any database is opened (the lot's zone comes later)
      if (o.day) parseDay(o.day, 'UTC', '--day', ctx.clock.now());
      const plate = o.plate ? parsePlate(o.plate) : undefined;
      const pool = await ctx.pool();
      const lot = o.lot ? await loadLot(pool, o.lot) : null;
      let dayStart: Date | undefined;
      let dayEnd: Date | undefined;
      if (o.day) {
        const tz = lot?.timeZone ?? 'UTC';
        dayStart = parseInstant(parseDay(o.day, tz, '--day', ctx.clock.now()), tz, '--day');
        dayEnd = DateTime.fromJSDate(dayStart, { zone: tz }).plus({ days: 1 }).toJSDate();
      }
      const filter = { lotId: lot?.lotId, status: status as ReservationStatus | undefined, plate, dayStart, dayEnd };
      const rows = await listReservations(pool, { ...filter, limit });
      await noteIfLimited(ctx.out, rows.length, limit, () => countReservations(pool, filter));
      if (o.csv) return ctx.out.raw(renderCsv(rows, csvColumns));
      ctx.out.result(rows.map(reservationJson), () => rows.length === 0 ? 'no reservations match' : renderTable(rows, [
        { header: 'id', field: 'reservationId', value: (x) => x.reservation_id, id: true }, { header: 'lot', field: 'lotCode', value: (x) => x.lot_code, priority: lot ? 9 : 3 },
        { header: 'spot', field: 'spotLabel', value: (x) => x.spot_label }, { header: 'plate', value: (x) => x.plate },
        { header: 'type', field: 'vehicleType', value: (x) => x.vehicle_type, priority: 2 },
        ...windowColumns(rows, (x) => ({ start: x.starts_at, end: x.ends_at, timeZone: x.time_zone })),
        { header: 'status', value: (x) => x.status }, { header: 'price', field: 'priceMinor', value: (x) => formatMinorAmount(x.price_minor, x.currency), align: 'right', priority: 1 },
        { header: 'customer', field: 'customerRef', value: (x) => x.customer_ref, wide: true }, { header: 'payment', field: 'paymentStatus', value: (x) => x.payment_status, wide: true },
      ]));
    }), cmd));
}
