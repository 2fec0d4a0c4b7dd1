// Spot sensors end to end: uplinks shaped as The Things Stack v3 and ChirpStack v4 document them, published on
// Mosquitto (PARKCTL_TEST_MQTT_URL), ingested into real PostgreSQL; the heartbeat fault; and seed 003's
// reconciliation rules, each with a test (unknown car, a car in someone else's booked spot -> the booking moved,
// a checked-in booking whose spot stays empty -> "parked elsewhere?").
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLot } from '../src/core/lots/import-lot.js';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { silentLogger } from '../src/core/ports.js';
import { SensorListener } from '../src/core/sensors/listener.js';
import { arrive } from '../src/core/visits.js';
import { MqttSensorFeed } from '../src/drivers/sensors/mqtt-sensors.js';
import type { MqttLink } from '../src/drivers/mqtt/mqtt-link.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { insertConfirmed, waitFor } from './support/gate-daemon-helpers.js';
import { testLotFile } from './support/lots.js';
import { TestBroker } from './support/mqtt-broker.js';

interface TtsUp { end_device_ids: { dev_eui: string; device_id: string }; received_at: string; uplink_message: { received_at: string; decoded_payload: unknown } }
interface ChirpUp { deviceInfo: { devEui: string }; time: string; object: unknown }
const ttsUplink = JSON.parse(readFileSync(new URL('../fixtures/sensors/tts-uplink.json', import.meta.url), 'utf8')) as TtsUp;
const chirpUplink = JSON.parse(readFileSync(new URL('../fixtures/sensors/chirpstack-uplink.json', import.meta.url), 'utf8')) as ChirpUp;

let db: TestDatabase;
let lot: Lot;
let nowMs = Date.parse('2031-06-03T09:00:00Z');
const clock = { now: () => new Date(nowMs) };
const spotIds = new Map<string, number>();

function ttsUp(devEui: string, deviceId: string, payload: Record<string, unknown>, at: Date): string {
  const u = structuredClone(ttsUplink);
  u.end_device_ids.dev_eui = devEui;
  u.end_device_ids.device_id = deviceId;
  u.received_at = at.toISOString();
  u.uplink_message.received_at = at.toISOString();
  u.uplink_message.decoded_payload = payload;
  return JSON.stringify(u);
}

function chirpUp(devEui: string, object: Record<string, unknown>, at: Date): string {
  const u = structuredClone(chirpUplink);
  u.deviceInfo.devEui = devEui.toLowerCase();
  u.time = at.toISOString();
  u.object = object;
  return JSON.stringify(u);
}

async function sensed(label: string) {
  const { rows } = await db.pool.query<{ state: string; unconfirmed: string | null; confidence: number | null; battery_pct: number | null; fault: string | null }>(
    `select x.state, x.unconfirmed, x.confidence, x.battery_pct, x.fault from spot_sensed x join spots s using (lot_id, spot_id) where s.lot_id = $1 and s.label = $2`,
    [lot.lotId, label]);
  return rows[0];
}

async function events(kind: string) {
  const { rows } = await db.pool.query<{ reason: string | null; reservation_id: string | null; detail: Record<string, unknown> }>(
    `select reason, reservation_id::text, detail from events where lot_id = $1 and kind = $2 order by event_id`, [lot.lotId, kind]);
  return rows;
}

async function load(): Promise<SensorListener> {
  return SensorListener.load({ pool: db.pool, lotId: lot.lotId, lotCode: lot.code, clock, logger: silentLogger, actor: 'sensors:test', genericPrefix: 'parkctl/SENS/sensors' });
}

beforeAll(async () => {
  db = await createTestDatabase();
  const base = testLotFile({ code: 'SENS', spots: 12 });
  const def = parseLotFile({
    ...base,
    sensors: {
      heartbeat_seconds: 600,
      parked_elsewhere_minutes: 10,
      vendors: {
        acme: { occupied: { field: 'status', occupied: ['occupied'], free: ['free'] }, confidence: { field: 'conf', scale: 100 }, battery: { field: 'battery_pct' } },
        lorabay: { occupied: { field: 'parking.occupied' }, confidence: { field: 'confidence' } },
      },
      bind: [
        { spot: 'A-001', sensor: '70B3D57ED005B89A', vendor: 'acme' },
        { spot: 'A-002', sensor: '0101010101010101', vendor: 'lorabay' },
        ...['003', '004', '005', '006', '007', '008'].map((n) => ({ spot: `A-${n}`, sensor: `s-${n}` })),
      ],
    },
  }, 'test lot');
  await importLot(db.pool, def, 'test');
  lot = await loadLot(db.pool, 'SENS');
  const { rows } = await db.pool.query<{ label: string; spot_id: number }>(`select label, spot_id from spots where lot_id = $1`, [lot.lotId]);
  for (const r of rows) spotIds.set(r.label, r.spot_id);
});

