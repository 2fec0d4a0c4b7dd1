import type { Command } from 'commander';
import type { AppContext, GlobalOptions } from './context.js';
import { registerApi } from './api.js';
import { registerBench } from './bench.js';
import { registerBooking } from './booking.js';
import { registerCapacity } from './capacity.js';
import { registerDb } from './db.js';
import { registerLot } from './lot.js';
import { registerVisit } from './visit.js';
import { registerCompletion } from './completion.js';
import { registerDashboard } from './dashboard.js';
import { registerDemo } from './demo.js';
import { registerGate } from './gate.js';
import { registerPayments } from './payments.js';
import { registerPrice } from './price.js';
import { registerSweeper } from './sweeper.js';

/** Runs an action with the app context; cli.ts owns errors, exit codes and cleanup. */
export type Run = (fn: (ctx: AppContext, opts: GlobalOptions) => Promise<void>, cmd: Command) => Promise<void>;

export function registerCommands(program: Command, run: Run): void {
  registerDb(program, run);
  registerLot(program, run);
  registerCapacity(program, run);
  registerBooking(program, run);
  registerVisit(program, run);
  registerPrice(program, run);
  registerPayments(program, run);
  registerSweeper(program, run);
  registerGate(program, run);
  registerApi(program, run);
  registerDashboard(program, run);
  registerDemo(program, run);
  registerBench(program, run);
  registerCompletion(program, run);
}
