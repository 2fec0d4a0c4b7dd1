// What the dashboard's keys do, as commands too (issue 13): `booking extend` (the dashboard's `e`) and
// `booking find` (its `/`). The same core calls as the dashboard, so both doors agree.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { resolveId } from '../core/ids/prefix.js';
import { loadLot } from '../core/lots/lot.js';
import { formatMinorAmount } from '../core/money-format.js';
import { extendReservation, maxExtendMinutes } from '../core/reservations/extend.js';
import { getReservation } from '../core/reservations/lifecycle.js';
import { parseTime } from '../core/time-input.js';
import type { Run } from './index.js';
import { formatTime, renderFields, renderTable, windowColumns } from './output.js';

/** "30m", "1h", "1h30m", "90" (minutes): whole minutes, or null. */
function durationMinutes(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (/^\d{1,5}$/.test(t)) return Number(t);
  const m = /^(?:(\d{1,3})h)?(?:(\d{1,5})(?:m|min))?$/.exec(t);
  if (!m || (!m[1] && !m[2])) return null;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

export function registerBookingActions(booking: Command, run: Run): void {
  booking.command('extend <id>')
    .description('move a live reservation\'s end later (the dashboard\'s e); the added time is owed at the exit')
    .option('--by <duration>', `how much longer: 30m, 1h, 1h30m or minutes (at most ${maxExtendMinutes / 60}h)`)
    .option('--to <time>', 'the new end: 19:00, "2026-12-05 19:00", +1h (from the current end)')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .action((id: string, o: { by?: string; to?: string; reason?: string }, cmd: Command) => run(async (ctx) => {
      if ((o.by === undefined) === (o.to === undefined)) throw new UsageError('say how far: --by or --to (one of them)', { hint: 'e.g. parkctl booking extend 8f83a1 --by 30m' });
      let minutes = o.by !== undefined ? durationMinutes(o.by) : null;
      if (o.by !== undefined && (minutes === null || minutes < 1 || minutes > maxExtendMinutes)) {
        throw new UsageError(`--by "${o.by}" is not a duration from 1m to ${maxExtendMinutes / 60}h`, { hint: 'e.g. --by 30m or --by 1h30m', code: 'bad_duration' });
      }
      const pool = await ctx.pool();
      const before = await getReservation(pool, await resolveId(pool, 'reservation', id));
      const lot = await loadLot(pool, before.lot_code);
      if (o.to !== undefined) {
        const end = parseTime(o.to, lot.timeZone, '--to', { now: ctx.clock.now(), base: before.ends_at, baseName: 'the current end' });
        minutes = (end.getTime() - before.ends_at.getTime()) / 60_000;
        if (!Number.isInteger(minutes) || minutes < 1) {
          throw new UsageError(`--to ${formatTime(end, lot.timeZone)} is not after the current end (${formatTime(before.ends_at, lot.timeZone)}) by whole minutes`, { hint: 'give a later time, or --by 30m', code: 'bad_window' });
        }
      }
      const r = await extendReservation({ pool, clock: ctx.clock, actor: ctx.actor, ...(await ctx.changeDeps()) }, lot, before.reservation_id, minutes!, o.reason ?? `extended ${minutes} min from the command line`);
      ctx.out.result(r, (d) => renderFields([
        ['reservation', d.reservation_id], ['plate', d.plate], ['spot', d.spot_label],
        ['window', `${formatTime(d.starts_at, lot.timeZone)} -> ${formatTime(d.ends_at, lot.timeZone)} (${lot.timeZone})`],
        ['extensions', `${formatMinorAmount(d.extension_minor, d.currency)} due at exit`],
      ]));
    }, cmd));

  booking.command('find <plate-or-id>')
    .description('the bookings of a plate (any spacing or case) or of a reservation id prefix, in one lot (the dashboard\'s /)')
    .option('--lot <code>', 'the lot (default: the only lot)')
    .action((query: string, o: { lot?: string }, cmd: Command) => run(async (ctx) => {
      // the dashboard's actions (visits, tickets, gates) load only for this command (issue 13)
      const [{ chooseDashboardLot }, { createDashboardActions }] = await Promise.all([import('../core/dashboard/lot-choice.js'), import('../core/dashboard/actions.js')]);
      const pool = await ctx.pool();
      const lot = await chooseDashboardLot(pool, o.lot);
      const found = await createDashboardActions({ pool, clock: ctx.clock, actor: ctx.actor, cache: undefined }, lot).find(query);
      ctx.out.result(found, (rows) => rows.length === 0 ? `no booking in ${lot.code} matches ${query.trim()}` : renderTable([...rows], [
        { header: 'id', field: 'reservationId', value: (x) => x.reservationId, id: true }, { header: 'plate', value: (x) => x.plate }, { header: 'status', value: (x) => x.status },
        { header: 'spot', field: 'spotLabel', value: (x) => x.spotLabel }, ...windowColumns(rows, (x) => ({ start: x.start, end: x.end, timeZone: lot.timeZone })),
        { header: 'inside', value: (x) => (x.inside ? 'yes' : ''), priority: 1 },
      ]));
    }, cmd));
}

