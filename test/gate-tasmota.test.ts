// The Tasmota barrier against a simulated Tasmota device (test/support/tasmota-sim.ts, written from
// Tasmota's documentation and sources) over a real broker: POWER and POWER<n> answers (multi-relay,
// SetOption26, SetOption4), a custom FullTopic, and PulseTime set again, and confirmed, after every
// Online, so a reset or replaced unit cannot latch the barrier open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import type { BarrierState } from '../src/core/gate/ports.js';
import { systemClock } from '../src/core/ports.js';
import { openGateHardware } from '../src/drivers/gate-runtime/hardware.js';
import { TasmotaBarrier } from '../src/drivers/mqtt/tasmota.js';
import { parseTasmotaStat, tasmotaTopic } from '../src/drivers/mqtt/tasmota-topics.js';
import { waitFor } from './support/gate-daemon-helpers.js';
import { TestBroker } from './support/mqtt-broker.js';
import { TasmotaSim } from './support/tasmota-sim.js';

const broker = new TestBroker();
const sims: TasmotaSim[] = [];
const barriers: TasmotaBarrier[] = [];
let n = 0;

beforeAll(async () => {
  await broker.open();
});
afterAll(async () => {
  for (const b of barriers) await b.dispose();
  for (const s of sims) await s.stop();
  await broker.close();
});

async function device(opts: Partial<ConstructorParameters<typeof TasmotaSim>[0]> = {}): Promise<TasmotaSim> {
  const sim = await new TasmotaSim({ url: broker.url, topic: `${broker.run}-t${++n}`, ...opts }).start();
  sims.push(sim);
  return sim;
}

async function barrier(sim: TasmotaSim, opts: { relay?: number; fullTopic?: string; pulseMs?: number } = {}): Promise<TasmotaBarrier> {
  const b = await new TasmotaBarrier(await broker.connect(), {
    topic: sim.topic,
    fullTopic: opts.fullTopic, relay: opts.relay, defaultPulseMs: opts.pulseMs ?? 300, replyTimeoutMs: 2000,
  }).start();
  barriers.push(b);
  return b;
}

describe('Tasmota topics and answers (pure)', () => {
  it('builds topics as the device does, FullTopic included', () => {
    expect(tasmotaTopic('%prefix%/%topic%/', 'cmnd', 'gate1', 'POWER')).toBe('cmnd/gate1/POWER');
    expect(tasmotaTopic('lot/%topic%/%prefix%', 'stat', 'gate1', 'RESULT')).toBe('lot/gate1/stat/RESULT');
    // a FullTopic without %prefix% gets it appended for commands only
    expect(tasmotaTopic('site/%topic%', 'cmnd', 'g', 'POWER1')).toBe('site/g/cmnd/POWER1');
    expect(tasmotaTopic('site/%topic%', 'stat', 'g', 'POWER1')).toBe('site/g/POWER1');
  });

  it('config: a FullTopic needs %topic% and only %prefix% / %topic% tokens; relay is 1..32', () => {
    const cfg = (barrier: Record<string, unknown>) => () => parseGateDaemonConfig({
      lot: 'L', gate: 'g', direction: 'entry', journalDir: '/tmp/j', mqttUrl: 'mqtt://127.0.0.1', barrier: { driver: 'tasmota', topic: 'gate1', ...barrier },
    }, 'test');
    expect(cfg({ fullTopic: 'site/%topic%/%prefix%/', relay: 2 })).not.toThrow();
    expect(cfg({ fullTopic: '%prefix%/%hostname%/' })).toThrow(/fullTopic: must contain %topic%/);
    expect(cfg({ fullTopic: '%prefix%/%topic%/%hostname%/' })).toThrow(/fullTopic: only %prefix% and %topic%/);
    expect(cfg({ relay: 0 })).toThrow(/relay/);
  });

  it('reads POWER and POWER<n>, plain and JSON, and PulseTime answers, for its own relay only', () => {
    expect(parseTasmotaStat('POWER1', 'ON', 1)).toEqual({ power: 'ON', pulseTimeSet: null });
    expect(parseTasmotaStat('RESULT', '{"POWER":"OFF"}', 1).power).toBe('OFF');
    expect(parseTasmotaStat('RESULT', '{"POWER2":"ON"}', 1).power).toBeNull();
    expect(parseTasmotaStat('POWER2', '{"POWER2":"ON"}', 2).power).toBe('ON');
    expect(parseTasmotaStat('RESULT', '{"PulseTime2":{"Set":50,"Remaining":0}}', 2).pulseTimeSet).toBe(50);
    expect(parseTasmotaStat('RESULT', '{"PulseTime1":{"Set":50,"Remaining":0}}', 2).pulseTimeSet).toBeNull();
  });
});

