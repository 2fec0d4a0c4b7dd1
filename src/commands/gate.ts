import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ExternalError, UsageError } from '../core/errors.js';
import { gateRoleUrl, parseGateDaemonConfig, type GateDaemonConfig } from '../core/gate-daemon/config.js';
import { loadLot } from '../core/lots/lot.js';
import { requestManualOpen } from '../core/gate-daemon/manual-open.js';
import { loadGateConfigFile } from '../drivers/gate-runtime/config-file.js';
import { readGateStatus } from '../drivers/gate-runtime/status.js';
import { liveFields } from './gate-live.js';
import { environmentFileName, renderEnvironmentFile, renderUnit, unitName } from '../drivers/gate-runtime/systemd.js';
import { gateCommandsChannel } from '../drivers/gate-runtime/pg-listener.js';
import { stderrLogger } from '../drivers/stderr-logger.js';
import type { AppContext } from './context.js';
import { barrierLabel, laneInputLabel } from './gate-barrier-label.js';
import { gateConfigReport } from './gate-config-report.js';
import type { Run } from './index.js';
import { formatTime, renderFields } from './output.js';
import { withSpinner } from './spinner.js';
import { packageRoot } from '../package-root.js';

const binPath = join(packageRoot(), 'bin', 'parkctl');

/** The gate role's URL: the file's, else DATABASE_URL's (or the embedded server's) with user parkctl_gate. */
async function gateDatabaseUrl(ctx: AppContext, config: GateDaemonConfig): Promise<string> {
  if (config.databaseUrl) return config.databaseUrl;
  if (ctx.config.databaseUrl) return gateRoleUrl(ctx.config.databaseUrl);
  const { ensureEmbeddedPostgres } = await import('../drivers/embedded-postgres/index.js');
  return (await ensureEmbeddedPostgres(ctx.config.home)).gateUrl; // the gate role's own password
}

function load(ctx: AppContext, path: string): Promise<GateDaemonConfig> {
  return loadGateConfigFile(path, { mqttUrl: ctx.config.mqttUrl });
}

/** --metrics-listen over the file's metricsListen, checked as the file's is. */
function withMetricsListen(config: GateDaemonConfig, listen: string | undefined): GateDaemonConfig {
  if (listen === undefined) return config;
  return parseGateDaemonConfig({ ...config, metricsListen: listen }, '--metrics-listen');
}

/** Resolves on SIGTERM or SIGINT (systemd stop, Ctrl-C). */
function untilSignal(): Promise<string> {
  return new Promise((done) => {
    const on = (sig: string) => {
      process.off('SIGTERM', on).off('SIGINT', on);
      done(sig);
    };
    process.on('SIGTERM', on).on('SIGINT', on);
  });
}

