// `--watch` on lot show and booking list (issue 13): the command again every few seconds until Ctrl-C,
// the screen cleared first on a terminal, a JSON document per round under --json.
import type { Command } from 'commander';
import { repeatEvery } from '../core/sweepers/loop.js';
import type { AppContext } from './context.js';
import { wholeNumberOption } from './numbers.js';
import { stopOnSignals } from './signals.js';

export function withWatchOption(cmd: Command): Command {
  return cmd.option('--watch [seconds]', 'show it again every few seconds (default 2, at most 3600) until Ctrl-C');
}

/** Runs `body` once, or every `watch` seconds until SIGINT/SIGTERM when --watch was given. */
export async function repeatWhileWatching(ctx: AppContext, watch: string | boolean | undefined, body: () => Promise<void>): Promise<void> {
  if (watch === undefined || watch === false) return body();
  const seconds = watch === true ? 2 : wholeNumberOption(watch, '--watch', 1, 5, 3600);
  ctx.out.noPager(); // the screen is redrawn every round: a pager would hold it
  const { signal, dispose } = stopOnSignals();
  try {
    await repeatEvery({
      everyMs: seconds * 1000,
      signal,
      run: async () => {
        if (ctx.config.isTty && !ctx.out.json) ctx.out.raw('\u001b[H\u001b[2J');
        await body();
      },
    });
  } finally {
    dispose();
  }
}
