// `lot spot disable|enable`: take a spot out of service and back (the dashboard's spot service key),
// through the same core call, audited with a reason (issue 13).
import type { Command } from 'commander';
import { loadLot } from '../core/lots/lot.js';
import { setSpotStatus } from '../core/spots.js';
import { wholeNumberOption } from './numbers.js';
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

  spot.command('bind-sensor <label> <sensor-id>')
    .description('bind a spot sensor (a DevEUI or the network server\'s device id) to a spot; the spot\'s or the sensor\'s earlier binding gives way (in another lot too: the sensor moves)')
    .requiredOption('--lot <code>', 'the lot')
    .option('--vendor <name>', 'which mapping of the lot file\'s sensors.vendors reads its payload', 'generic')
    .option('--heartbeat <seconds>', 'silent longer than this: a fault (default: the lot file\'s sensors.heartbeat_seconds, else 900)')
    .action((label: string, sensorId: string, o: { lot: string; vendor: string; heartbeat?: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const l = await loadLot(pool, o.lot);
      const heartbeat = o.heartbeat === undefined ? undefined : wholeNumberOption(o.heartbeat, '--heartbeat', 10, 900, 604_800);
      const { bindSensor } = await import('../core/sensors/bindings.js'); // zod's sensor checks: only for this command (issue 13)
      const { sensor, movedFrom } = await bindSensor({ pool, clock: ctx.clock, actor: ctx.actor, ...(await ctx.changeDeps()) }, l, label, sensorId, { vendor: o.vendor, heartbeatSeconds: heartbeat });
      ctx.out.result(sensor, (d) => renderFields([
        ['spot', `${l.code} ${d.spotLabel}`], ['sensor', d.sensorId], ['vendor', d.vendor], ['heartbeat', `${d.heartbeatSeconds} s`], ['sensed', d.state],
        ...(movedFrom ? [['moved from', `${movedFrom.lotCode} ${movedFrom.spotLabel} (a sensor is bound in one lot at a time)`] as [string, string]] : []),
      ]));
    }, cmd));
}
