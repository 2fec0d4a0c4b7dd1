// Guidance (issue 16, seed 001 5.5): the way to the booked spot from the lot file's floors, zones and route
// texts, a walk-in sent to the nearest floor with a free spot of its type, and floor free-count signs driven
// by sensed occupancy where sensors are bound. The gate reads it all as its own role (parkctl_gate).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAllowList, type AllowedReservation, type GatePolicy } from '../src/core/gate/allow-list.js';
import { decide } from '../src/core/gate/decide.js';
import { nearestFreeFloor, walkInWay, wayToSpot } from '../src/core/gate/guidance.js';
import { PgGateStore } from '../src/core/gate-daemon/store.js';
import { importLot } from '../src/core/lots/import-lot.js';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { silentLogger } from '../src/core/ports.js';
import { SensorListener } from '../src/core/sensors/listener.js';
import { selectFloorFree } from '../src/core/sql/sensors.js';
import { MqttSign } from '../src/drivers/mqtt/sign.js';
import { MockMqttLink } from '../src/drivers/mqtt/mqtt-link.js';
import { MqttSensorFeed } from '../src/drivers/sensors/mqtt-sensors.js';
import { createPool } from '../src/drivers/postgres.js';
import { createTestDatabase, gateRoleTestUrl, type TestDatabase } from './support/db.js';
import { insertConfirmed, waitFor } from './support/gate-daemon-helpers.js';

describe('the way (pure)', () => {
  it('Level > zone (its route, else its name without the level) > spot', () => {
    expect(wayToSpot({ label: 'L3-B-042', floor: 3, zoneName: 'Level 3, zone B' })).toBe('Level 3 > zone B > L3-B-042');
    expect(wayToSpot({ label: 'L3-B-042', floor: 3, zoneName: 'Level 3, zone B', route: 'ramp B' })).toBe('Level 3 > ramp B > L3-B-042');
    expect(wayToSpot({ label: 'A-01', floor: 0, zoneName: 'Visitors' })).toBe('Level 0 > Visitors > A-01');
    // it fits the smallest lane display (32 characters) and never cuts the spot label
    expect(wayToSpot({ label: 'L3-B-042', floor: 3, zoneName: 'Level 3, zone B', route: 'ramp B, left' })).toBe('L3 > ramp B, left > L3-B-042');
    const long = wayToSpot({ label: 'L3-B-042', floor: 3, zoneName: 'x', route: 'up the spiral ramp, past the lifts, then second left' });
    expect(long).toBe('L3 > up the spiral r. > L3-B-042');
    expect(long.length).toBeLessThanOrEqual(32);
  });

  it('a walk-in goes to the nearest floor with a free spot of its type; none: no guidance', () => {
    const counts = [
      { floor: 0, vehicleType: 'regular', free: 0 }, { floor: 0, vehicleType: 'ev', free: 4 },
      { floor: 2, vehicleType: 'regular', free: 9 }, { floor: -1, vehicleType: 'regular', free: 3 },
    ];
    expect(nearestFreeFloor(counts, 'regular')).toEqual({ floor: -1, free: 3 });
    expect(walkInWay(counts, 'ev')).toBe('Level 0: 4 free');
    expect(walkInWay(counts, 'large')).toBeNull();
    expect(walkInWay(undefined, 'regular')).toBeNull();
  });

  it('the gate decision carries the way for the lane display; the short sign text stays as it was', () => {
    const t0 = new Date('2031-06-03T09:00:00Z');
    const policy: GatePolicy = { lotCode: 'G', earlyEntryGraceMinutes: 15, walkInsAllowed: true, freeSpots: 10, overstaySlotMinutes: 15, ratePerHourMinor: 200, freeByFloor: [{ floor: 1, vehicleType: 'regular', free: 7 }] };
    const r: AllowedReservation = { reservationId: 'r1', plate: 'AB12CD', start: t0, end: new Date(t0.getTime() + 3_600_000), status: 'CONFIRMED', vehicleType: 'regular', spotLabel: 'L3-B-042', way: 'Level 3 > zone B > L3-B-042' };
    const list = buildAllowList({ policy, syncedAt: t0, reservations: [r], openVisits: [] });
    const booked = decide(list, { kind: 'plate', plate: 'AB12CD', confidence: 0.99, source: 'cam', readId: '1', at: t0 }, { direction: 'entry', now: t0, armed: true });
    expect(booked).toMatchObject({ allow: true, reason: 'RESERVATION', sign: 'WELCOME L3-B-042', guidance: 'Level 3 > zone B > L3-B-042' });
    const walkIn = decide(list, { kind: 'plate', plate: 'ZZ99ZZ', confidence: 0.99, source: 'cam', readId: '2', at: t0 }, { direction: 'entry', now: t0, armed: true });
    expect(walkIn).toMatchObject({ allow: true, reason: 'WALK_IN', sign: 'WELCOME', guidance: 'Level 1: 7 free' });
  });
});

