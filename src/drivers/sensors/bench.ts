// `parkctl bench sensors`: the 2,000-spot garage (fixtures/city-garage.yaml) as a scratch lot with a sensor in
// every bay, The Things Stack uplinks from a publisher process through the broker (Mosquitto), ingested by the
// real listener (rules, batched writes, reconciliation); a dashboard model (DashboardSnapshotReader) re-read on
// every change notification, as the dashboard does. Measures events/s ingested, the lag from an uplink's
// publishing to the dashboard model that shows it (p50/p99), and CPU per event (this process, the publisher,
// PostgreSQL backends of this database).
import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { percentiles } from '../../core/bench/latency.js';
import { DashboardSnapshotReader } from '../../core/dashboard/snapshot.js';
import { ExternalError } from '../../core/errors.js';
import { importLot } from '../../core/lots/import-lot.js';
import { parseLotFile } from '../../core/lots/lot-file.js';
import { loadLot } from '../../core/lots/lot.js';
import { silentLogger, systemClock } from '../../core/ports.js';
import { SensorListener } from '../../core/sensors/listener.js';
import { dropLot } from '../../core/sql/scratch-lots.js';
import type { MqttLink } from '../mqtt/mqtt-link.js';
import { PgLotChangeFeed } from '../pg-listener.js';
import { PgChangeNotifier } from '../pg-notifier.js';
import { benchDevEui, benchUplink } from './bench-publisher.js';
import { MqttSensorFeed } from './mqtt-sensors.js';
import { packageRoot } from '../../package-root.js';

export interface SensorBenchOptions {
  pool: pg.Pool;
  databaseUrl: string;
  mqttUrl: string;
  /** offered uplinks a second */
  rate: number;
  seconds: number;
  /** bays with a sensor (at most the garage's 2,000) */
  sensors: number;
  keep?: boolean | undefined;
}

export interface SensorBenchResult {
  lot: string;
  sensors: number;
  offeredPerSecond: number;
  seconds: number;
  published: number;
  received: number;
  /** received / the time from the first to the last message handled */
  ingestedPerSecond: number;
  changes: number;
  debounced: number;
  /** flushes (one write of every spot that changed, one of the events) */
  flushes: number;
  alerts: number;
  /** dashboard model reads, and the lag from publishing to the model that shows it */
  dashboardReads: number;
  lagMs: Record<string, number>;
  lagSamples: number;
  /** one flush's write (spots and events, one transaction), and one dashboard model read */
  flushWriteMs: Record<string, number>;
  dashboardReadMs: Record<string, number>;
  cpuMsPerEvent: { listener: number; publisher: number | null; postgres: number | null };
}

const garage = join(packageRoot(), 'fixtures', 'city-garage.yaml');
const round3 = (x: number) => Math.round(x * 1000) / 1000;