describe('TasmotaBarrier against the simulated device', () => {
  it('a one-relay device with SetOption26 1 answers POWER1: the open is confirmed', async () => {
    const sim = await device({ setOption26: true });
    const b = await barrier(sim);
    await b.open();
    expect(sim.received).toContain('POWER ON');
    expect(b.state).toBe('open');
    await waitFor(() => b.state === 'closed', 'the pulse to drop the relay', 5000);
    expect(sim.power[0]).toBe(false);
  });

  it('SetOption4 1 (answers on stat/<topic>/POWER1 as JSON) is read too', async () => {
    const sim = await device({ setOption26: true, setOption4: true });
    const b = await barrier(sim);
    await b.open(2000);
    expect(sim.power[0]).toBe(true);
    await b.close();
    expect(sim.power[0]).toBe(false);
  });

  it('relay 2 of a multi-relay device: POWER2 is commanded, relay 1 is not ours', async () => {
    const sim = await device({ relays: 4 });
    const b = await barrier(sim, { relay: 2 });
    const states: BarrierState[] = [];
    b.on('state', (s) => states.push(s));
    await b.open(2000);
    expect(sim.power).toEqual([false, true, false, false]);
    expect(sim.received).toEqual(expect.arrayContaining(['PulseTime2 20', 'POWER2 ON']));
    await sim.client!.publishAsync(sim.topicFor('cmnd', 'POWER1'), 'ON');
    await waitFor(() => sim.power[0] === true, 'relay 1 on');
    expect(await b.status()).toBe('open');
    expect(states).toEqual(['open']);
  });

  it('a custom FullTopic', async () => {
    const sim = await device({ fullTopic: `${broker.run}/%topic%/%prefix%/` });
    const b = await barrier(sim, { fullTopic: `${broker.run}/%topic%/%prefix%/` });
    await b.open();
    expect(sim.power[0]).toBe(true);
  });

  it('PulseTime is set again after every Online: a reset unit pulses instead of latching ON', async () => {
    const sim = await device();
    const b = await barrier(sim, { pulseMs: 400 });
    await waitFor(() => sim.pulseTime[0] === 4, 'PulseTime armed at start');
    await sim.restart({ factoryReset: true }); // the device forgets PulseTime
    expect(sim.pulseTime[0]).toBe(0);
    await waitFor(() => sim.pulseTime[0] === 4, 'PulseTime armed again after Online');
    expect(sim.received.filter((c) => c.startsWith('PulseTime1'))).toEqual(['PulseTime1 4', 'PulseTime1 4']);
    await b.open();
    expect(sim.power[0]).toBe(true);
    await waitFor(() => sim.power[0] === false, 'the relay to drop by itself', 5000);
  });

  it('a PulseTime the device never confirms refuses to open (no POWER ON is sent)', async () => {
    const topic = `${broker.run}-deaf`;
    const dev = await broker.connect();
    const seen: string[] = [];
    await dev.subscribeAsync(`cmnd/${topic}/#`, { qos: 1 });
    // answers POWER but ignores PulseTime (a locked-down or broken unit)
    dev.on('message', (t, p) => {
      seen.push(t.split('/').pop()!);
      if (/POWER$/i.test(t)) void dev.publishAsync(`stat/${topic}/POWER`, p.length ? p.toString() : 'OFF');
    });
    const b = await new TasmotaBarrier(await broker.connect(), { topic, replyTimeoutMs: 300 }).start();
    barriers.push(b);
    await expect(b.open()).rejects.toThrow(/not opened: the relay did not confirm PulseTime 50/);
    expect(seen).toEqual(['PulseTime1']);
  });

  it('a gate config (relay, fullTopic, pulseMs) drives the device through the daemon\'s hardware', async () => {
    const fullTopic = `${broker.run}/cfg/%topic%/%prefix%/`;
    const sim = await device({ relays: 2, fullTopic });
    const config = parseGateDaemonConfig({
      lot: 'L', gate: 'g', direction: 'entry', journalDir: '/tmp/unused', mqttUrl: broker.url, pulseMs: 700,
      barrier: { driver: 'tasmota', topic: sim.topic, fullTopic, relay: 2 },
    }, 'test');
    const hardware = await openGateHardware(config, systemClock);
    try {
      await hardware.barrier!.open(700);
      expect(sim.power).toEqual([false, true]);
      expect(sim.pulseTime[1]).toBe(7);
      await waitFor(() => sim.power[1] === false, 'the pulse to end', 5000);
    } finally {
      await hardware.dispose();
    }
  });
});
