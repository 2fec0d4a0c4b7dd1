// Issue 12 item 9: Frigate's license plate recognition as a plate source, over a real broker
// (PARKCTL_TEST_MQTT_URL, else an in-process aedes). The simulated Frigate publishes what its MQTT
// documentation shows (docs.frigate.video, integrations/mqtt): frigate/events new/update/end with
// recognized_license_plate and recognized_license_plate_score on the tracked car, and
// frigate/tracked_object_update {"type":"lpr",...}, among face and description updates and events
// of people. Under a per-run topic prefix, as Frigate's mqtt.topic_prefix allows.
import { createServer, type Server } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateInput } from '../src/core/gate/ports.js';
import { FrigatePlateReader, parseFrigateMessage } from '../src/drivers/mqtt/frigate.js';
import { waitFor } from './support/gate-daemon-helpers.js';

let url: string;
let broker: Aedes | null = null;
let server: Server | null = null;
const clients: MqttClient[] = [];
const prefix = `parkctl-test-${randomUUID().slice(0, 8)}/frigate`;

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
  await Promise.all(clients.map((c) => c.endAsync()));
  if (server) await new Promise((r) => server!.close(r));
  if (broker) await new Promise<void>((r) => broker!.close(() => r()));
});

async function connect(): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000 });
  clients.push(client);
  return client;
}

/** A tracked object as frigate/events carries it in before/after. */
function tracked(id: string, camera: string, label: string, frameTime: number, plate?: { text: string; score: number }) {
  return {
    id, camera, frame_time: frameTime, snapshot: null, label, sub_label: null, top_score: 0.9, false_positive: false,
    start_time: frameTime - 2, end_time: null, score: 0.87, box: [424, 500, 536, 712], area: 23744, ratio: 2.1,
    region: [264, 450, 667, 853], current_zones: ['entry'], entered_zones: ['entry'], thumbnail: null, has_snapshot: true,
    has_clip: false, active: true, stationary: false, motionless_count: 0, position_changes: 1, attributes: {}, current_attributes: [],
    ...(plate ? { recognized_license_plate: plate.text, recognized_license_plate_score: plate.score } : {}),
  };
}

describe('Frigate LPR on MQTT', () => {
  it('reads the plate from frigate/events and tracked_object_update once per tracked car, only from the lane\'s camera', async () => {
    const link = await connect();
    const reader = await new FrigatePlateReader(link, { topicPrefix: prefix, cameras: ['lane_entry'] }).start();
    const inputs: GateInput[] = [];
    const errors: Error[] = [];
    reader.on('input', (i) => inputs.push(i)).on('error', (e) => errors.push(e));
    const frigate = await connect();
    const pub = (topic: string, body: unknown) => frigate.publishAsync(`${prefix}/${topic}`, JSON.stringify(body));
    const t = 1_764_900_000.25;
    const carId = `${t}-abc123`;
    await pub('events', { type: 'new', before: tracked(carId, 'lane_entry', 'car', t), after: tracked(carId, 'lane_entry', 'car', t) });
    await pub('events', { type: 'new', before: tracked('p1', 'lane_entry', 'person', t), after: tracked('p1', 'lane_entry', 'person', t) });
    await pub('tracked_object_update', { type: 'face', id: 'p1', name: 'John', score: 0.95, camera: 'lane_entry', timestamp: t });
    await pub('tracked_object_update', { type: 'description', id: carId, description: 'A red sedan.' });
    await pub('events', { type: 'update', before: tracked(carId, 'lane_entry', 'car', t), after: tracked(carId, 'lane_entry', 'car', t + 1, { text: 'ab12 cde', score: 0.91 }) });
    await pub('tracked_object_update', { type: 'lpr', id: carId, name: null, plate: 'AB12CDE', score: 0.91, camera: 'lane_entry', timestamp: t + 1 });
    await pub('events', { type: 'end', before: tracked(carId, 'lane_entry', 'car', t + 1, { text: 'AB12CDE', score: 0.91 }), after: { ...tracked(carId, 'lane_entry', 'car', t + 5, { text: 'AB12CDE', score: 0.93 }), end_time: t + 5 } });
    // another camera's car, and a known plate (sub_label name, plate still in the update)
    await pub('tracked_object_update', { type: 'lpr', id: 'other-1', name: null, plate: 'ZZ99ZZZ', score: 0.97, camera: 'street', timestamp: t + 2 });
    await pub('tracked_object_update', { type: 'lpr', id: 'car-2', name: "John's Car", plate: '123 ABC', score: 0.95, camera: 'lane_entry', timestamp: t + 3 });
    await waitFor(() => inputs.length >= 2, 'two reads');
    // the broker delivers in order: once the last message's read is here, nothing else is coming
    expect(inputs.map((i) => (i.kind === 'plate' ? `${i.plate} ${i.confidence} ${i.source}` : i.kind))).toEqual([
      'AB12CDE 0.91 frigate:lane_entry', '123ABC 0.95 frigate:lane_entry',
    ]);
    expect(inputs[0]).toMatchObject({ readId: `frigate:${carId}:AB12CDE`, at: new Date(Math.round((t + 1) * 1000)) });
    expect(errors).toEqual([]);
    await reader.dispose();
  });

  it('a message that is not Frigate\'s shape is an input error; one without a plate is nothing', () => {
    const at = new Date('2025-01-01T00:00:00Z');
    expect(parseFrigateMessage('events', 'not json', at)).toBe('not JSON');
    expect(parseFrigateMessage('events', JSON.stringify({ type: 'update', after: tracked('x', 'c', 'car', 1) }), at)).toBeNull();
    expect(parseFrigateMessage('tracked_object_update', JSON.stringify({ type: 'lpr', id: 'x', plate: 'AB1', camera: 'c' }), at)).toMatch(/without a score/);
    expect(parseFrigateMessage('tracked_object_update', JSON.stringify({ type: 'lpr', id: 'x', plate: '', score: 0.9, camera: 'c' }), at)).toBeNull();
  });
});
