// The Shelly Gen1 barrier against a simulated Gen1 relay (test/support/shelly-gen1-sim.ts, written
// from Shelly's Gen1 MQTT documentation) over a real broker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Availability } from '../src/core/gate/ports.js';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import { systemClock } from '../src/core/ports.js';
import { openGateHardware } from '../src/drivers/gate-runtime/hardware.js';
import { ShellyGen1Barrier } from '../src/drivers/mqtt/shelly-gen1.js';
import { waitFor } from './support/gate-daemon-helpers.js';
import { TestBroker } from './support/mqtt-broker.js';
import { ShellyGen1Sim } from './support/shelly-gen1-sim.js';

const broker = new TestBroker();
const cleanups: Array<() => Promise<void>> = [];
let n = 0;

beforeAll(async () => {
  await broker.open();
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await broker.close();
});

async function setUp(sim: Partial<ConstructorParameters<typeof ShellyGen1Sim>[0]> = {}, relay?: number) {
  const device = await new ShellyGen1Sim({ url: broker.url, id: `${broker.run}-shelly1-${++n}`, ...sim }).start();
  const barrier = new ShellyGen1Barrier(await broker.connect(), { id: `${broker.run}-shelly1-${n}`, relay, replyTimeoutMs: 2000 });
  const availability: Availability[] = [];
  barrier.on('availability', (a) => availability.push(a));
  await barrier.start();
  cleanups.push(() => device.stop(), () => barrier.dispose());
  return { device, barrier, availability };
}

describe('ShellyGen1Barrier against the simulated device', () => {
  it('opens with "on" on relay/0/command, confirmed by relay/0, and ends the pulse with "off"', async () => {
    const { device, barrier, availability } = await setUp();
    await waitFor(() => availability.includes('online'), 'online');
    await barrier.open(300);
    expect(device.ison[0]).toBe(true);
    expect(device.received).toContain('relay/0/command on');
    expect(barrier.state).toBe('open');
    await waitFor(() => barrier.state === 'closed' && !device.ison[0], 'the pulse to end', 5000);
  });

  it('a second open while the relay is still on is confirmed too (the device publishes only changes)', async () => {
    const { device, barrier } = await setUp({ autoOffSeconds: 60 });
    await barrier.open(0);
    await barrier.open(0);
    // the relay was on all along: a leftover "on" may confirm the second open before the device reads it
    await waitFor(() => device.received.filter((r) => r === 'relay/0/command on').length === 2, 'the second "on" at the device');
    expect(await barrier.status()).toBe('open');
    await barrier.close();
    expect(device.ison[0]).toBe(false);
  });

  it('relay 1 of a Shelly 2.5 is commanded alone', async () => {
    const { device, barrier } = await setUp({ relays: 2 }, 1);
    await barrier.open(0);
    expect(device.ison).toEqual([false, true]);
  });

  it('a device that is gone: no confirmation is an error naming it, and its will says offline', async () => {
    const { device, barrier, availability } = await setUp();
    await waitFor(() => availability.includes('online'), 'online');
    await device.client!.publishAsync(`${device.base}/online`, 'false', { retain: true, qos: 1 });
    await device.client!.endAsync();
    device.client = null;
    await waitFor(() => availability.at(-1) === 'offline', 'offline');
    await expect(barrier.open()).rejects.toThrow(/shelly .*shelly1-\d+: no open confirmation/);
  });

  it('a gate config with driver shelly-gen1 drives the device through the daemon\'s hardware', async () => {
    const device = await new ShellyGen1Sim({ url: broker.url, id: `${broker.run}-cfg`, relays: 2 }).start();
    cleanups.push(() => device.stop());
    const config = parseGateDaemonConfig({
      lot: 'L', gate: 'g', direction: 'entry', journalDir: '/tmp/unused', mqttUrl: broker.url, pulseMs: 0,
      barrier: { driver: 'shelly-gen1', id: `${broker.run}-cfg`, relay: 1 },
    }, 'test');
    const hardware = await openGateHardware(config, systemClock);
    cleanups.push(() => hardware.dispose());
    await hardware.barrier!.open();
    expect(device.ison).toEqual([false, true]);
  });
});
