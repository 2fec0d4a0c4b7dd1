// MQTT drivers against a real broker: PARKCTL_TEST_MQTT_URL when set (must pass), else an
// in-process aedes broker on 127.0.0.1 with a random port. Fake devices are second clients.

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Availability, BarrierState, GateInput } from '../src/core/gate/ports.js';
import { GenericJsonBarrier } from '../src/drivers/mqtt/generic-json.js';
import { MockMqttLink } from '../src/drivers/mqtt/mqtt-link.js';
import { MqttPlateReader } from '../src/drivers/mqtt/plate-reader.js';
import { ShellyBarrier } from '../src/drivers/mqtt/shelly.js';
import { MqttSign } from '../src/drivers/mqtt/sign.js';
import { TasmotaBarrier, tasmotaPulseTime } from '../src/drivers/mqtt/tasmota.js';

let url: string;
let broker: Aedes | null = null;
let server: Server | null = null;
const clients: MqttClient[] = [];
/** unique per run: a shared broker in CI must not mix runs, and retained messages are cleared after */
const run = `parkctl-test-${randomUUID().slice(0, 8)}`;
const retainedTopics: string[] = [];

async function connect(): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000 });
  clients.push(client);
  return client;
}

function waitFor<T>(register: (resolve: (v: T) => void) => void, what: string, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

beforeAll(async () => {
  const external = process.env.PARKCTL_TEST_MQTT_URL;
  if (external) {
    url = external;
    return;
  }
  broker = await Aedes.createBroker();
  server = createServer(broker.handle);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  const cleaner = clients[0];
  if (cleaner?.connected) for (const t of retainedTopics) await cleaner.publishAsync(t, '', { retain: true, qos: 1 });
  await Promise.all(clients.map((c) => c.endAsync()));
  if (server) await new Promise((r) => server!.close(r));
  if (broker) await new Promise<void>((r) => broker!.close(() => r()));
});

describe('TasmotaBarrier', () => {
  it('maps pulse lengths to PulseTime', () => {
    expect([tasmotaPulseTime(0), tasmotaPulseTime(50), tasmotaPulseTime(5000), tasmotaPulseTime(11_100), tasmotaPulseTime(30_000)]).toEqual([0, 1, 50, 111, 130]);
  });

  it('opens with a confirmed PulseTime + POWER ON, follows stat/POWER and the LWT', async () => {
    const topic = `${run}-t1`;
    const device = await connect();
    const commands: string[] = [];
    let power = 'OFF';
    await device.subscribeAsync(`cmnd/${topic}/#`, { qos: 1 });
    device.on('message', (t, p) => {
      const cmd = t.split('/').pop()!;
      commands.push(`${cmd} ${p.toString()}`);
      if (cmd === 'POWER') {
        if (p.length > 0) power = p.toString();
        void device.publishAsync(`stat/${topic}/POWER`, power);
      }
      if (cmd === 'PulseTime1') void device.publishAsync(`stat/${topic}/RESULT`, JSON.stringify({ PulseTime1: { Set: Number(p.toString()), Remaining: 0 } }));
    });
    const link = await connect();
    const barrier = await new TasmotaBarrier(link, { topic, replyTimeoutMs: 3000 }).start();
    const availability: Availability[] = [];
    const states: BarrierState[] = [];
    barrier.on('availability', (a) => availability.push(a));
    barrier.on('state', (s) => states.push(s));

    await barrier.open(3000);
    await barrier.open(3000);
    expect(commands).toEqual(['PulseTime1 30', 'POWER ON', 'POWER ON']);
    expect(await barrier.status()).toBe('open');
    await barrier.close();
    expect(states).toEqual(['open', 'closed']);

    retainedTopics.push(`tele/${topic}/LWT`);
    const offline = waitFor<Availability>((r) => barrier.on('availability', (a) => a === 'offline' && r(a)), 'offline');
    await device.publishAsync(`tele/${topic}/LWT`, 'Online', { retain: true, qos: 1 });
    await device.publishAsync(`tele/${topic}/LWT`, 'Offline', { retain: true, qos: 1 });
    await offline;
    expect(availability).toEqual(['online', 'offline']);
    await barrier.dispose();
  });

  it('a silent relay is an ExternalError naming the device, and status() falls back', async () => {
    const barrier = await new TasmotaBarrier(await connect(), { topic: `${run}-dead`, replyTimeoutMs: 200 }).start();
    await expect(barrier.open()).rejects.toThrow(/tasmota .*-dead: not opened: the relay did not confirm PulseTime/);
    expect(await barrier.status()).toBe('unknown');
    await barrier.dispose();
  });
});

describe('ShellyBarrier', () => {
  it('sends Switch.Set with toggle_after over <prefix>/rpc and follows status and online', async () => {
    const prefix = `${run}-shellyplus1`;
    const device = await connect();
    const calls: Array<{ method: string; params: Record<string, unknown> }> = [];
    await device.subscribeAsync(`${prefix}/rpc`, { qos: 1 });
    device.on('message', (_t, p) => {
      const req = JSON.parse(p.toString()) as { id: number; src: string; method: string; params: Record<string, unknown> };
      calls.push({ method: req.method, params: req.params });
      const result = req.method === 'Switch.GetStatus' ? { id: 0, output: false } : { was_on: false };
      void device.publishAsync(`${req.src}/rpc`, JSON.stringify({ id: req.id, src: prefix, dst: req.src, result }));
    });
    const barrier = await new ShellyBarrier(await connect(), { prefix, src: `${run}-gate`, replyTimeoutMs: 3000 }).start();
    await barrier.open(2500);
    expect(calls[0]).toEqual({ method: 'Switch.Set', params: { id: 0, on: true, toggle_after: 2.5 } });
    expect(barrier.state).toBe('open');
    expect(await barrier.status()).toBe('closed');

    const opened = waitFor<BarrierState>((r) => barrier.on('state', r), 'state');
    await device.publishAsync(`${prefix}/events/rpc`, JSON.stringify({ method: 'NotifyStatus', params: { ts: 1, 'switch:0': { id: 0, output: true } } }));
    expect(await opened).toBe('open');
    const offline = waitFor<Availability>((r) => barrier.on('availability', r), 'availability');
    await device.publishAsync(`${prefix}/online`, 'false');
    expect(await offline).toBe('offline');
    await barrier.dispose();
  });

  it('an RPC error rejects open', async () => {
    const link = new MockMqttLink();
    const barrier = await new ShellyBarrier(link, { prefix: 'shelly1', src: 'gate', replyTimeoutMs: 1000 }).start();
    const opening = barrier.open();
    const req = JSON.parse(link.lastPublish!.payload) as { id: number };
    link.emitMessage('gate/rpc', JSON.stringify({ id: req.id, error: { code: -103, message: 'Invalid argument' } }));
    await expect(opening).rejects.toThrow(/Invalid argument/);
  });
});

describe('GenericJsonBarrier', () => {
  it('publishes JSON commands and reads JSON state; malformed state is an error event', async () => {
    const link = new MockMqttLink();
    const barrier = await new GenericJsonBarrier(link, { name: 'g1', commandTopic: 'lane/cmd', stateTopic: 'lane/state', availabilityTopic: 'lane/avail' }).start();
    const errors: Error[] = [];
    barrier.on('error', (e) => errors.push(e));
    const opening = barrier.open(1500);
    expect(JSON.parse(link.lastPublish!.payload)).toEqual({ command: 'open', pulseMs: 1500 });
    link.emitMessage('lane/state', '{"state":"open"}');
    await opening;
    link.emitMessage('lane/state', '{not json');
    link.emitMessage('lane/state', '{"state":"ajar"}');
    expect(errors).toHaveLength(2);
    expect(barrier.state).toBe('open');
    const avail: Availability[] = [];
    barrier.on('availability', (a) => avail.push(a));
    link.emitMessage('lane/avail', 'offline');
    expect(avail).toEqual(['offline']);
  });
});

describe('MqttPlateReader', () => {
  it('turns JSON reads into plate inputs, once per read, and reports junk', async () => {
    const topic = `${run}/lane1/plates`;
    const reader = await new MqttPlateReader(await connect(), { topic }).start();
    const inputs: GateInput[] = [];
    const errors: Error[] = [];
    reader.on('input', (i) => inputs.push(i));
    reader.on('error', (e) => errors.push(e));
    const camera = await connect();
    const read = JSON.stringify({ plate: 'ab-12 cd', score: 0.91, id: 'r-1', camera: 'entry' });
    await camera.publishAsync(topic, read, { qos: 1 });
    await camera.publishAsync(topic, read, { qos: 1 });
    await camera.publishAsync(topic, 'not json', { qos: 1 });
    await camera.publishAsync(topic, JSON.stringify({ plate: 'XY99', confidence: 0.8 }), { qos: 1 });
    await waitFor<void>((r) => { const tick = () => (inputs.length >= 2 ? r() : setTimeout(tick, 10)); tick(); }, 'two reads');
    expect(inputs).toMatchObject([
      { kind: 'plate', plate: 'AB12CD', confidence: 0.91, readId: 'r-1', source: `mqtt:${topic}:entry` },
      { kind: 'plate', plate: 'XY99', confidence: 0.8 },
    ]);
    expect(errors).toHaveLength(1);
    await reader.dispose();
  });
});

describe('MqttSign', () => {
  it('publishes the lot and floor signs retained, so a display that connects later sees them', async () => {
    const base = `${run}/sign`;
    retainedTopics.push(`${base}/lot`, `${base}/floor/B1`);
    const sign = new MqttSign(await connect(), { baseTopic: base });
    await sign.showLot({ freeSpots: 12, full: false, message: null });
    await sign.showFloor('B1', { freeSpots: 0, full: true, message: null });
    expect(() => sign.showFloor('B1/#', { freeSpots: 1, full: false, message: null })).toThrow(RangeError);

    const display = await connect();
    const seen = new Map<string, unknown>();
    display.on('message', (t, p) => p.length > 0 && seen.set(t, JSON.parse(p.toString())));
    await display.subscribeAsync(`${base}/#`, { qos: 1 });
    await waitFor<void>((r) => { const tick = () => (seen.size >= 2 ? r() : setTimeout(tick, 10)); tick(); }, 'retained signs');
    expect(seen.get(`${base}/lot`)).toEqual({ free: 12, full: false, message: null, text: '12 FREE' });
    expect(seen.get(`${base}/floor/B1`)).toEqual({ free: 0, full: true, message: null, text: 'FULL' });
  });
});

describe('relay captures replayed through MockMqttLink', () => {
  const capture = readFileSync(new URL('../fixtures/frames/mqtt-relays.jsonl', import.meta.url), 'utf8')
    .split('\n').filter(Boolean).map((l) => JSON.parse(l) as { topic: string; payload: string });

  it('Tasmota and Shelly follow state and availability; junk is an error event', async () => {
    const link = new MockMqttLink();
    const tasmota = await new TasmotaBarrier(link, { topic: 'gate1' }).start();
    const shelly = await new ShellyBarrier(link, { prefix: 'shellyplus1-a8032ab12345', src: 'gate' }).start();
    const log: string[] = [];
    for (const [name, b] of [['tasmota', tasmota], ['shelly', shelly]] as const) {
      b.on('state', (s) => log.push(`${name} ${s}`));
      b.on('availability', (a) => log.push(`${name} ${a}`));
      b.on('error', () => log.push(`${name} error`));
    }
    for (const m of capture) link.emitMessage(m.topic, m.payload);
    expect(log).toEqual([
      'tasmota online', 'tasmota open', 'tasmota closed', 'tasmota error', 'tasmota offline',
      'shelly online', 'shelly open', 'shelly closed', 'shelly offline',
    ]);
  });
});
