// `parkctl api ...`: serve the HTTP API (src/api/), write its systemd unit, and manage its keys.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createApiKey, listApiKeys, parseApiScope, revokeApiKey } from '../core/api-keys.js';
import { UsageError } from '../core/errors.js';
import { loadLot } from '../core/lots/lot.js';
import { migrationStatus, readMigrations } from '../core/migrate.js';
import { apiEnvironmentFileName, apiUnitName, renderApiUnit, renderEnvironmentFile } from '../drivers/api-systemd.js';
import { stderrLogger } from '../drivers/stderr-logger.js';
import { migrationsDir, type AppContext } from './context.js';
import type { Run } from './index.js';
import { wholeNumberOption } from './numbers.js';
import { formatTime, renderFields, renderTable } from './output.js';
import { parseListen } from './payments.js';
import { stopOnSignals } from './signals.js';
import { packageRoot } from '../package-root.js';

const binPath = join(packageRoot(), 'bin', 'parkctl');

interface ServeOptions {
  listen: string;
  trustProxy?: boolean;
  rateLimit: string;
  bodyLimit: string;
  watchdogSeconds: string;
  /** commander's --no-group-commit sets false */
  groupCommit?: boolean;
  /** group-commit statements sent at once */
  batchesInFlight?: string;
  /** processes serving the port (node:cluster); 1: this process */
  workers?: string;
  /** info: a line per request; warn: only trouble */
  logLevel?: string;
}

/** Set in the environment of the processes `--workers N` forks: they serve, the first process supervises. */
const workerEnv = 'PARKCTL_API_WORKER';

