// The lot / vehicle type / window options that capacity, price and booking share, read one way.
import type { Command } from 'commander';
import { checkWindow, parseVehicleType } from '../core/input.js';
import { loadLot, type Lot } from '../core/lots/lot.js';
import type { VehicleType } from '../core/pricing/vehicle-types.js';
import type { Pool } from '../drivers/postgres.js';
import type { AppContext } from './context.js';
import { parseTime, timeExamples } from '../core/time-input.js';

export interface WindowOptions {
  lot: string;
  type: string;
  from: string;
  to: string;
}

export interface LotWindow {
  pool: Pool;
  lot: Lot;
  vehicleType: VehicleType;
  start: Date;
  end: Date;
}

/** --from and --to as help shows them: the forms people type, in the lot's time. */
export const fromHelp = `window start: ${timeExamples} (lot time unless it has a zone)`;
export const toHelp = 'window end (exclusive), the same forms; +2h counts from --from';

export function withWindowOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--type <vehicle-type>', 'motorcycle, compact, regular, large, ev or accessible')
    .requiredOption('--from <time>', fromHelp)
    .requiredOption('--to <time>', toHelp);
}

/** Parse and check the window: bad type, unknown lot, bad times, end before start, over the lot's maximum, in the past. */
export async function readWindow(ctx: AppContext, o: WindowOptions): Promise<LotWindow> {
  const vehicleType = parseVehicleType(o.type);
  const pool = await ctx.pool();
  const lot = await loadLot(pool, o.lot);
  const now = ctx.clock.now();
  const start = parseTime(o.from, lot.timeZone, '--from', { now });
  const end = parseTime(o.to, lot.timeZone, '--to', { now, base: start, baseName: '--from' });
  checkWindow(start, end, { maxWindowMinutes: lot.maxWindowMinutes, now: ctx.clock.now() });
  return { pool, lot, vehicleType, start, end };
}