afterAll(async () => {
  await db?.drop();
});

describe('ingest over MQTT (Mosquitto)', () => {
  let broker: TestBroker;
  let publisher: MqttClient;

  beforeAll(async () => {
    broker = await new TestBroker().open();
    publisher = await broker.connect();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('reads The Things Stack and ChirpStack uplinks through each vendor mapping into the spot\'s sensed state', async () => {
    const listener = await load();
    const link = (await broker.connect()) as unknown as MqttLink;
    const feed = await new MqttSensorFeed(link, listener, { genericPrefix: 'parkctl/SENS/sensors', flushMs: 20, logger: silentLogger }).start();
    try {
      const at = new Date(nowMs - 1000);
      await publisher.publishAsync('v3/city-garage-bays@ttn/devices/bay-a-001/up', ttsUp('70B3D57ED005B89A', 'bay-a-001', { status: 'occupied', conf: 97, battery_pct: 81 }, at));
      await publisher.publishAsync('application/17c82e96-be03-4f38-aef3-f83d48582d97/device/0101010101010101/event/up', chirpUp('0101010101010101', { parking: { occupied: 0 }, confidence: 0.95 }, at));
      await publisher.publishAsync('parkctl/SENS/sensors/s-003', JSON.stringify({ sensor: 's-003', occupied: false, confidence: 0.99, battery: 64 }));
      await waitFor(async () => (await sensed('A-001'))?.state === 'occupied' && (await sensed('A-002'))?.state === 'free' && (await sensed('A-003'))?.state === 'free', 'three spots sensed');
      expect(await sensed('A-001')).toMatchObject({ confidence: expect.closeTo(0.97, 3), battery_pct: 81, fault: null });
      // a sensor nobody bound is refused, never guessed onto a spot
      await publisher.publishAsync('v3/other@ttn/devices/stray/up', ttsUp('AAAAAAAAAAAAAAAA', 'stray', { status: 'occupied' }, at));
      await waitFor(() => listener.stats.unknownSensors === 1, 'the stray uplink read and refused');
      // nobody holds it, so the car is unknown (the alert comes from the reconciliation the flush
      // queues, after the sensed state is written: waited for, as the state is)
      await waitFor(async () => (await events('alert.unknown_car')).some((e) => e.reason === 'unknown car in A-001'), 'the unknown-car alert');
    } finally {
      await feed.stop();
    }
  });
});

describe('reconciliation (seed 003)', () => {
  it('a car sensed in a spot booked by someone else: alert, and the booking moved to a free spot before it starts', async () => {
    const listener = await load();
    const start = new Date(nowMs + 30 * 60_000);
    const id = await insertConfirmed(db.pool, lot.lotId, spotIds.get('A-004')!, 'BOOK4', start, new Date(start.getTime() + 2 * 3_600_000));
    listener.handle('parkctl/SENS/sensors/s-004', JSON.stringify({ sensor: 's-004', occupied: true }));
    await listener.flush();
    const taken = await events('alert.spot_taken');
    expect(taken.map((e) => e.reservation_id)).toContain(id);
    const { rows } = await db.pool.query<{ label: string }>(
      `select s.label from reservations r join spots s on s.lot_id = r.lot_id and s.spot_id = r.spot_id where r.reservation_id = $1`, [id]);
    expect(rows[0]!.label).not.toBe('A-004');
    expect((await events('reservation.moved')).map((e) => e.reservation_id)).toContain(id);
    // no unknown-car alert for it: the car is in someone's booked spot, which is its own alert
    expect((await events('alert.unknown_car')).map((e) => e.reason)).not.toContain('unknown car in A-004');
    // the exclusion constraint still holds: no two live bookings overlap on one spot
    const { rows: overlaps } = await db.pool.query<{ n: number }>(
      `select count(*)::integer as n from reservations a join reservations b on a.lot_id = b.lot_id and a.spot_id = b.spot_id and a.reservation_id < b.reservation_id
        where a.lot_id = $1 and a.spot_period && b.spot_period and a.status in ('TENTATIVE','CONFIRMED','CHECKED_IN') and b.status in ('TENTATIVE','CONFIRMED','CHECKED_IN')`, [lot.lotId]);
    expect(overlaps[0]!.n).toBe(0);
  });

  it('a checked-in car in its own spot is expected: no alert', async () => {
    const listener = await load();
    const id = await insertConfirmed(db.pool, lot.lotId, spotIds.get('A-005')!, 'BOOK5', new Date(nowMs - 10 * 60_000), new Date(nowMs + 3_600_000));
    await arrive({ pool: db.pool, clock, actor: 'test' }, lot, { reservationId: id, gate: 'entry-1' });
    const before = (await events('alert.unknown_car')).length + (await events('alert.spot_taken')).length;
    listener.handle('parkctl/SENS/sensors/s-005', JSON.stringify({ sensor: 's-005', occupied: true }));
    await listener.flush();
    expect((await events('alert.unknown_car')).length + (await events('alert.spot_taken')).length).toBe(before);
    expect((await events('sensor.occupied')).some((e) => e.detail.spot_label === 'A-005')).toBe(true);
  });

  it('a checked-in booking whose spot stays empty past N minutes: "parked elsewhere?", once', async () => {
    const listener = await load();
    const id = await insertConfirmed(db.pool, lot.lotId, spotIds.get('A-006')!, 'BOOK6', new Date(nowMs - 5 * 60_000), new Date(nowMs + 3_600_000));
    await arrive({ pool: db.pool, clock, actor: 'test' }, lot, { reservationId: id, gate: 'entry-1' });
    listener.handle('parkctl/SENS/sensors/s-006', JSON.stringify({ sensor: 's-006', occupied: false }));
    await listener.flush();
    expect((await listener.reconcile()).parkedElsewhere).toBe(0); // not yet N minutes
    nowMs += 11 * 60_000;
    expect((await listener.reconcile()).parkedElsewhere).toBe(1);
    expect((await listener.reconcile()).parkedElsewhere).toBe(0);
    const alerts = await events('alert.parked_elsewhere');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ reservation_id: id });
    expect(alerts[0]!.reason).toMatch(/^parked elsewhere\? BOOK6 came in 11 min ago, A-006 is empty$/);
  });

  it('a sensor silent past its heartbeat is a fault: alerted, the spot unknown (not free) until it speaks again', async () => {
    const listener = await load();
    listener.handle('parkctl/SENS/sensors/s-007', JSON.stringify({ sensor: 's-007', occupied: false }));
    await listener.flush();
    expect((await sensed('A-007'))?.state).toBe('free');
    nowMs += 601_000;
    listener.handle('parkctl/SENS/sensors/s-008', JSON.stringify({ sensor: 's-008', occupied: false }));
    expect(listener.checkHeartbeats()).toBeGreaterThan(0);
    await listener.flush();
    expect(await sensed('A-007')).toMatchObject({ state: 'unknown', fault: expect.stringMatching(/silent for 601 s/) });
    expect(await sensed('A-008')).toMatchObject({ state: 'free', fault: null });
    expect((await events('sensor.fault')).some((e) => e.detail.spot_label === 'A-007')).toBe(true);
    listener.handle('parkctl/SENS/sensors/s-007', JSON.stringify({ sensor: 's-007', occupied: false }));
    await listener.flush();
    expect(await sensed('A-007')).toMatchObject({ state: 'free', fault: null });
    expect((await events('sensor.recovered')).some((e) => e.detail.spot_label === 'A-007')).toBe(true);
  });

  it('a booking in the way with nowhere to go: alerted once (alert.no_spot says why), however often the check runs', async () => {
    const def = parseLotFile({ ...testLotFile({ code: 'SENS1', spots: 1 }), sensors: { bind: [{ spot: 'A-001', sensor: 'one-1' }] } }, 'one-spot lot');
    await importLot(db.pool, def, 'test');
    const one = await loadLot(db.pool, 'SENS1');
    const { rows } = await db.pool.query<{ spot_id: number }>(`select spot_id from spots where lot_id = $1 and label = 'A-001'`, [one.lotId]);
    const id = await insertConfirmed(db.pool, one.lotId, rows[0]!.spot_id, 'STUCK1', new Date(nowMs + 20 * 60_000), new Date(nowMs + 80 * 60_000));
    const listener = await SensorListener.load({ pool: db.pool, lotId: one.lotId, lotCode: 'SENS1', clock, logger: silentLogger, actor: 'sensors:test', genericPrefix: 'p' });
    listener.handle('p/one-1', JSON.stringify({ sensor: 'one-1', occupied: true }));
    await listener.flush();
    await listener.reconcile();
    await listener.reconcile();
    const kinds = async (kind: string) => (await db.pool.query(`select 1 from events where lot_id = $1 and kind = $2 and reservation_id = $3`, [one.lotId, kind, id])).rows.length;
    expect(await kinds('alert.spot_taken')).toBe(1);
    expect(await kinds('alert.no_spot')).toBe(1);
    expect(await kinds('reservation.moved')).toBe(0);
  });
});

