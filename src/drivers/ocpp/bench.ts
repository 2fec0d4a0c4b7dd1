// `parkctl bench ev`: N simulated charge points (ocpp-rpc RPCClient, strict mode) against `parkctl ev serve`
// in its own process: each boots, starts a transaction and sends MeterValues every `intervalS` seconds
// (staggered). Measured: the answer time of every MeterValues call (client side: the round trip on loopback)
// and the central system's resident memory (its control port's /v1/status, sampled every second).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RPCClient } from 'ocpp-rpc';
import { percentiles } from '../../core/bench/latency.js';
import { controlStatus } from './control.js';
import { packageRoot } from '../../package-root.js';

export interface EvBenchOptions {
  lotCode: string;
  chargePointIds: string[];
  password: string;
  seconds: number;
  intervalS: number;
  env: Record<string, string | undefined>;
}

export interface EvBenchResult {
  chargePoints: number;
  connected: number;
  seconds: number;
  intervalS: number;
  meterValues: number;
  perSecond: number;
  errors: number;
  answerMs: { p50: number; p99: number; max: number };
  /** the central system's own measure of its MeterValues handler (no network) */
  serverMs: { p50: number | null; p99: number | null };
  rssMb: { idle: number; peak: number; end: number };
  connectSeconds: number;
}

const binPath = join(packageRoot(), 'bin', 'parkctl');

async function startCentralSystem(lotCode: string, env: EvBenchOptions['env']): Promise<{ child: ChildProcess; ws: string; control: string }> {
  const child = spawn(process.execPath, [binPath, 'ev', 'serve', '--listen', '127.0.0.1:0', '--control', '127.0.0.1:0', '--lot', lotCode], {
    env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines = createInterface({ input: child.stderr! });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('ev serve did not start within 60 s')), 60_000);
    child.once('exit', (code) => fail(new Error(`ev serve exited (${code}) before listening`)));
    lines.on('line', (line) => {
      try {
        const j = JSON.parse(line) as { msg?: string; url?: string; control?: string };
        if (j.msg === 'ev central system listening' && j.url && j.control) {
          clearTimeout(timer);
          ok({ child, ws: j.url.replace('/{chargePointId}', ''), control: j.control });
        }
      } catch {
        // not a log line
      }
    });
  });
}

export async function runEvBench(o: EvBenchOptions): Promise<EvBenchResult> {
  const server = await startCentralSystem(o.lotCode, o.env);
  const clients: RPCClient[] = [];
  const samples: number[] = [];
  let errors = 0;
  let peakRss = 0;
  try {
    const idle = await controlStatus(server.control);
    const connectStarted = Date.now();
    const txOf = new Map<RPCClient, number>();
    // connect in waves of 50: a charge point fleet coming back after an outage, not one burst of N handshakes
    for (let i = 0; i < o.chargePointIds.length; i += 50) {
      await Promise.all(o.chargePointIds.slice(i, i + 50).map(async (identity) => {
        const cp = new RPCClient({
          endpoint: server.ws, identity, password: o.password, protocols: ['ocpp1.6'], strictMode: true, reconnect: false, callTimeoutMs: 30_000,
        } as unknown as ConstructorParameters<typeof RPCClient>[0]);
        try {
          await cp.connect();
          await cp.call('BootNotification', { chargePointVendor: 'parkctl-bench', chargePointModel: 'sim' });
          await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: new Date().toISOString() });
          const r = await cp.call('StartTransaction', { connectorId: 1, idTag: 'R-0000000000000000', meterStart: 0, timestamp: new Date().toISOString() }) as { transactionId: number };
          txOf.set(cp, r.transactionId);
          clients.push(cp);
        } catch {
          errors++;
          await cp.close({ force: true }).catch(() => undefined);
        }
      }));
    }
    const connectSeconds = (Date.now() - connectStarted) / 1000;
    const started = Date.now();
    const endAt = started + o.seconds * 1000;
    const sampler = setInterval(() => void controlStatus(server.control).then((s) => { peakRss = Math.max(peakRss, s.rssBytes); }, () => undefined), 1000);
    let sent = 0;
    await Promise.all(clients.map(async (cp, i) => {
      let wh = 0;
      // staggered: charge point i sends at offset i/N of the interval
      let next = started + (i / Math.max(1, clients.length)) * o.intervalS * 1000;
      while (next < endAt) {
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
        wh += 30; // 11 kW for 10 s
        const t = performance.now();
        try {
          await cp.call('MeterValues', {
            connectorId: 1, transactionId: txOf.get(cp),
            meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [
              { value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
              { value: '11000', measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' },
            ] }],
          });
          samples.push(performance.now() - t);
          sent++;
        } catch {
          errors++;
        }
        next += o.intervalS * 1000;
      }
    }));
    clearInterval(sampler);
    const end = await controlStatus(server.control);
    peakRss = Math.max(peakRss, end.rssBytes);
    await Promise.all(clients.map((cp) => cp.call('StopTransaction', { transactionId: txOf.get(cp), meterStop: 0, timestamp: new Date().toISOString() }).catch(() => undefined)));
    const p = percentiles(samples, [50, 99]);
    const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
    return {
      chargePoints: o.chargePointIds.length, connected: clients.length, seconds: o.seconds, intervalS: o.intervalS,
      meterValues: sent, perSecond: Math.round((sent / o.seconds) * 10) / 10, errors,
      answerMs: { p50: p.p50 ?? 0, p99: p.p99 ?? 0, max: Math.round(Math.max(0, ...samples) * 100) / 100 },
      serverMs: { p50: end.answers.MeterValues?.p50Ms ?? null, p99: end.answers.MeterValues?.p99Ms ?? null },
      rssMb: { idle: mb(idle.rssBytes), peak: mb(peakRss), end: mb(end.rssBytes) }, connectSeconds: Math.round(connectSeconds * 10) / 10,
    };
  } finally {
    await Promise.all(clients.map((cp) => cp.close({ force: true }).catch(() => undefined)));
    server.child.kill('SIGTERM');
    await new Promise((r) => (server.child.exitCode !== null ? r(null) : server.child.once('exit', r)));
  }
}
