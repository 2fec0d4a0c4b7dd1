// `lot spot disable|enable`: take a spot out of service and back (the dashboard's spot service key),
// through the same core call, audited with a reason (issue 13).
import type { Command } from 'commander';
import { loadLot } from '../core/lots/lot.js';
import { setSpotStatus } from '../core/spots.js';
import type { Run } from './index.js';
import { renderFields } from './output.js';

export function registerLotSpots(lot: Command, run: Run): void {
  const spot = lot.command('spot').description('one spot: take it out of service and back');
  for (const [name, status, description, defaultReason] of [
    ['disable', 'maintenance', 'take a spot out of service: no new bookings land on it (bookings already on it stay: see the count)', undefined],
    ['enable', 'active', 'put a spot back in service', 'back in service'],
  ] as const) {
    spot.command(`${name} <lot> <label>`)
      .description(description)
      .option('--reason <text>', `why (kept in the audit trail)${defaultReason ? '' : '; required'}`, defaultReason)
      .action((code: string, label: string, o: { reason?: string }, cmd: Command) => run(async (ctx) => {
        const pool = await ctx.pool();
        const l = await loadLot(pool, code);
        const s = await setSpotStatus({ pool, clock: ctx.clock, actor: ctx.actor, ...(await ctx.changeDeps()) }, l, label, status, o.reason ?? '');
        ctx.out.result(s, (d) => renderFields([
          ['spot', `${l.code} ${d.label}`], ['status', d.status === 'maintenance' ? 'out of service' : 'in service'],
          ['changed', d.changed ? 'yes' : 'no (it already was)'], ['live bookings on it', String(d.liveBookings)],
        ]));
      }, cmd));
  }
}
