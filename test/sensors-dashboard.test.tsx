// Spot sensors on the dashboard (issue 16), over real PostgreSQL: the alerts panel lists a sensor fault and an
// unknown car, the live feed is not drowned by sensed comings and goings, and the floor view marks the car
// sensed in a free spot (◘) and the sensor at fault (!), and says so under the cursor.
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDashboardActions } from '../src/core/dashboard/actions.js';
import { DashboardSnapshotReader } from '../src/core/dashboard/snapshot.js';
import { importLot } from '../src/core/lots/import-lot.js';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { fixedClock, silentLogger } from '../src/core/ports.js';
import { SensorListener } from '../src/core/sensors/listener.js';
import { Dashboard } from '../src/tui/Dashboard.js';
import type { DashboardSnapshot } from '../src/tui/dashboard-model.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { eventually, settle } from './support/ink.js';

const now = new Date('2031-03-03T10:00:00Z');
let nowMs = now.getTime() - 20 * 60_000;
const clock = { now: () => new Date(nowMs) };
let db: TestDatabase;
let lot: Lot;
let snapshot: DashboardSnapshot;

beforeAll(async () => {
  db = await createTestDatabase();
  const def = parseLotFile({
    code: 'SDASH', name: 'Sensed', time_zone: 'Europe/London', currency: 'GBP',
    zones: [{ code: 'G-A', name: 'Ground, zone A', floor: 0, spots: [{ labels: 'A-01..A-08', type: 'regular' }] }],
    sensors: { heartbeat_seconds: 600, bind: [{ spot: 'A-01', sensor: 's-1' }, { spot: 'A-02', sensor: 's-2' }, { spot: 'A-03', sensor: 's-3' }] },
    pricing: { rates: [{ rate_per_hour_minor: 200 }] },
  }, 'test lot');
  await importLot(db.pool, def, 'test');
  lot = await loadLot(db.pool, def.code);
  const listener = await SensorListener.load({ pool: db.pool, lotId: lot.lotId, lotCode: lot.code, clock, logger: silentLogger, actor: 'sensors:SDASH', genericPrefix: 'p' });
  listener.handle('p/s-2', JSON.stringify({ sensor: 's-2', occupied: false }));
  listener.handle('p/s-3', JSON.stringify({ sensor: 's-3', occupied: false }));
  await listener.flush();
  nowMs = now.getTime();
  listener.handle('p/s-1', JSON.stringify({ sensor: 's-1', occupied: true }));
  listener.handle('p/s-3', JSON.stringify({ sensor: 's-3', occupied: false }));
  listener.checkHeartbeats(); // s-2 silent for 20 min: a fault
  await listener.flush();
  snapshot = await new DashboardSnapshotReader(db.pool, lot).read(now);
});

afterAll(async () => {
  await db?.drop();
});

describe('sensors on the dashboard', () => {
  it('alerts: the sensor at fault and the unknown car; the feed leaves out sensed comings and goings', () => {
    const texts = snapshot.alerts.filter((a) => a.kind === 'sensor').map((a) => a.text);
    expect(texts).toContain('unknown car in A-01');
    expect(texts.some((t) => /^A-02 sensor s-2 silent for 1200 s: shown as unknown$/.test(t))).toBe(true);
    expect(snapshot.counts?.alerts ?? 0).toBeGreaterThanOrEqual(2);
    expect(snapshot.feed.some((f) => f.kind === 'sensor.occupied' || f.kind === 'sensor.free')).toBe(false);
    expect(snapshot.feed.some((f) => f.kind === 'sensor.fault')).toBe(true);
  });

  it('the floor view marks a car sensed in a free spot and a sensor at fault', async () => {
    const actions = createDashboardActions({ pool: db.pool, clock: fixedClock(now), actor: 'dashboard:ann' }, lot);
    const view = render(<Dashboard snapshot={snapshot} connection="live" actions={actions} onQuit={vi.fn()} color={false} size={{ columns: 120, rows: 24 }} tickMs={3_600_000} />);
    await settle(view.frames);
    view.stdin.write('f');
    await settle(view.frames);
    const frame = () => view.lastFrame() ?? '';
    await eventually(() => expect(frame()).toContain('G-A Ground, zone A: free 8  held 0  booked 0  occupied 0  out 0  of 8  sensed occupied 1  faults 1'));
    expect(frame()).toMatch(/^A-01 ›◘ ! ░ ░ ░ ░ ░ ░$/m);
    expect(frame()).toMatch(/^A-01 regular free; sensed occupied$/m);
    expect(frame()).toMatch(/◘ car sensed {2}! sensor fault/);
    view.stdin.write('\u001B[C');
    await settle(view.frames);
    expect(frame()).toMatch(/^A-02 regular free; sensor fault: silent for 1200 s$/m);
    view.unmount();
  });
});
