// `sensors listen`: the long-running spot sensor ingester (MQTT: The Things Stack v3, ChirpStack v4, generic JSON),
// systemd friendly like the gate daemon (Type=notify READY/WATCHDOG/STOPPING, JSON logs on stderr, stops on
// SIGTERM after writing what is pending). `sensors list`: a lot's sensors and what they sense.
import type { Command } from 'commander';
import { ExternalError } from '../core/errors.js';
import { loadLot } from '../core/lots/lot.js';
import { listSensors, type SensorJson } from '../core/sensors/bindings.js';
import type { Run } from './index.js';
import { brokerHint, mqttUrlOption } from './mqtt-url.js';
import { wholeNumberOption } from './numbers.js';
import { redactUrl } from './redact.js';
import { formatTime, renderTable } from './output.js';

function untilSignal(): Promise<string> {
  return new Promise((done) => {
    const on = (sig: string) => {
      process.off('SIGTERM', on).off('SIGINT', on);
      done(sig);
    };
    process.on('SIGTERM', on).on('SIGINT', on);
  });
}

export function renderSensors(rows: readonly SensorJson[], timeZone: string): string {
  if (rows.length === 0) return 'no sensors bound: add a sensors section to the lot file, or parkctl lot spot bind-sensor';
  // at 80 columns the spot, sensor id, sensed state and fault show whole; the rest give way, least useful first
  return renderTable(rows, [
    { header: 'spot', value: (s) => s.spotLabel, id: false },
    { header: 'sensor', value: (s) => s.sensorId, id: false },
    { header: 'vendor', value: (s) => s.vendor, priority: 6 },
    { header: 'sensed', value: (s) => (s.unconfirmed ? `${s.state} (${s.unconfirmed}?)` : s.state) },
    { header: 'since', value: (s) => (s.stateSince ? formatTime(new Date(s.stateSince), timeZone) : '-'), priority: 3 },
    { header: 'confidence', value: (s) => (s.confidence === null ? '-' : s.confidence.toFixed(2)), align: 'right', priority: 5 },
    { header: 'battery', value: (s) => (s.batteryPct === null ? '-' : `${Math.round(s.batteryPct)}%`), align: 'right', priority: 4 },
    { header: 'last heard', value: (s) => (s.lastHeardAt ? formatTime(new Date(s.lastHeardAt), timeZone) : 'never'), priority: 2 },
    { header: 'fault', value: (s) => s.fault ?? '', priority: 1 },
  ]);
}

export function registerSensors(program: Command, run: Run): void {
  const sensors = program.command('sensors').description('spot sensors: ingest their uplinks over MQTT, list what they sense');

  sensors.command('listen')
    .description('ingest sensor uplinks for one lot until stopped (under systemd: Type=notify, WATCHDOG pings, JSON logs on stderr)')
    .requiredOption('--lot <code>', 'the lot whose sensors to listen to')
    .option('--mqtt-url <url>', 'the broker (default: MQTT_URL)')
    .option('--prefix <topic>', 'topic prefix of generic JSON sensors (default parkctl/<LOT>/sensors)')
    .option('--signs <topic>', 'drive the floor free-count signs under this topic from sensed occupancy, e.g. parkctl/CITY-GARAGE/sign')
    .option('--flush-ms <ms>', 'how long readings are gathered before one write', '100')
    .action((o: { lot: string; mqttUrl?: string; prefix?: string; signs?: string; flushMs: string }, cmd: Command) => run(async (ctx) => {
      const url = mqttUrlOption(o.mqttUrl, ctx.config.mqttUrl, 'listen to');
      const flushMs = wholeNumberOption(o.flushMs, '--flush-ms', 10, 100, 60_000);
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const { stderrLogger } = await import('../drivers/stderr-logger.js');
      const logger = stderrLogger('info');
      const { SensorListener } = await import('../core/sensors/listener.js');
      const { MqttSensorFeed } = await import('../drivers/sensors/mqtt-sensors.js');
      const { SystemdNotifier } = await import('../drivers/gate-runtime/systemd.js');
      const { selectFloorFree } = await import('../core/sql/sensors.js');
      const mqtt = await import('mqtt');
      let client;
      try {
        client = await mqtt.connectAsync(url, { connectTimeout: 5000, reconnectPeriod: 2000, clientId: `parkctl-sensors-${lot.code}-${process.pid}` });
      } catch (err) {
        throw new ExternalError('MQTT broker', `cannot connect to ${redactUrl(url)}: ${(err as Error).message}`, { cause: err, hint: brokerHint });
      }
      ctx.onClose(() => client.endAsync());
      const link = client as unknown as import('../drivers/mqtt/mqtt-link.js').MqttLink;
      const listener = await SensorListener.load({
        pool, lotId: lot.lotId, lotCode: lot.code, clock: ctx.clock, logger, actor: `sensors:${lot.code}`,
        notifier: (await ctx.changeDeps()).notifier, genericPrefix: o.prefix ?? `parkctl/${lot.code}/sensors`,
      });
      const sign = o.signs ? new (await import('../drivers/mqtt/sign.js')).MqttSign(link, { baseTopic: o.signs }) : null;
      const signs = sign ? {
        sign,
        read: async () => {
          const byFloor = new Map<number, number>();
          for (const r of await selectFloorFree(pool, lot.lotId, ctx.clock.now())) byFloor.set(r.floor, (byFloor.get(r.floor) ?? 0) + r.free);
          return [...byFloor].map(([floor, free]) => ({ floor, free }));
        },
      } : null;
      const feed = await new MqttSensorFeed(link, listener, { genericPrefix: o.prefix ?? `parkctl/${lot.code}/sensors`, flushMs, signs, logger }).start();
      const systemd = new SystemdNotifier(ctx.config.notifySocket, process.pid);
      await systemd.notify('READY=1');
      const watchdog = setInterval(() => void systemd.notify('WATCHDOG=1'), 10_000);
      logger.info('listening', { lot: lot.code, sensors: listener.sensors, broker: url.replace(/\/\/[^@/]*@/, '//***@') });
      // SIGHUP (systemd ExecReload): read the bindings and vendor mappings again after a lot import or a bind-sensor
      const onHangup = () => void listener.reload().then(
        (r) => logger.info('bindings reloaded', { sensors: r.sensors }),
        (err: Error) => logger.error('bindings not reloaded', { error: err.message }),
      );
      process.on('SIGHUP', onHangup);
      const signal = await untilSignal();
      process.off('SIGHUP', onHangup);
      clearInterval(watchdog);
      await systemd.notify('STOPPING=1');
      logger.info('stopping', { signal, ...listener.stats });
      await feed.stop();
    }, cmd));

  sensors.command('list')
    .description('a lot\'s sensors: the spot each is bound to, what it senses, battery, last heard, faults')
    .requiredOption('--lot <code>', 'the lot')
    .action((o: { lot: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const lot = await loadLot(pool, o.lot);
      const rows = await listSensors(pool, lot);
      ctx.out.result(rows, (r) => renderSensors(r, lot.timeZone));
    }, cmd));
}
