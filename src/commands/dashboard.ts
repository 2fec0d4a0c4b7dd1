// `parkctl dashboard`: the command only; the screen (Ink, React) loads when it is drawn, so other
// commands start without it.
import type { Command } from 'commander';
import { chooseDashboardLot } from '../core/dashboard/lot-choice.js';
import { UsageError } from '../core/errors.js';
import type { AppContext } from './context.js';
import type { Run } from './index.js';

/** The dashboard draws on a terminal and reads keys from one. */
export function canDrawDashboard(ctx: AppContext): boolean {
  return ctx.config.isTty && Boolean(process.stdin.isTTY) && !ctx.out.json;
}

export function registerDashboard(program: Command, run: Run): void {
  program.command('dashboard')
    .description('the live attendant dashboard: occupancy, gates, arrivals, holds, alerts; keys act on bookings (? for help)')
    .option('--lot <code>', 'lot to watch (default: the only lot)')
    .action((o: { lot?: string }, cmd: Command) => run(async (ctx) => {
      if (!canDrawDashboard(ctx)) {
        throw new UsageError('the dashboard needs a terminal (stdin and stdout), and has no --json', {
          hint: 'run it in a terminal; scripts can read parkctl lot show <code> --json', code: 'not_a_terminal',
        });
      }
      const pool = await ctx.pool();
      const lot = await chooseDashboardLot(pool, o.lot);
      const { runLiveDashboard, screenDeps } = await import('./dashboard-screen.js');
      await runLiveDashboard(ctx, pool, lot, { clock: ctx.clock, deps: await screenDeps(ctx, pool) });
    }, cmd));
}
