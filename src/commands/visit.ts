import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { parsePlate, parseVehicleType } from '../core/input.js';
import { loadLot } from '../core/lots/lot.js';
import { arrive, depart } from '../core/visits.js';
import { formatMinorAmount } from '../core/money-format.js';
import { visitJson } from '../core/json/shapes.js';
import type { Run } from './index.js';
import { formatTime, renderFields } from './output.js';
import { resolveId } from '../core/ids/prefix.js';

export function registerVisit(program: Command, run: Run): void {
  const visit = program.command('visit').description('cars in and out, by hand (the gate daemon does the same)');

  visit.command('arrive')
    .description('check a car in: a confirmed reservation of this lot, inside its window, not already inside')
    .requiredOption('--lot <code>', 'lot code')
    .option('--plate <plate>', 'the car\'s plate')
    .option('--reservation <id>', 'the reservation id (from its QR code)')
    .option('--walk-in', 'a car without a booking (when the lot takes walk-ins)')
    .option('--type <vehicle-type>', 'a walk-in\'s vehicle type', 'regular')
    .option('--gate <id>', 'where it came in', 'attendant')
    .option('--early', 'attendant override: let a booked car in before its entry opens (audited; the early time is owed at exit)')
    .option('--reason <text>', 'why the override (kept in the audit trail); required with --early')
    .action((o: { lot: string; plate?: string; reservation?: string; walkIn?: boolean; type: string; gate: string; early?: boolean; reason?: string }, cmd: Command) => run(async (ctx) => {
      if (!o.plate && !o.reservation) throw new UsageError('say which car: --plate or --reservation', { hint: 'e.g. parkctl visit arrive --lot RIVERSIDE --plate AB12CDE' });
      if (o.early && o.walkIn) throw new UsageError('--early is for a booked car, --walk-in for one without a booking', { hint: 'give one of them' });
      if (o.early && !o.reason?.trim()) throw new UsageError('--early needs --reason', { hint: 'e.g. --early --reason "flight landed early"' });
      if (o.reason !== undefined && !o.early) throw new UsageError('--reason goes with --early', { hint: 'add --early to let a booked car in before its entry opens' });
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const a = await arrive({ pool, clock: ctx.clock, actor: ctx.actor, ...(await ctx.changeDeps()) }, lot, {
        plate: o.plate ? parsePlate(o.plate) : undefined,
        reservationId: o.reservation ? await resolveId(pool, 'reservation', o.reservation) : undefined,
        walkIn: o.walkIn, vehicleType: parseVehicleType(o.type), gate: o.gate,
        ...(o.early ? { early: { reason: o.reason ?? '' } } : {}),
      });
      ctx.out.result({ ...a, visit: visitJson(a.visit) }, (d) => renderFields([
        ['checked in', d.visit.plate], ['visit', d.visit.visitId], ['spot', d.spotLabel ?? '(walk-in: any free spot)'],
        ['at', formatTime(d.visit.enteredAt, lot.timeZone)], ['booked until', d.reservationEnd ? formatTime(d.reservationEnd, lot.timeZone) : '-'],
        ...(d.earlyEntry ? [['early', `${d.earlyEntry.earlyMinutes} min before entry opened (${formatTime(d.earlyEntry.opensAt, lot.timeZone)}), `
          + `${formatMinorAmount(d.earlyEntry.feeMinor, lot.currency)} due at exit${d.earlyEntry.override ? ` (override: ${d.earlyEntry.reason})` : ''}`] as [string, string]] : []),
      ]));
    }, cmd));

  visit.command('depart')
    .description('check a car out: early departure releases the rest of the window; extensions and an overstay are recorded as due')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--plate <plate>', 'the car\'s plate')
    .option('--gate <id>', 'where it left', 'attendant')
    .action((o: { lot: string; plate: string; gate: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const d = await depart({ pool, clock: ctx.clock, actor: ctx.actor, payments: await ctx.payments(), logger: ctx.logger, ...(await ctx.changeDeps()) }, lot, { plate: parsePlate(o.plate), gate: o.gate });
      ctx.out.result({ ...d, visit: visitJson(d.visit) }, (x) => renderFields([
        ['checked out', x.visit.plate], ['at', formatTime(x.visit.exitedAt, lot.timeZone)],
        ['overstay', x.overstayMinutes ? `${x.overstayMinutes} min` : 'none'],
        ...(x.extensionMinor ? [['extensions', formatMinorAmount(x.extensionMinor, x.currency)] as [string, string]] : []),
        ...(x.earlyEntryMinor ? [['early entry', formatMinorAmount(x.earlyEntryMinor, x.currency)] as [string, string]] : []),
        ...(x.chargingMinor ? [['ev charging', formatMinorAmount(x.chargingMinor, x.currency)] as [string, string]] : []),
        // one line for what the stay cost and whether it is settled; "to collect" only when something is left
        ['due', !x.amountDueMinor ? 'nothing' : x.amountOutstandingMinor ? formatMinorAmount(x.amountDueMinor, x.currency) : `${formatMinorAmount(x.amountDueMinor, x.currency)}, paid (nothing to collect)`],
        ...(x.charge ? [['card', x.charge.paid ? 'charged to the card on file' : x.charge.inDoubt ? `not confirmed yet: ${x.charge.reason ?? 'no answer'}` : `not charged: ${x.charge.reason ?? 'declined'}`] as [string, string]] : []),
        ...(x.amountOutstandingMinor ? [['to collect', `${formatMinorAmount(x.amountOutstandingMinor, x.currency)}: parkctl payments collect ${x.visit.visitId} --method cash|card`] as [string, string]] : []),
        ...(x.releasedEarly ? [['released', 'the rest of the window is back on sale'] as [string, string]] : []),
      ]));
    }, cmd));
}
