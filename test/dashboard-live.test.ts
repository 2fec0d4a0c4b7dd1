// The live loop over real PostgreSQL: a booking made by another process reaches the screen through
// LISTEN/NOTIFY (the safety refresh is set to an hour, so only the notification can do it), and a
// killed LISTEN connection shows as 'reconnecting' and then recovers by itself.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LiveDashboard } from '../src/core/dashboard/live.js';
import { DashboardSnapshotReader } from '../src/core/dashboard/snapshot.js';
import type { Connection } from '../src/core/dashboard/types.js';
import type { Lot } from '../src/core/lots/lot.js';
import { PgLotChangeFeed } from '../src/drivers/pg-listener.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

const now = new Date('2031-03-03T10:00:00Z');
let db: TestDatabase;
let lot: Lot;
let feed: PgLotChangeFeed;
let live: LiveDashboard;
const seen: Connection[] = [];
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 30_000, interval: 25 }); // a bound against a hang (load 20: seconds per step)
const heldNow = () => live.getState().snapshot?.byType.find((t) => t.key === 'regular')?.held;

beforeAll(async () => {
  db = await createTestDatabase();
  lot = await createTestLot(db.pool, { code: 'LIVE', spots: 5 });
  const reader = new DashboardSnapshotReader(db.pool, lot);
  feed = new PgLotChangeFeed(db.url, { initialBackoffMs: 100, maxBackoffMs: 500 });
  live = new LiveDashboard({ lotId: lot.lotId, read: () => reader.read(now), changes: feed, safetyRefreshMs: 3_600_000 });
  live.subscribe(() => {
    const connection = live.getState().connection;
    if (seen.at(-1) !== connection) seen.push(connection);
  });
  live.start();
});

afterAll(async () => {
  await live?.stop();
  await db?.drop();
});

describe('live dashboard', () => {
  it('rebuilds with new counts when another process books', async () => {
    await eventually(() => expect(live.getState().connection).toBe('live'));
    expect(heldNow()).toBe(0);
    const booked = await runCli(['booking', 'reserve', '--lot', 'LIVE', '--type', 'regular', '--from', now.toISOString(),
      '--to', new Date(now.getTime() + 3_600_000).toISOString(), '--plate', 'NEW1'], { DATABASE_URL: db.url, PARKCTL_NOW: now.toISOString() });
    expect(booked.code).toBe(0);
    await eventually(() => expect(heldNow()).toBe(1));
    expect(live.getState().snapshot?.holds.map((h) => h.plate)).toEqual(['NEW1']);
  });

  it('shows reconnecting when the LISTEN connection is killed, then recovers and re-reads', async () => {
    await eventually(() => expect(feed.backendPid).not.toBeNull());
    seen.length = 0;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ ok: boolean }>(`select pg_terminate_backend($1::integer) as ok`, [feed.backendPid]);
      expect(rows[0]?.ok).toBe(true);
      await eventually(() => expect(seen).toEqual(['reconnecting', 'live']));
      // listening again: a change made now still reaches the screen
      await runCli(['booking', 'reserve', '--lot', 'LIVE', '--type', 'regular', '--from', now.toISOString(),
        '--to', new Date(now.getTime() + 3_600_000).toISOString(), '--plate', 'NEW2'], { DATABASE_URL: db.url, PARKCTL_NOW: now.toISOString() });
      await eventually(() => expect(heldNow()).toBe(2));
    } finally {
      await admin.end();
    }
  });
});
