// `parkctl ev ...`: EV charging over OCPP 1.6J (issue 16): the central system (`ev serve`), its systemd unit,
// charge points and their credentials, the chargers' status, and the attendant's remote actions, which go
// through the running `ev serve` (its loopback control port) to the charge point.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ExternalError, RefusedError, UsageError } from '../core/errors.js';
import { addCharger } from '../core/ev/chargers.js';
import { chargerStatus, evAlerts, type ConnectorJson } from '../core/ev/status.js';
import { connectorOfSpot, remoteStartTarget } from '../core/ev/remote.js';
import { parsePlate } from '../core/input.js';
import { loadLot } from '../core/lots/lot.js';
import { formatMinorAmount } from '../core/money-format.js';
import type { AppContext } from './context.js';
import type { Run } from './index.js';
import { wholeNumberOption } from './numbers.js';
import { formatTime, renderFields, renderTable } from './output.js';
import { parseListen } from './payments.js';
import { stopOnSignals } from './signals.js';
import { packageRoot } from '../package-root.js';

const binPath = join(packageRoot(), 'bin', 'parkctl');
const defaultListen = '127.0.0.1:9220';
const defaultControl = '127.0.0.1:9221';

async function serveEv(ctx: AppContext, o: { listen: string; control: string; lot?: string; heartbeatSeconds: string; watchdogSeconds: string }, stop: AbortSignal): Promise<void> {
  const listen = parseListen(o.listen);
  const control = parseListen(o.control);
  // the control port has no credentials of its own: whoever reaches it can start and stop charging
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(control.host)) {
    throw new UsageError(`--control ${o.control.slice(0, 60)} is not a loopback address`, { hint: 'keep the control port on this machine, e.g. --control 127.0.0.1:9221', code: 'bad_listen' });
  }
  const heartbeatIntervalS = wholeNumberOption(o.heartbeatSeconds, '--heartbeat-seconds', 10, 300);
  const watchdogSeconds = wholeNumberOption(o.watchdogSeconds, '--watchdog-seconds', 1, 30);
  const pool = await ctx.pool();
  const lotId = o.lot ? (await loadLot(pool, o.lot)).lotId : null;
  const { stderrLogger } = await import('../drivers/stderr-logger.js');
  const logger = stderrLogger(ctx.options.verbose ? 'info' : 'warn', (line) => ctx.out.note(line.trimEnd()));
  const { CentralSystem } = await import('../core/ev/central-system.js');
  const { OcppCentralServer } = await import('../drivers/ocpp/server.js');
  const { listenControl } = await import('../drivers/ocpp/control.js');
  const system = new CentralSystem({ pool, clock: ctx.clock, actor: 'ev:ocpp', logger, ...(await ctx.changeDeps()) }, { heartbeatIntervalS, lotId });
  const central = new OcppCentralServer({ system, logger });
  const port = await central.listen(listen.port, listen.host);
  const controlServer = await listenControl(central, control.port, control.host);
  // always said (the line a supervisor or the bench waits for), whatever the log level
  stderrLogger('info', (line) => ctx.out.note(line.trimEnd())).info('ev central system listening', {
    url: `ws://${listen.host}:${port}/ocpp/{chargePointId}`, control: `http://${control.host}:${controlServer.port}`,
  });
  const { SystemdNotifier } = await import('../drivers/api-systemd.js');
  const systemd = new SystemdNotifier(ctx.config.notifySocket, process.pid);
  await systemd.notify('READY=1');
  const watchdog = systemd.enabled
    ? setInterval(() => void pool.query('select 1').then(() => systemd.notify('WATCHDOG=1'), () => undefined), Math.max(1000, (watchdogSeconds * 1000) / 3))
    : null;
  if (!stop.aborted) await new Promise<void>((done) => stop.addEventListener('abort', () => done(), { once: true }));
  if (watchdog) clearInterval(watchdog);
  await systemd.notify('STOPPING=1');
  await new Promise<void>((done) => controlServer.server.close(() => done()));
  await central.close();
}

