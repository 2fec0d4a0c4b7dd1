// `parkctl sweeper run`: the cron jobs. Exit 0 when the sweep ran (also with nothing to do), 2 for bad
// flags, 69 when PostgreSQL cannot be reached. `--every` keeps running until SIGINT/SIGTERM and stops
// between runs, never inside one.
import type { Command } from 'commander';
import { ExternalError, UsageError } from '../core/errors.js';
import { loadLot } from '../core/lots/lot.js';
import { formatSweepLine, sweepJson } from '../core/sweepers/format.js';
import { defaultSweepBatch, type SweepJob } from '../core/sweepers/jobs.js';
import { maxIntervalMs, parseIntervalMs, repeatEvery } from '../core/sweepers/loop.js';
import { runSweep, type SweepOptions } from '../core/sweepers/sweep.js';
import { describeConnectionError } from '../drivers/postgres.js';
import type { AppContext } from './context.js';
import type { Run } from './index.js';
import { wholeNumberOption } from './numbers.js';
import { stopOnSignals } from './signals.js';

interface SweeperRunFlags {
  holds?: boolean;
  /** commander reads `--no-shows` as the negation of "shows": false when the flag is given */
  shows?: boolean;
  overstays?: boolean;
  once?: boolean;
  every?: string;
  lot?: string;
  batch: string;
  workers: string;
}

const maxBatch = 10_000;
const maxWorkers = 8;

/** Flags -> what to sweep and how often (ms, null: once). UsageError (exit 2) on nonsense. */
export function parseSweeperFlags(o: SweeperRunFlags): { options: SweepOptions; everyMs: number | null } {
  const picked: SweepJob[] = [];
  if (o.holds) picked.push('holds');
  if (o.shows === false) picked.push('noShows');
  if (o.overstays) picked.push('overstays');
  const batchSize = Number(o.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > maxBatch) {
    throw new UsageError(`--batch "${o.batch}" is not a whole number from 1 to ${maxBatch}`, { hint: `e.g. --batch ${defaultSweepBatch}`, code: 'bad_batch' });
  }
  const concurrency = wholeNumberOption(o.workers, '--workers', 1, 2);
  if (concurrency > maxWorkers) {
    throw new UsageError(`--workers "${o.workers}" is more than ${maxWorkers}`, { hint: 'one per core the database has is plenty: e.g. --workers 2', code: 'bad_number' });
  }
  if (o.once && o.every !== undefined) {
    throw new UsageError('--once and --every cannot be used together', { hint: 'cron: --once (the default); a long-running service: --every 60s' });
  }
  let everyMs: number | null = null;
  if (o.every !== undefined) {
    everyMs = parseIntervalMs(o.every);
    if (everyMs === null || everyMs < 1000 || everyMs > maxIntervalMs) {
      throw new UsageError(`--every "${o.every}" is not an interval from 1s to 24h with its unit`, { hint: 'e.g. --every 60s, --every 15m or --every 1h', code: 'bad_interval' });
    }
  }
  return { options: { jobs: picked.length > 0 ? picked : undefined, lotCode: o.lot ?? null, batchSize, concurrency }, everyMs };
}

async function sweepOnce(ctx: AppContext, options: SweepOptions): Promise<void> {
  const pool = await ctx.pool();
  const url = (pool.options as { connectionString?: string }).connectionString ?? 'PostgreSQL';
  try {
    const summary = await runSweep({ pool, clock: ctx.clock, ...(await ctx.changeDeps()) }, options);
    for (const w of summary.warnings) ctx.out.note(`warning: ${w}`);
    // one line a run for cron: compact JSON under -o json, the other formats through result()
    if (ctx.out.format === 'json') ctx.out.raw(JSON.stringify(sweepJson(summary)));
    else if (ctx.out.json || ctx.out.quiet) ctx.out.result(sweepJson(summary), () => formatSweepLine(summary));
    else ctx.out.raw(formatSweepLine(summary));
  } catch (err) {
    throw describeConnectionError(err, url);
  }
}


export function registerSweeper(program: Command, run: Run): void {
  const sweeper = program.command('sweeper').description('cron jobs: expire unpaid holds, release no-shows, flag overstays');

  sweeper.command('run')
    .description('expire holds, mark no-shows, alert overstays (no job flags: all three); one summary line per run')
    .option('--holds', 'expire unpaid holds whose hold time is over (TENTATIVE -> EXPIRED)')
    .option('--no-shows', "mark confirmed bookings nobody arrived for by start + the lot's grace (-> NO_SHOW)")
    .option('--overstays', 'one alert per vehicle still inside one overstay slot after its window')
    .option('--once', 'sweep once and exit (the default; for cron)')
    .option('--every <interval>', 'sweep again every interval (500ms, 60s, 15m, 1h; a unit is required, at most 24h) until SIGINT/SIGTERM')
    .option('--lot <code>', 'only this lot (default: every lot)')
    .option('--batch <n>', 'rows per transaction (short batches never block bookings for long)', String(defaultSweepBatch))
    .option('--workers <n>', 'batches of one lot at once, to drain a large backlog sooner (they never take the same row)', '1')
    .action((o: SweeperRunFlags, cmd: Command) => run(async (ctx) => {
      const { options, everyMs } = parseSweeperFlags(o);
      const pool = await ctx.pool(); // unreachable at start: exit 69, also under --every
      if (options.lotCode) await loadLot(pool, options.lotCode); // unknown lot: exit 2 with the known codes
      if (everyMs === null) {
        await sweepOnce(ctx, options);
        return;
      }
      const { signal, dispose } = stopOnSignals();
      try {
        await repeatEvery({
          everyMs,
          signal,
          run: async () => {
            try {
              await sweepOnce(ctx, options);
            } catch (err) {
              // A long-running sweeper outlives a database restart: say so and try again next interval.
              if (!(err instanceof ExternalError)) throw err;
              ctx.out.note(`parkctl: ${err.service}: ${err.message} (retrying in ${o.every})`);
            }
          },
        });
      } finally {
        dispose();
      }
    }, cmd));
}
