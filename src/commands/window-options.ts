// The lot / vehicle type / window options that capacity, price and booking share, read one way.
import type { Command } from 'commander';
import { checkWindow, parseInstant, parseVehicleType } from '../core/input.js';
import { loadLot, type Lot } from '../core/lots/lot.js';
import type { VehicleType } from '../core/pricing/vehicle-types.js';
import type { Pool } from '../drivers/postgres.js';
import type { AppContext } from './context.js';

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

export function withWindowOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--type <vehicle-type>', 'motorcycle, compact, regular, large, ev or accessible')
    .requiredOption('--from <time>', 'window start, ISO 8601 (lot time unless it has a zone)')
    .requiredOption('--to <time>', 'window end (exclusive)');
}

/** Parse and check the window: bad type, unknown lot, bad times, end before start, over the lot's maximum, in the past. */
export async function readWindow(ctx: AppContext, o: WindowOptions): Promise<LotWindow> {
  const vehicleType = parseVehicleType(o.type);
  const pool = await ctx.pool();
  const lot = await loadLot(pool, o.lot);
  const start = parseInstant(o.from, lot.timeZone, '--from');
  const end = parseInstant(o.to, lot.timeZone, '--to');
  checkWindow(start, end, { maxWindowMinutes: lot.maxWindowMinutes, now: ctx.clock.now() });
  return { pool, lot, vehicleType, start, end };
}