/** One call through the running central system; its refusals become one line. */
async function sendToChargePoint(server: string, chargePointId: string, method: 'RemoteStartTransaction' | 'RemoteStopTransaction' | 'ChangeAvailability' | 'UnlockConnector', params: unknown): Promise<string> {
  const { controlCall } = await import('../drivers/ocpp/control.js');
  let r: Awaited<ReturnType<typeof controlCall>>;
  try {
    r = await controlCall(server, { chargePointId, method, params });
  } catch (err) {
    throw new ExternalError('parkctl ev serve', `the central system at ${server} did not answer: ${(err as Error).message}`, { hint: 'is `parkctl ev serve` running? (--server names its control port)', cause: err });
  }
  if (r.status === 409) throw new RefusedError(String(r.body.message), { hint: 'the charger must be connected to `parkctl ev serve`', code: 'charger_offline' });
  if (r.status !== 200) throw new ExternalError(`charge point ${chargePointId}`, `${method} failed: ${String(r.body.message)}`);
  const answer = r.body.answer as { status?: string } | undefined;
  return answer?.status ?? 'Accepted';
}

function statusTable(rows: readonly ConnectorJson[], timeZone: string, currency: string): string {
  if (rows.length === 0) return 'no chargers: bind one with parkctl ev charger add <id> --lot CODE --spot LABEL';
  // at 80 columns the spot, charger, status and car show whole; the rest give way, least useful first
  return renderTable(rows, [
    { header: 'spot', value: (c) => c.spotLabel, id: false },
    { header: 'charger', value: (c) => `${c.chargePointId}/${c.connectorId}`, id: false },
    { header: 'status', value: (c) => (c.errorCode !== 'NoError' ? `${c.status} (${c.errorCode})` : c.status) },
    { header: 'car', value: (c) => c.session?.plate ?? c.session?.idTag ?? '', id: false },
    { header: 'kW', value: (c) => (c.session?.powerW != null && !c.session.stoppedAt ? (c.session.powerW / 1000).toFixed(1) : ''), align: 'right', priority: 3 },
    { header: 'kWh', value: (c) => (c.session ? (c.session.energyWh / 1000).toFixed(2) : ''), align: 'right', priority: 1 },
    { header: 'since', value: (c) => (c.session ? formatTime(new Date(c.session.startedAt), timeZone) : ''), priority: 5 },
    { header: 'idle', value: (c) => (c.session?.idleSince ? `${c.session.idleMinutes} min` : ''), priority: 4 },
    { header: 'charge', value: (c) => (c.session ? formatMinorAmount(c.session.chargeMinor, currency) : ''), align: 'right', priority: 2 },
    { header: 'heartbeat', value: (c) => (c.lastHeartbeatAt ? formatTime(new Date(c.lastHeartbeatAt), timeZone) : c.hasCredentials ? 'never' : 'no credentials'), priority: 6 },
  ]);
}