/** Serve until `stop` aborts; resolves with the URL once listening (through onListening). */
export async function serveApi(ctx: AppContext, o: ServeOptions, stop: AbortSignal, onListening?: (url: string) => void): Promise<void> {
  const { host, port } = parseListen(o.listen);
  const rateMax = wholeNumberOption(o.rateLimit, '--rate-limit');
  const bodyLimitBytes = wholeNumberOption(o.bodyLimit, '--body-limit');
  const watchdogSeconds = wholeNumberOption(o.watchdogSeconds, '--watchdog-seconds');
  const groupCommit = o.groupCommit === false ? false : { maxInFlight: wholeNumberOption(o.batchesInFlight ?? '1', '--batches-in-flight', 1, 2, 8), maxBatch: 64 };
  const level = o.logLevel ?? 'info';
  if (level !== 'info' && level !== 'warn' && level !== 'error') throw new UsageError(`--log-level "${level}" is not info, warn or error`, { hint: 'e.g. --log-level warn (no line per request)' });
  const logger = stderrLogger(level, (line) => ctx.out.note(line.trimEnd()));
  const pool = await ctx.pool();
  const url = (pool.options as { connectionString?: string }).connectionString!;
  const { buildApi } = await import('../api/app.js');
  const { PgLotChangeFeed } = await import('../drivers/pg-listener.js');
  const { apiConfigChannel } = await import('../api/config-cache.js');
  const onCitus = (await pool.query<{ citus: boolean }>(`select exists (select 1 from pg_extension where extname = 'citus') as citus`)).rows[0]!.citus;
  let redis: unknown;
  if (ctx.config.redisUrl) {
    const { Redis } = await import('ioredis');
    const client = new Redis(ctx.config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 200, connectTimeout: 1000 });
    client.on('error', (err: Error) => logger.warn('redis (rate limits)', { error: err.message }));
    ctx.onClose(async () => void client.disconnect());
    redis = client;
  }
  // On Citus a booking's statements go straight to the worker that holds its lot, one booking a statement:
  // the group-commit batch spans lots and is not delegated, so on Citus it ran on the coordinator and fell back
  // to one booking at a time in every batch (bench api, spread: 61/s against 196/s without it).
  let lotRoutes: import('../core/ports.js').LotRoutes | undefined;
  if (onCitus) {
    const { CitusLotRoutes } = await import('../drivers/citus-lot-routes.js');
    const routes = new CitusLotRoutes(pool, { url, max: 8, applicationName: 'parkctl-api-route', logger });
    ctx.onClose(() => routes.end());
    lotRoutes = routes;
    if (o.groupCommit !== false) logger.info('on Citus: no group commit; each booking goes to the worker holding its lot');
  }
  const migrations = await readMigrations(migrationsDir);
  const changes = await ctx.changeDeps();
  const { app } = await buildApi({
    pool, clock: ctx.clock, payments: await ctx.payments(), ...changes, occupancy: ctx.occupancy, logger,
    changeFeed: () => new PgLotChangeFeed(url, { logger, applicationName: 'parkctl-api-listen' }),
    // On Citus the triggers of 0027 fire on the shards, on the workers, where this process does not
    // listen: there keys and lots are read on every request as before.
    ...(onCitus ? {} : { configFeed: () => new PgLotChangeFeed(url, { logger, applicationName: 'parkctl-api-config', channel: apiConfigChannel }) }),
    pendingMigrations: async () => (await migrationStatus(pool, migrations)).filter((m) => !m.appliedAt).length,
    stripeWebhookSecret: ctx.config.stripe?.webhookSecret ?? null, redis,
    limits: { rateMax, rateWindowMs: 60_000, bodyLimitBytes },
    // One batch in flight by default: the next one gathers while it runs, so batches are about twice as large
    // as with two (spread, 64 clients: 31 against 14 a statement) and PostgreSQL pays its per-statement work
    // half as often (0.26-0.33 against 0.46-0.48 ms of backend CPU a reservation; README, the API bench).
    lotRoutes,
    groupCommit: onCitus ? false : groupCommit,
    availabilityCacheMs: 5_000, logRequests: level === 'info',
  }, { trustProxy: o.trustProxy ?? false });
  const address = await app.listen({ host, port });
  // a worker of `--workers N` reports to its supervisor, which says when all of them listen
  // always said (the one line a supervisor or the bench waits for), whatever the log level
  stderrLogger('info', (line) => ctx.out.note(line.trimEnd())).info(process.env[workerEnv] ? 'api worker listening' : 'api listening', { url: address });
  onListening?.(address);
  if (process.env[workerEnv]) {
    if (!stop.aborted) await new Promise<void>((done) => stop.addEventListener('abort', () => done(), { once: true }));
    await app.close();
    return;
  }
  const { SystemdNotifier } = await import('../drivers/api-systemd.js');
  const systemd = new SystemdNotifier(ctx.config.notifySocket, process.pid);
  await systemd.notify('READY=1');
  // the watchdog is fed while the event loop turns and the database answers
  const watchdog = systemd.enabled
    ? setInterval(() => void pool.query('select 1').then(() => systemd.notify('WATCHDOG=1'), () => undefined), Math.max(1000, (watchdogSeconds * 1000) / 3))
    : null;
  if (!stop.aborted) await new Promise<void>((done) => stop.addEventListener('abort', () => done(), { once: true }));
  if (watchdog) clearInterval(watchdog);
  await systemd.notify('STOPPING=1');
  await app.close();
  logger.info('api stopped');
}

