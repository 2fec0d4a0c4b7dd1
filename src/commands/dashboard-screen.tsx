// `parkctl dashboard`: the live attendant screen. Reads the lot (src/core/dashboard), re-reads it on
// NOTIFY through a dedicated LISTEN connection, and acts through the same core functions the commands
// use. While Ink draws, nothing else may write to the terminal: logs go to stderr only when stderr is
// not the terminal, else to <PARKCTL_HOME>/logs/dashboard.log.
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { render, useApp } from 'ink';
import type pg from 'pg';
import { createDashboardActions, type DashboardActionSet } from '../core/dashboard/actions.js';
import { LiveDashboard } from '../core/dashboard/live.js';
import { DashboardSnapshotReader } from '../core/dashboard/snapshot.js';
import { UsageError } from '../core/errors.js';
import type { Lot } from '../core/lots/lot.js';
import type { CapacityCache, Clock, Logger, PaymentProvider } from '../core/ports.js';
import { gateCommandsChannel } from '../drivers/gate-runtime/pg-listener.js';
import { PgLotChangeFeed } from '../drivers/pg-listener.js';
import { PgChangeNotifier } from '../drivers/pg-notifier.js';
import { stderrLogger } from '../drivers/stderr-logger.js';
import { Dashboard } from '../tui/Dashboard.js';
import { useLiveDashboard, type LiveDashboardSource } from '../tui/use-live-dashboard.js';
import type { AppContext } from './context.js';

function LiveScreen({ source, actions, color }: { source: LiveDashboardSource; actions: DashboardActionSet; color: boolean }) {
  const { exit } = useApp();
  const { snapshot, connection } = useLiveDashboard(source);
  return <Dashboard snapshot={snapshot} connection={connection} actions={actions} onQuit={() => exit()} color={color} />;
}

/** Logs that cannot land in the screen: stderr when it is not the terminal, else a file. */
export function screenSafeLogger(ctx: AppContext): Logger {
  const level = ctx.options.verbose ? 'info' : 'warn';
  if (!process.stderr.isTTY) return stderrLogger(level);
  try {
    const dir = join(ctx.config.home, 'logs');
    mkdirSync(dir, { recursive: true });
    const file = createWriteStream(join(dir, 'dashboard.log'), { flags: 'a' });
    file.on('error', () => undefined);
    ctx.onClose(() => new Promise((done) => file.end(done)));
    return stderrLogger(level, (line) => void file.write(line));
  } catch {
    return { info() {}, warn() {}, error() {} };
  }
}

export interface ScreenDeps {
  cache: CapacityCache | undefined;
  notifier: PgChangeNotifier;
  logger: Logger;
  /** the screen's payment provider; default the configured one (the demo's own database takes cash only) */
  payments?: PaymentProvider;
}

/**
 * Change notifications and cache for writes made while the screen is up, logging screen-safely.
 * `withCache: false` for a database that is not the operator's (the demo): the Redis keys name lots by id only.
 */
export async function screenDeps(ctx: AppContext, pool: pg.Pool, o: { withCache?: boolean } = {}): Promise<ScreenDeps> {
  const logger = screenSafeLogger(ctx);
  const notifier = new PgChangeNotifier(pool, 100, logger);
  ctx.onClose(() => notifier.flush());
  let cache: CapacityCache | undefined;
  if (ctx.config.redisUrl && o.withCache !== false) {
    const { RedisCapacityCache } = await import('../drivers/redis/index.js');
    const redis = new RedisCapacityCache(ctx.config.redisUrl, { logger });
    ctx.onClose(async () => redis.close());
    cache = redis;
  }
  return { cache, notifier, logger };
}

/** Draws the live dashboard of `lot` until the attendant presses q (or Ctrl-C). */
export async function runLiveDashboard(ctx: AppContext, pool: pg.Pool, lot: Lot, o: { clock: Clock; deps: ScreenDeps }): Promise<void> {
  const url = pool.options.connectionString;
  if (!url) throw new UsageError('the dashboard needs a database URL to listen on');
  const { logger } = o.deps;
  const reader = new DashboardSnapshotReader(pool, lot);
  const feed = new PgLotChangeFeed(url, { logger });
  const live = new LiveDashboard({ lotId: lot.lotId, read: () => reader.read(o.clock.now()), changes: feed, onProblem: (m) => logger.warn(m) });
  const actions = createDashboardActions({
    pool, clock: o.clock, actor: `dashboard:${ctx.actor.replace(/^[a-z]+:/, '')}`, payments: o.deps.payments ?? await ctx.payments(), logger,
    cache: o.deps.cache, notifier: o.deps.notifier, afterWrite: () => live.refresh(),
    wakeGate: async (lotId, gateId) => void (await pool.query(`select pg_notify($1::text, $2::text)`, [gateCommandsChannel, `${lotId}:${gateId}`])),
  }, lot);
  live.start();
  try {
    // Frames stay one line shorter than the terminal (src/tui/layout.ts), so Ink rewrites them in place
    // without clearing the screen. Ink 6.8's incrementalRendering left the first frame's top line behind
    // in tmux (80x24), so the standard renderer is used, throttled to 10 frames a second.
    const app = render(<LiveScreen source={live} actions={actions} color={!ctx.config.noColor} />, {
      exitOnCtrlC: true, patchConsole: true, incrementalRendering: false, maxFps: 10,
    });
    await app.waitUntilExit();
  } finally {
    await live.stop();
  }
}