async function backendCpuMs(pool: pg.Pool): Promise<number | null> {
  try {
    const { rows } = await pool.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database()`);
    let ticks = 0;
    for (const { pid } of rows) {
      const fields = (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ');
      if (fields) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return (ticks * 1000) / 100;
  } catch {
    return null;
  }
}

export async function runSensorBench(o: SensorBenchOptions): Promise<SensorBenchResult> {
  const code = `SENSBENCH-${randomBytes(3).toString('hex').toUpperCase()}`;
  const raw = parseYaml(await readFile(garage, 'utf8')) as Record<string, unknown>;
  const plain = parseLotFile({ ...raw, code }, garage);
  const labels = plain.spots.slice(0, o.sensors).map((s) => s.label);
  const def = parseLotFile({
    ...raw, code, name: 'Sensor bench (scratch)',
    sensors: {
      heartbeat_seconds: 3600,
      vendors: { benchbay: { occupied: { field: 'status', occupied: ['occupied'], free: ['free'] }, confidence: { field: 'conf', scale: 100 }, battery: { field: 'battery_pct' } } },
      bind: labels.map((spot, i) => ({ spot, sensor: benchDevEui(i), vendor: 'benchbay' })),
    },
  }, garage);
  await importLot(o.pool, def, 'bench');
  const lot = await loadLot(o.pool, code);
  const app = `parkctl-bench-${code.toLowerCase()}`;
  const disposers: (() => Promise<unknown>)[] = [];
  try {
    // the dashboard model: re-read on each change notification, one read at a time
    const reader = new DashboardSnapshotReader(o.pool, lot);
    const flushed: { at: number; uplinks: number[] }[] = [];
    const lags: number[] = [];
    const writes: number[] = [];
    const readMs: number[] = [];
    let reads = 0;
    let reading: Promise<void> | null = null;
    let again = false;
    const read = (): void => {
      if (reading) {
        again = true;
        return;
      }
      const startedAt = Date.now();
      reading = reader.read(new Date()).then(() => {
        const done = Date.now();
        reads++;
        readMs.push(done - startedAt);
        while (flushed.length && flushed[0]!.at <= startedAt) for (const u of flushed.shift()!.uplinks) lags.push(done - u);
      }, () => undefined).finally(() => {
        reading = null;
        if (again) {
          again = false;
          read();
        }
      });
    };
    const feedOfChanges = new PgLotChangeFeed(o.databaseUrl, { applicationName: 'parkctl-bench-dashboard' });
    await new Promise<void>((resolve) => feedOfChanges.start({ onChange: (id) => (id === lot.lotId || id === null) && read(), onConnection: (up) => up && resolve() }));
    disposers.push(() => feedOfChanges.stop());

    const notifier = new PgChangeNotifier(o.pool);
    const listener = await SensorListener.load({
      pool: o.pool, lotId: lot.lotId, lotCode: code, clock: systemClock, logger: silentLogger, actor: `bench:${code}`, notifier,
      genericPrefix: null, trackLag: true, onFlushed: (f) => {
        flushed.push({ at: Date.now(), uplinks: f.uplinkTimesMs });
        writes.push(f.writeMs);
      },
    });
    let client: mqtt.MqttClient;
    try {
      client = await mqtt.connectAsync(o.mqttUrl, { reconnectPeriod: 0, connectTimeout: 5000, clientId: `parkctl-bench-sub-${process.pid}` });
    } catch (err) {
      throw new ExternalError('MQTT broker', `cannot connect to ${o.mqttUrl.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')}: ${(err as Error).message}`, { cause: err, hint: 'is the broker running? check --mqtt-url (or MQTT_URL)' });
    }
    disposers.push(() => client.endAsync());
    const feed = await new MqttSensorFeed(client as unknown as MqttLink, listener, { genericPrefix: null, flushMs: 100, logger: silentLogger }).start();
    disposers.push(() => feed.stop());
    // warm-up, not measured: one reading per bay (a car in each), written and reconciled, as a lot that has been
    // running; the measured run then starts from known states (without it the first second is 2,000 unknown cars)
    for (let i = 0; i < labels.length; i++) client.publish(`v3/${app}@ttn/devices/bay-${i}/up`, benchUplink(i, true, new Date(), app), { qos: 0 });
    for (const deadline = Date.now() + 60_000; listener.stats.messages < labels.length && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
    await listener.flush();
    await notifier.flush();
    for (const deadline = Date.now() + 30_000; (flushed.length > 0 || reading) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
    const base = { ...listener.stats };
    lags.length = 0;
    writes.length = 0;
    readMs.length = 0;
    reads = 0;
    let first = 0;
    let last = 0;
    client.on('message', () => {
      last = Date.now();
      first ||= last;
    });

    const cpu0 = process.cpuUsage();
    const pg0 = await backendCpuMs(o.pool);
    const child = fork(join(packageRoot(), 'dist', 'drivers', 'sensors', 'bench-publisher.js'), ['--run', JSON.stringify({ url: o.mqttUrl, sensors: labels.length, rate: o.rate, seconds: o.seconds, app })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const report = await new Promise<{ published: number; cpuMs: number } | null>((resolve) => {
      let got: { published: number; cpuMs: number } | null = null;
      child.on('message', (m) => (got = m as { published: number; cpuMs: number }));
      child.on('exit', () => resolve(got));
    });
    if (!report) throw new ExternalError('bench publisher', 'the publisher process failed (see above)');
    // drain: until every published message is handled, or nothing arrives for 3 s (QoS 0 may drop)
    for (let idle = Date.now(); listener.stats.messages - base.messages < report.published && Date.now() - idle < 3000;) {
      const before = listener.stats.messages;
      await new Promise((r) => setTimeout(r, 100));
      if (listener.stats.messages > before) idle = Date.now();
    }
    await listener.flush();
    await notifier.flush();
    for (let t = Date.now(); flushed.length > 0 && Date.now() - t < 10_000;) await new Promise((r) => setTimeout(r, 50));
    const cpu = process.cpuUsage(cpu0);
    const pg1 = await backendCpuMs(o.pool);
    const received = listener.stats.messages - base.messages;
    const per = (ms: number) => (received > 0 ? round3(ms / received) : 0);
    return {
      lot: code, sensors: labels.length, offeredPerSecond: o.rate, seconds: o.seconds, published: report.published, received,
      ingestedPerSecond: last > first ? Math.round(received / ((last - first) / 1000)) : received,
      changes: listener.stats.changes - base.changes, debounced: listener.stats.debounced - base.debounced,
      flushes: listener.stats.flushes - base.flushes, alerts: listener.stats.alerts - base.alerts,
      dashboardReads: reads, lagMs: percentiles(lags, [50, 95, 99]), lagSamples: lags.length,
      flushWriteMs: percentiles(writes, [50, 99]), dashboardReadMs: percentiles(readMs, [50, 99]),
      cpuMsPerEvent: { listener: per((cpu.user + cpu.system) / 1000), publisher: per(report.cpuMs), postgres: pg0 !== null && pg1 !== null ? per(pg1 - pg0) : null },
    };
  } finally {
    for (const d of disposers.reverse()) await d().catch(() => undefined);
    if (!o.keep) await dropLot(o.pool, lot.lotId);
  }
}