function collectLots(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerApi(program: Command, run: Run): void {
  const api = program.command('api').description('the HTTP API for drivers\' apps, partners\' gates and operators\' tools');

  api.command('serve')
    .description('serve the API until SIGINT/SIGTERM (under systemd: Type=notify, watchdog); any number may serve one database')
    .option('--listen <host:port>', 'where to listen', '127.0.0.1:8080')
    .option('--trust-proxy', 'behind a TLS proxy: take the client address from X-Forwarded-For')
    .option('--rate-limit <n>', 'requests per key per minute', '600')
    .option('--body-limit <bytes>', 'largest request body', '65536')
    .option('--watchdog-seconds <s>', 'systemd WatchdogSec (the process pings three times as often)', '30')
    .option('--no-group-commit', 'one statement and commit per reservation instead of batching those that arrive together')
    .option('--batches-in-flight <n>', 'group commit: statements sent at once, each with the reservations that arrived while the others ran (1-8)', '1')
    .option('--log-level <level>', 'info (a line per request), warn or error', 'info')
    .option('--workers <n>', 'processes serving the one port (node:cluster; e.g. one per core)', '1')
    .action((o: ServeOptions, cmd: Command) => run(async (ctx) => {
      const workers = wholeNumberOption(o.workers ?? '1', '--workers', 1, 2);
      const stop = stopOnSignals();
      try {
        if (workers > 1 && !process.env[workerEnv]) {
          const { superviseApiWorkers } = await import('./api-workers.js');
          await superviseApiWorkers(ctx, { workers, watchdogSeconds: wholeNumberOption(o.watchdogSeconds, '--watchdog-seconds') }, stop.signal);
        } else {
          await serveApi(ctx, o, stop.signal);
        }
      } finally {
        stop.dispose();
      }
    }, cmd));

  api.command('install')
    .description('write the systemd template unit parkctl-api@.service (enable parkctl-api@8080, @8081, ... side by side)')
    .option('--user <name>', 'the user the API runs as', 'parkctl')
    .option('--host <address>', 'the address each instance listens on (the instance name is the port)', '127.0.0.1')
    .option('--trust-proxy', 'pass --trust-proxy to api serve (behind a TLS proxy)')
    .option('--rate-limit <n>', 'requests per key per minute', '600')
    .option('--watchdog-seconds <s>', 'WatchdogSec', '30')
    .option('--unit-dir <dir>', 'where to write the unit', '/etc/systemd/system')
    .option('--env-dir <dir>', 'where to write the root-only file with DATABASE_URL, REDIS_URL and Stripe keys', '/etc/parkctl')
    .option('--print', 'print the unit instead of writing it')
    .action((o: { user: string; host: string; trustProxy?: boolean; rateLimit: string; watchdogSeconds: string; unitDir: string; envDir: string; print?: boolean }, cmd: Command) => run(async (ctx) => {
      if (o.user === 'root') throw new UsageError('the API must not run as root', { hint: 'use --user parkctl' });
      const watchdogSeconds = wholeNumberOption(o.watchdogSeconds, '--watchdog-seconds');
      const rateLimit = wholeNumberOption(o.rateLimit, '--rate-limit');
      // secrets go to a file only root reads (systemd reads it before dropping to --user), never into the unit
      const secrets: Record<string, string> = {};
      if (ctx.config.databaseUrl) secrets.DATABASE_URL = ctx.config.databaseUrl;
      if (ctx.config.redisUrl) secrets.REDIS_URL = ctx.config.redisUrl;
      if (ctx.config.stripe) {
        secrets.STRIPE_SECRET_KEY = ctx.config.stripe.secretKey;
        if (ctx.config.stripe.webhookSecret) secrets.STRIPE_WEBHOOK_SECRET = ctx.config.stripe.webhookSecret;
        if (ctx.config.stripe.apiBase) secrets.STRIPE_API_BASE = ctx.config.stripe.apiBase;
      }
      const environment: Record<string, string> = ctx.config.databaseUrl ? {} : { PARKCTL_HOME: ctx.config.home };
      const envFile = Object.keys(secrets).length > 0 ? join(resolve(o.envDir), apiEnvironmentFileName) : undefined;
      const unit = renderApiUnit({
        execPath: binPath, user: o.user, host: o.host, watchdogSeconds, environment, environmentFile: envFile,
        serveArgs: [...(o.trustProxy ? ['--trust-proxy'] : []), '--rate-limit', String(rateLimit)],
      });
      if (o.print) {
        if (envFile) ctx.out.note(`install writes ${Object.keys(secrets).join(', ')} to ${envFile} (mode 600), which the unit reads; not printed`);
        return ctx.out.raw(unit);
      }
      if (envFile) {
        await mkdir(dirname(envFile), { recursive: true, mode: 0o755 });
        await writeFile(envFile, renderEnvironmentFile(secrets), { mode: 0o600 });
        await chmod(envFile, 0o600); // an existing file keeps its mode through writeFile
      }
      await mkdir(o.unitDir, { recursive: true });
      await writeFile(join(o.unitDir, apiUnitName), unit, { mode: 0o644 });
      ctx.out.result({ unit: join(o.unitDir, apiUnitName), environmentFile: envFile ?? null }, (d) => [
        `wrote ${d.unit}`, ...(d.environmentFile ? [`wrote ${d.environmentFile} (mode 600: ${Object.keys(secrets).join(', ')})`] : []),
        'next: systemctl daemon-reload && systemctl enable --now parkctl-api@8080 parkctl-api@8081',
      ].join('\n'));
    }, cmd));

  const key = api.command('key').description('API keys: customer (drivers\' apps), partner (third-party gates), operator (everything)');

  key.command('create')
    .description('make a key; its secret is printed once and only a hash is kept')
    .requiredOption('--name <name>', 'what the key is for (shown in logs and the audit trail)')
    .requiredOption('--scope <scope>', 'customer, partner or operator')
    .option('--lot <code>', 'a lot the key may act on (repeat for more; default: every lot)', collectLots, [] as string[])
    .action((o: { name: string; scope: string; lot: string[] }, cmd: Command) => run(async (ctx) => {
      const scope = parseApiScope(o.scope);
      const pool = await ctx.pool();
      for (const code of o.lot) await loadLot(pool, code);
      const { key: k, secret } = await createApiKey(pool, ctx.clock, { name: o.name, scope, lotCodes: o.lot });
      ctx.out.result({ keyId: k.key_id, name: k.name, scope: k.scope, lots: k.lot_codes, secret }, (d) => [
        renderFields([['key', d.keyId], ['name', d.name], ['scope', d.scope], ['lots', d.lots.length ? d.lots.join(', ') : 'all'], ['secret', d.secret]]),
        '', 'the secret is shown only now: give it to its user (Authorization: Bearer <secret>)',
      ].join('\n'));
    }, cmd));

  key.command('list')
    .description('keys (never their secrets)')
    .action((_o, cmd: Command) => run(async (ctx) => {
      const rows = await listApiKeys(await ctx.pool());
      const data = rows.map((k) => ({ keyId: k.key_id, name: k.name, scope: k.scope, lots: k.lot_codes, prefix: k.prefix, createdAt: k.created_at, revokedAt: k.revoked_at }));
      ctx.out.result(data, (d) => d.length === 0 ? 'no API keys: parkctl api key create --name ... --scope ...' : renderTable(d, [
        { header: 'key', value: (x) => x.keyId }, { header: 'name', value: (x) => x.name }, { header: 'scope', value: (x) => x.scope },
        { header: 'lots', value: (x) => (x.lots.length ? x.lots.join(',') : 'all') }, { header: 'starts', value: (x) => `${x.prefix}...` },
        { header: 'created', value: (x) => formatTime(x.createdAt) }, { header: 'revoked', value: (x) => (x.revokedAt ? formatTime(x.revokedAt) : '-') },
      ]));
    }, cmd));

  key.command('revoke <id-or-name>')
    .description('revoke a key at once (every API process checks keys on each request)')
    .action((idOrName: string, _o, cmd: Command) => run(async (ctx) => {
      const rows = await revokeApiKey(await ctx.pool(), ctx.clock, idOrName);
      ctx.out.result(rows.map((k) => ({ keyId: k.key_id, name: k.name, revokedAt: k.revoked_at })), (d) => d.map((k) => `revoked ${k.name} (${k.keyId})`).join('\n'));
    }, cmd));
}