describe('from the database, as the gate reads it', () => {
  let db: TestDatabase;
  let lot: Lot;
  let gatePool: ReturnType<typeof createPool>;
  const now = new Date('2031-06-03T09:00:00Z');
  let clockMs = now.getTime();
  const clock = { now: () => new Date(clockMs) };

  beforeAll(async () => {
    db = await createTestDatabase();
    gatePool = createPool(gateRoleTestUrl(db.url), { max: 2 });
    const def = parseLotFile({
      code: 'GUIDE', name: 'Guided', time_zone: 'Europe/London', currency: 'GBP', policy: { walk_ins: true },
      zones: [
        { code: 'L0-A', name: 'Level 0, zone A', floor: 0, spots: [{ labels: 'L0-A-01..L0-A-02', type: 'regular' }] },
        { code: 'L1-B', name: 'Level 1, zone B', floor: 1, route: 'ramp up, left', spots: [{ labels: 'L1-B-01..L1-B-03', type: 'regular' }] },
      ],
      sensors: { bind: [{ spot: 'L0-A-01', sensor: 's-01' }, { spot: 'L0-A-02', sensor: 's-02' }] },
      pricing: { rates: [{ rate_per_hour_minor: 200 }] },
    }, 'test lot');
    await importLot(db.pool, def, 'test');
    lot = await loadLot(db.pool, 'GUIDE');
    const { rows } = await db.pool.query<{ spot_id: number }>(`select spot_id from spots where lot_id = $1 and label = 'L1-B-02'`, [lot.lotId]);
    await insertConfirmed(db.pool, lot.lotId, rows[0]!.spot_id, 'WAY1', now, new Date(now.getTime() + 3_600_000));
  });

  afterAll(async () => {
    await gatePool?.end();
    await db?.drop();
  });

  it('the allow list carries the way to each booked spot, and free counts per floor from sensed occupancy', async () => {
    const store = new PgGateStore(gatePool, { lotCode: 'GUIDE', gateId: 'entry-1', direction: 'entry' });
    let snap = await store.loadSnapshot(now, 24);
    expect(snap.reservations.find((r) => r.plate === 'WAY1')?.way).toBe('L1 > ramp up, left > L1-B-02');
    // level 0's two spots have sensors that never spoke: unknown, never free; level 1: three spots, one booked now
    const regular = (s: typeof snap) => s.policy.freeByFloor?.filter((f) => f.vehicleType === 'regular').map((f) => [f.floor, f.free]);
    expect(regular(snap)).toEqual([[0, 0], [1, 2]]);
    const listener = await SensorListener.load({ pool: db.pool, lotId: lot.lotId, lotCode: 'GUIDE', clock, logger: silentLogger, actor: 'sensors:GUIDE', genericPrefix: 'p' });
    listener.handle('p/s-01', JSON.stringify({ sensor: 's-01', occupied: false }));
    listener.handle('p/s-02', JSON.stringify({ sensor: 's-02', occupied: true }));
    await listener.flush();
    snap = await store.loadSnapshot(now, 24);
    expect(regular(snap)).toEqual([[0, 1], [1, 2]]);
    const walkIn = decide(buildAllowList(snap), { kind: 'plate', plate: 'NEW1', confidence: 0.99, source: 'cam', readId: '1', at: now }, { direction: 'entry', now, armed: true });
    expect(walkIn.guidance).toBe('Level 0: 1 free');
  });

  it('the listener drives the floor free-count signs (retained) from sensed occupancy', async () => {
    clockMs = now.getTime() + 10_000; // past the debounce window of the change above
    const listener = await SensorListener.load({ pool: db.pool, lotId: lot.lotId, lotCode: 'GUIDE', clock, logger: silentLogger, actor: 'sensors:GUIDE', genericPrefix: 'p' });
    const link = new MockMqttLink();
    const sign = new MqttSign(link, { baseTopic: 'parkctl/GUIDE/sign' });
    const read = async () => {
      const byFloor = new Map<number, number>();
      for (const r of await selectFloorFree(db.pool, lot.lotId, now)) byFloor.set(r.floor, (byFloor.get(r.floor) ?? 0) + r.free);
      return [...byFloor].map(([floor, free]) => ({ floor, free }));
    };
    const feed = await new MqttSensorFeed(link, listener, { genericPrefix: 'p', flushMs: 20, logger: silentLogger, signs: { sign, read } }).start();
    try {
      listener.handle('p/s-02', JSON.stringify({ sensor: 's-02', occupied: false }));
      const floor0 = () => link.published.filter((m) => m.topic === 'parkctl/GUIDE/sign/floor/0').at(-1);
      await waitFor(() => floor0() !== undefined, 'the level 0 sign');
      expect(floor0()).toMatchObject({ retain: true, qos: 1 });
      expect(JSON.parse(floor0()!.payload)).toEqual({ free: 2, full: false, message: null, text: '2 FREE' });
    } finally {
      await feed.stop();
    }
  });
});