export function registerEv(program: Command, run: Run): void {
  const ev = program.command('ev').description('EV charging: the OCPP 1.6J central system, chargers on EV spots, charging billed at the exit');

  ev.command('serve')
    .description('run the OCPP 1.6J central system until SIGINT/SIGTERM: charge points connect at ws://HOST:PORT/ocpp/{chargePointId} (HTTP Basic)')
    .option('--listen <host:port>', 'where charge points connect', defaultListen)
    .option('--control <host:port>', 'the control port for ev remote-start|remote-stop|availability|unlock (keep it on loopback)', defaultControl)
    .option('--lot <code>', 'serve only this lot\'s chargers (default: every lot\'s)')
    .option('--heartbeat-seconds <s>', 'the Heartbeat interval told to charge points at boot', '300')
    .option('--watchdog-seconds <s>', 'systemd WatchdogSec (the process pings three times as often)', '30')
    .action((o: { listen: string; control: string; lot?: string; heartbeatSeconds: string; watchdogSeconds: string }, cmd: Command) => run(async (ctx) => {
      const stop = stopOnSignals();
      try {
        await serveEv(ctx, o, stop.signal);
      } finally {
        stop.dispose();
      }
    }, cmd));

  ev.command('install')
    .description(`write the systemd unit ${'parkctl-ev.service'} for ev serve (Type=notify, watchdog, unprivileged user)`)
    .option('--user <name>', 'the user the central system runs as', 'parkctl')
    .option('--listen <host:port>', 'where charge points connect', '0.0.0.0:9220')
    .option('--control <host:port>', 'the control port (loopback)', defaultControl)
    .option('--watchdog-seconds <s>', 'WatchdogSec', '30')
    .option('--unit-dir <dir>', 'where to write the unit', '/etc/systemd/system')
    .option('--env-dir <dir>', 'where to write the root-only file with DATABASE_URL', '/etc/parkctl')
    .option('--print', 'print the unit instead of writing it')
    .action((o: { user: string; listen: string; control: string; watchdogSeconds: string; unitDir: string; envDir: string; print?: boolean }, cmd: Command) => run(async (ctx) => {
      if (o.user === 'root') throw new UsageError('the central system must not run as root', { hint: 'use --user parkctl' });
      parseListen(o.listen);
      parseListen(o.control);
      const { evEnvironmentFileName, evUnitName, renderEvUnit } = await import('../drivers/ocpp/systemd.js');
      const { renderEnvironmentFile } = await import('../drivers/api-systemd.js');
      const secrets: Record<string, string> = ctx.config.databaseUrl ? { DATABASE_URL: ctx.config.databaseUrl } : {};
      const envFile = Object.keys(secrets).length > 0 ? join(resolve(o.envDir), evEnvironmentFileName) : undefined;
      const unit = renderEvUnit({
        execPath: binPath, user: o.user, listen: o.listen, control: o.control, watchdogSeconds: wholeNumberOption(o.watchdogSeconds, '--watchdog-seconds'),
        environment: ctx.config.databaseUrl ? {} : { PARKCTL_HOME: ctx.config.home }, environmentFile: envFile, serveArgs: [],
      });
      if (o.print) {
        if (envFile) ctx.out.note(`install writes DATABASE_URL to ${envFile} (mode 600), which the unit reads; not printed`);
        return ctx.out.raw(unit);
      }
      if (envFile) {
        await mkdir(dirname(envFile), { recursive: true, mode: 0o755 });
        await writeFile(envFile, renderEnvironmentFile(secrets), { mode: 0o600 });
        await chmod(envFile, 0o600);
      }
      await mkdir(o.unitDir, { recursive: true });
      await writeFile(join(o.unitDir, evUnitName), unit, { mode: 0o644 });
      ctx.out.result({ unit: join(o.unitDir, evUnitName), environmentFile: envFile ?? null }, (d) => [
        `wrote ${d.unit}`, ...(d.environmentFile ? [`wrote ${d.environmentFile} (mode 600: DATABASE_URL)`] : []), 'next: systemctl daemon-reload && systemctl enable --now parkctl-ev',
      ].join('\n'));
    }, cmd));

  const charger = ev.command('charger').description('charge points: bind a connector to an EV spot, make its credentials');
  charger.command('add')
    .description('bind connector N of a charge point to an EV spot; a new charge point gets a password, printed once (HTTP Basic, OCPP security profile 1)')
    .argument('<id>', 'the charge point id, as configured on the charger (its URL ends /ocpp/<id>)')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--spot <label>', 'the EV spot the connector charges')
    .option('--connector <n>', 'connector number on the charger', '1')
    .option('--new-password', 'replace the charge point\'s password (the old one stops working at its next connection)')
    .action((id: string, o: { lot: string; spot: string; connector: string; newPassword?: boolean }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const r = await addCharger({ pool, clock: ctx.clock, actor: ctx.actor }, lot, {
        chargePointId: id.trim(), spotLabel: o.spot, connectorId: wholeNumberOption(o.connector, '--connector', 1, 1, 99), newPassword: Boolean(o.newPassword),
      });
      ctx.out.result({ lot: lot.code, ...r, url: `ws://<host>:9220/ocpp/${r.chargePointId}` }, (x) => renderFields([
        [x.created ? 'added' : 'bound', `${x.chargePointId} connector ${x.connectorId} -> ${x.spotLabel}`],
        ['url', x.url], ['username', x.chargePointId],
        ['password', x.password ? `${x.password}   (shown once: set it on the charger now)` : 'unchanged (--new-password makes a new one)'],
      ]));
    }, cmd));

  ev.command('status')
    .description('every connector of the lot: spot, status, the car plugged in, power, energy, idle time, charge so far; alerts')
    .requiredOption('--lot <code>', 'lot code')
    .option('--idle-alert-minutes <n>', 'flag cars done charging and still plugged in for this long', '15')
    .option('--heartbeat-seconds <s>', 'ev serve\'s heartbeat interval: a charger silent for three is flagged', '300')
    .action((o: { lot: string; idleAlertMinutes: string; heartbeatSeconds: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const now = ctx.clock.now();
      const rows = await chargerStatus(pool, lot.lotId, now);
      const alerts = evAlerts(rows, now, { idleAlertMinutes: wholeNumberOption(o.idleAlertMinutes, '--idle-alert-minutes', 0), heartbeatIntervalS: wholeNumberOption(o.heartbeatSeconds, '--heartbeat-seconds', 10, 300) });
      // -q: each charge point once (a row is a connector)
      ctx.out.result(rows, (x) => [statusTable(x, lot.timeZone, lot.currency), ...alerts.map((a) => `! ${a.text}`)].join('\n'), { id: 'chargePointId' });
    }, cmd));

  ev.command('remote-start')
    .description('start charging the car inside (by plate) on the charger of a spot: RemoteStartTransaction with the visit\'s id tag')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--spot <label>', 'the EV spot')
    .requiredOption('--plate <plate>', 'the car (inside): the session belongs to its visit')
    .option('--server <url>', 'the control port of ev serve', `http://${defaultControl}`)
    .action((o: { lot: string; spot: string; plate: string; server: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const t = await remoteStartTarget(pool, lot, { spotLabel: o.spot, plate: parsePlate(o.plate) });
      const status = await sendToChargePoint(o.server, t.chargePointId, 'RemoteStartTransaction', { connectorId: t.connectorId, idTag: t.idTag });
      ctx.out.result({ lot: lot.code, chargePointId: t.chargePointId, connectorId: t.connectorId, spotLabel: t.spotLabel, idTag: t.idTag, status },
        (x) => `${x.spotLabel} (${x.chargePointId}/${x.connectorId}): remote start ${x.status} for ${o.plate.toUpperCase()} (id tag ${x.idTag})`);
      if (status !== 'Accepted') ctx.exitCode = 3;
    }, cmd));

  ev.command('remote-stop')
    .description('stop the charging on a spot: RemoteStopTransaction of the transaction running there')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--spot <label>', 'the EV spot')
    .option('--server <url>', 'the control port of ev serve', `http://${defaultControl}`)
    .action((o: { lot: string; spot: string; server: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const t = await connectorOfSpot(pool, lot, o.spot);
      if (!t.running || t.transactionId === null) throw new RefusedError(`${t.spotLabel} is not charging`, { hint: `see parkctl ev status --lot ${lot.code}`, code: 'not_charging' });
      const status = await sendToChargePoint(o.server, t.chargePointId, 'RemoteStopTransaction', { transactionId: t.transactionId });
      ctx.out.result({ lot: lot.code, chargePointId: t.chargePointId, connectorId: t.connectorId, spotLabel: t.spotLabel, transactionId: t.transactionId, status },
        (x) => `${x.spotLabel} (${x.chargePointId}/${x.connectorId}): remote stop of transaction ${x.transactionId} ${x.status}`);
      if (status !== 'Accepted') ctx.exitCode = 3;
    }, cmd));

  ev.command('availability')
    .description('take a spot\'s connector out of use or back (ChangeAvailability); out of use, its spot is not sold for charging')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--spot <label>', 'the EV spot')
    .requiredOption('--state <state>', 'operative or inoperative')
    .option('--server <url>', 'the control port of ev serve', `http://${defaultControl}`)
    .action((o: { lot: string; spot: string; state: string; server: string }, cmd: Command) => run(async (ctx) => {
      const state = o.state.trim().toLowerCase();
      if (state !== 'operative' && state !== 'inoperative') throw new UsageError(`--state "${o.state.slice(0, 20)}" is not operative or inoperative`, { hint: 'e.g. --state inoperative', code: 'bad_state' });
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const t = await connectorOfSpot(pool, lot, o.spot);
      const status = await sendToChargePoint(o.server, t.chargePointId, 'ChangeAvailability', { connectorId: t.connectorId, type: state === 'operative' ? 'Operative' : 'Inoperative' });
      ctx.out.result({ lot: lot.code, chargePointId: t.chargePointId, connectorId: t.connectorId, spotLabel: t.spotLabel, state, status },
        (x) => `${x.spotLabel} (${x.chargePointId}/${x.connectorId}): ${x.state} ${x.status}${x.status === 'Scheduled' ? ' (after the running transaction)' : ''}`);
      if (status === 'Rejected') ctx.exitCode = 3;
    }, cmd));

  ev.command('unlock')
    .description('unlock the cable on a spot\'s connector (UnlockConnector)')
    .requiredOption('--lot <code>', 'lot code')
    .requiredOption('--spot <label>', 'the EV spot')
    .option('--server <url>', 'the control port of ev serve', `http://${defaultControl}`)
    .action((o: { lot: string; spot: string; server: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const t = await connectorOfSpot(pool, lot, o.spot);
      const status = await sendToChargePoint(o.server, t.chargePointId, 'UnlockConnector', { connectorId: t.connectorId });
      ctx.out.result({ lot: lot.code, chargePointId: t.chargePointId, connectorId: t.connectorId, spotLabel: t.spotLabel, status },
        (x) => `${x.spotLabel} (${x.chargePointId}/${x.connectorId}): unlock ${x.status}`);
      if (status !== 'Unlocked') ctx.exitCode = 3;
    }, cmd));
}