export function registerGate(program: Command, run: Run): void {
  const daemon = program.command('gate-daemon').description('the gate daemon: drives one barrier lane, decides locally, journals every event');

  daemon.command('run')
    .description('run one gate (under systemd: Type=notify, WATCHDOG pings, JSON logs on stderr)')
    .requiredOption('--config <file>', 'gate config (YAML or JSON)')
    .option('--metrics-listen <host:port>', 'serve GET /metrics (Prometheus) here; overrides metricsListen in the config')
    .action((o: { config: string; metricsListen?: string }, cmd: Command) => run(async (ctx) => {
      const config = withMetricsListen(await load(ctx, o.config), o.metricsListen);
      const logger = stderrLogger('info');
      // serial and MQTT drivers load only for the daemon itself
      const { openGateHardware } = await import('../drivers/gate-runtime/hardware.js');
      const { startGateRuntime } = await import('../drivers/gate-runtime/runtime.js');
      const hardware = await openGateHardware(config, ctx.clock);
      ctx.onClose(() => hardware.dispose());
      const metrics = config.metricsListen ? new (await import('../drivers/gate-runtime/metrics.js')).GateMetrics({ lot: config.lot, gate: config.gate }) : null;
      const runtime = await startGateRuntime({
        config, databaseUrl: await gateDatabaseUrl(ctx, config), barrier: hardware.barrier, inputs: hardware.inputs, sign: hardware.sign, printer: hardware.printer,
        clock: ctx.clock, logger, notifySocket: ctx.config.notifySocket, onJournaled: metrics?.onJournaled,
      });
      metrics?.attach({ journal: runtime.journal, sync: runtime.sync, barrier: hardware.barrier });
      const server = metrics && config.metricsListen ? await metrics.listen(config.metricsListen).catch(async (err: Error) => {
        await runtime.stop();
        throw new UsageError(`cannot serve metrics on ${config.metricsListen}: ${err.message}`, { hint: 'choose a free host:port for metricsListen / --metrics-listen' });
      }) : null;
      if (server) logger.info('metrics served', { url: `http://${config.metricsListen}/metrics` });
      const signal = await untilSignal();
      logger.info('stopping', { signal });
      await server?.close();
      await runtime.stop();
    }, cmd));

  daemon.command('check-config')
    .description('validate a gate config and print what the daemon would connect to (exit 2 on a bad file)')
    .requiredOption('--config <file>', 'gate config (YAML or JSON)')
    .action((o: { config: string }, cmd: Command) => run(async (ctx) => {
      const c = await load(ctx, o.config);
      const db = c.databaseUrl ?? (ctx.config.databaseUrl ? gateRoleUrl(ctx.config.databaseUrl) : 'embedded server, user parkctl_gate');
      const inputs = [laneInputLabel(c.barrier), c.inputs.anpr ? `ANPR webhook on ${c.inputs.anpr.listen}` : null,
        c.inputs.mqttPlateTopic ? `plates on ${c.inputs.mqttPlateTopic}` : null, c.inputs.scanner ? `scanner ${c.inputs.scanner.path}` : null].filter(Boolean);
      const data = { ...gateConfigReport(c, db), inputsSummary: inputs };
      for (const warning of data.warnings) ctx.out.note(`warning: ${warning}`);
      ctx.out.result(data, (d) => renderFields([
        ['gate', `${d.lot}/${d.gate} (${d.direction})`], ['database', d.databaseUrl], ['journal', d.journalDir],
        ['barrier', barrierLabel(c.barrier)],
        ['inputs', inputs.join(', ') || 'none'], ['mqtt', d.mqttUrl ?? '-'], ['sign', d.signTopic ?? '-'],
        ['sync', `every ${d.syncIntervalSeconds} s; allow-list every ${d.allowListRefreshSeconds} s, ${d.allowListHorizonHours} h ahead`],
      ]));
    }, cmd));

  daemon.command('status')
    .description('journal depth not yet synced, last sync, the last heartbeat the database saw, and the running daemon\'s figures (with metricsListen)')
    .requiredOption('--config <file>', 'gate config (YAML or JSON)')
    .option('--metrics-listen <host:port>', 'where the running daemon serves its metrics (default: metricsListen in the config)')
    .action((o: { config: string; metricsListen?: string }, cmd: Command) => run(async (ctx) => {
      const config = withMetricsListen(await load(ctx, o.config), o.metricsListen);
      const s = await readGateStatus(config, await gateDatabaseUrl(ctx, config));
      ctx.out.result(s, (d) => renderFields([
        ['gate', `${d.lot}/${d.gate}`], ['journal', `${d.journalLastSeq} events, ${d.unsynced} not synced (synced up to ${d.journalSyncedSeq})`],
        ['database', d.database === 'reachable' ? 'reachable' : `unreachable: ${d.databaseError}`],
        ['heartbeat', d.heartbeat ? `${formatTime(d.heartbeat.seen_at)} from ${d.heartbeat.host} pid ${d.heartbeat.pid}` : '-'],
        ['last sync', d.heartbeat ? `synced up to ${d.heartbeat.journal_synced_seq}; allow-list ${formatTime(d.heartbeat.allow_list_synced_at)}` : '-'],
        ...liveFields(d),
      ]));
    }, cmd));

  daemon.command('install')
    .description('write a systemd unit for this gate (Type=notify, Restart=always, WatchdogSec, unprivileged user)')
    .requiredOption('--config <file>', 'gate config (YAML or JSON)')
    .option('--user <name>', 'the user the daemon runs as', 'parkctl')
    .option('--unit-dir <dir>', 'where to write the unit', '/etc/systemd/system')
    .option('--env-dir <dir>', 'where to write the root-only file with DATABASE_URL (a unit is world-readable)', '/etc/parkctl')
    .option('--print', 'print the unit instead of writing it')
    .action((o: { config: string; user: string; unitDir: string; envDir: string; print?: boolean }, cmd: Command) => run(async (ctx) => {
      const config = await load(ctx, o.config);
      if (o.user === 'root') throw new UsageError('the gate daemon must not run as root', { hint: 'use --user parkctl (in group dialout for serial ports)' });
      if (!config.databaseUrl && !ctx.config.databaseUrl) {
        // The unit runs as another user with ProtectHome and PrivateTmp: it cannot open this home's embedded
        // cluster, would start an empty one of its own, and would refuse every booked car.
        throw new UsageError(`the unit could not reach the embedded database in ${ctx.config.home}: it runs as ${o.user} with ProtectHome and PrivateTmp, and would start an empty database of its own and refuse every booked car`, {
          hint: 'set DATABASE_URL (or databaseUrl: in the gate config) to a PostgreSQL server the daemon can reach, then install again',
          code: 'embedded_database_unreachable',
        });
      }
      const environment: Record<string, string> = {};
      // DATABASE_URL may carry a password: it goes to a file only root reads (systemd reads it before it
      // drops to --user), not into the unit, which every user of the machine can read.
      const secrets: Record<string, string> = {};
      if (!config.databaseUrl && ctx.config.databaseUrl) secrets.DATABASE_URL = ctx.config.databaseUrl;
      const envFile = Object.keys(secrets).length > 0 ? join(resolve(o.envDir), environmentFileName(config.lot, config.gate)) : undefined;
      const unit = renderUnit({
        gateId: config.gate, lotCode: config.lot, configPath: resolve(o.config), execPath: binPath, user: o.user,
        watchdogSeconds: config.watchdogSeconds, journalDir: resolve(config.journalDir), environment, environmentFile: envFile,
      });
      if (o.print) {
        if (envFile) ctx.out.note(`install writes DATABASE_URL to ${envFile} (mode 600), which the unit reads; not printed`);
        return ctx.out.raw(unit);
      }
      const name = unitName(config.lot, config.gate);
      if (envFile) {
        await mkdir(dirname(envFile), { recursive: true, mode: 0o755 });
        await writeFile(envFile, renderEnvironmentFile(secrets), { mode: 0o600 });
        await chmod(envFile, 0o600); // an existing file keeps its mode through writeFile
      }
      await mkdir(o.unitDir, { recursive: true });
      await writeFile(join(o.unitDir, name), unit, { mode: 0o644 });
      ctx.out.result({ unit: join(o.unitDir, name), environmentFile: envFile ?? null }, (d) => [
        `wrote ${d.unit}`, ...(d.environmentFile ? [`wrote ${d.environmentFile} (mode 600: DATABASE_URL)`] : []),
        `next: systemctl daemon-reload && systemctl enable --now ${name}`,
      ].join('\n'));
    }, cmd));

  const gate = program.command('gate').description('gates by hand: open a barrier with a reason');

  gate.command('open')
    .description('open a gate now through its daemon; the audit trail keeps who and why')
    .requiredOption('--gate <id>', 'gate id (as in its daemon config)')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .option('--wait-seconds <s>', 'how long to wait for the daemon to open it', '10')
    .action((o: { gate: string; lot: string; reason: string; waitSeconds: string }, cmd: Command) => run(async (ctx) => {
      const reason = o.reason.trim();
      if (!reason) throw new UsageError('--reason must say why the gate is opened by hand', { hint: 'e.g. --reason "ticket machine jammed"' });
      const waitMs = Number(o.waitSeconds) * 1000;
      if (!(waitMs > 0 && waitMs <= 120_000)) throw new UsageError(`--wait-seconds "${o.waitSeconds}" must be from 1 to 120`);
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const outcome = await withSpinner(ctx.spinnerTarget, `waiting for the gate daemon of ${lot.code}/${o.gate}`, () => requestManualOpen({
        pool, clock: ctx.clock, actor: ctx.actor,
        wakeGate: async (lotId, gateId) => void (await pool.query(`select pg_notify($1::text, $2::text)`, [gateCommandsChannel, `${lotId}:${gateId}`])),
      }, lot, {
        gateId: o.gate, reason, waitMs: waitMs + 1000, lifetimeMs: waitMs,
        onRequested: (id) => { if (!ctx.out.json) ctx.out.note(`asked ${lot.code}/${o.gate} to open (command ${id}); waiting up to ${o.waitSeconds} s for its gate daemon`); },
      }));
      if (outcome.result === null) {
        throw new ExternalError(`gate daemon ${lot.code}/${o.gate}`, `the gate daemon took the request but has not confirmed the opening (command ${outcome.commandId})`, {
          hint: 'look at the lane; its answer will be in the audit trail (parkctl dashboard)',
        });
      }
      if (outcome.result !== 'opened') {
        throw new ExternalError(`gate daemon ${lot.code}/${o.gate}`, `the gate was not opened: ${outcome.result} (command ${outcome.commandId}; audited as not opened)`, {
          hint: `is the daemon running? parkctl gate-daemon status --config <its config>`,
        });
      }
      ctx.out.result({ gate: o.gate, lot: lot.code, commandId: outcome.commandId, result: outcome.result, by: ctx.actor, reason },
        (d) => `opened ${d.lot}/${d.gate} (command ${d.commandId}, by ${d.by}: ${d.reason})`);
    }, cmd));
}
