// Issue 13: times as people type them, in the lot's zone, DST days included.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTime } from '../src/core/time-input.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { runCli } from './support/cli.js';

const zone = 'Europe/London';
const iso = (d: Date) => d.toISOString();
const at = (now: string, base?: string) => ({ now: new Date(now), ...(base ? { base: new Date(base), baseName: '--from' } : {}) });

describe('parseTime', () => {
  const now = '2026-12-01T07:20:00Z'; // 07:20 in London (GMT)

  it('reads "now", a wall time today, tomorrow, a date with a space, and ISO 8601 as before', () => {
    expect(iso(parseTime('now', zone, '--from', at(now)))).toBe('2026-12-01T07:20:00.000Z');
    expect(iso(parseTime('08:00', zone, '--from', at(now)))).toBe('2026-12-01T08:00:00.000Z');
    expect(iso(parseTime('8:05', zone, '--from', at(now)))).toBe('2026-12-01T08:05:00.000Z');
    expect(iso(parseTime('tomorrow 08:00', zone, '--from', at(now)))).toBe('2026-12-02T08:00:00.000Z');
    expect(iso(parseTime('Tomorrow  08:00', zone, '--from', at(now)))).toBe('2026-12-02T08:00:00.000Z');
    expect(iso(parseTime('2026-12-05 08:00', zone, '--from', at(now)))).toBe('2026-12-05T08:00:00.000Z');
    expect(iso(parseTime('2026-12-05T08:00', zone, '--from', at(now)))).toBe('2026-12-05T08:00:00.000Z');
    expect(iso(parseTime('2026-12-05T08:00:00Z', 'America/New_York', '--from', at(now)))).toBe('2026-12-05T08:00:00.000Z');
  });

  it('reads +2h from now, and from --from when given a base', () => {
    expect(iso(parseTime('+2h', zone, '--from', at(now)))).toBe('2026-12-01T09:20:00.000Z');
    expect(iso(parseTime('+1h30m', zone, '--to', at(now, '2026-12-02T08:00:00Z')))).toBe('2026-12-02T09:30:00.000Z');
    expect(iso(parseTime('+90min', zone, '--to', at(now, '2026-12-02T08:00:00Z')))).toBe('2026-12-02T09:30:00.000Z');
    expect(iso(parseTime('+1d', zone, '--to', at(now)))).toBe('2026-12-02T07:20:00.000Z');
  });

  it('uses the lot\'s zone, not the machine\'s: 08:00 in New York is 13:00Z in December', () => {
    expect(iso(parseTime('08:00', 'America/New_York', '--from', at(now)))).toBe('2026-12-01T13:00:00.000Z');
    // just after midnight UTC it is still the evening before in New York: "tomorrow" is the 1st there
    expect(iso(parseTime('tomorrow 08:00', 'America/New_York', '--from', at('2026-12-01T02:00:00Z')))).toBe('2026-12-01T13:00:00.000Z');
  });

  it('on the spring-forward day, 01:30 does not exist and is refused; 03:00 is BST', () => {
    const sunday = '2027-03-28T00:10:00Z';
    expect(() => parseTime('01:30', zone, '--from', at(sunday))).toThrow(/does not exist in Europe\/London/);
    expect(() => parseTime('2027-03-28 01:30', zone, '--from', at(sunday))).toThrow(/does not exist/);
    expect(iso(parseTime('03:00', zone, '--from', at(sunday)))).toBe('2027-03-28T02:00:00.000Z');
    // +2h across the change is two real hours, not two on the wall clock
    expect(iso(parseTime('+2h', zone, '--to', at(sunday, '2027-03-28T00:30:00Z')))).toBe('2027-03-28T02:30:00.000Z');
  });

  it('on the fall-back day, tomorrow 08:00 is GMT again', () => {
    expect(iso(parseTime('tomorrow 08:00', zone, '--from', at('2026-10-24T12:00:00Z')))).toBe('2026-10-25T08:00:00.000Z');
    expect(iso(parseTime('08:00', zone, '--from', at('2026-10-24T12:00:00Z')))).toBe('2026-10-24T07:00:00.000Z');
  });

  it('refuses what it cannot read, with the forms it can', () => {
    for (const bad of ['tomorrow 9am', '25:00', '08:60', '+2', '+h', '2h', 'next week', '+99999d9999h', '']) {
      expect(() => parseTime(bad, zone, '--from', at(now)), bad).toThrow(/--from ".*" (is not a date and time|is too far)/);
    }
    try {
      parseTime('soon', zone, '--from', at(now));
    } catch (err) {
      expect((err as { hint: string }).hint).toMatch(/tomorrow 08:00, \+2h, now/);
    }
  });
});

describe('booking reserve and capacity check read them', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    expect((await runCli(['lot', 'import', join(import.meta.dirname, '../fixtures/surface-lot.yaml')], { DATABASE_URL: db.url })).code).toBe(0);
  });
  afterAll(async () => { await db.drop(); });

  it('--from "tomorrow 08:00" --to +2h books 08:00-10:00 lot time', async () => {
    const env = { DATABASE_URL: db.url };
    const r = await runCli(['--json', '--now', '2026-12-01T07:20:00Z', 'booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', 'tomorrow 08:00', '--to', '+2h', '--plate', 'TM1'], env);
    expect(r.code, r.stderr).toBe(0);
    const { rows } = await db.pool.query('select lower(period) s, upper(period) e from reservations where plate = $1', ['TM1']);
    expect([rows[0].s.toISOString(), rows[0].e.toISOString()]).toEqual(['2026-12-02T08:00:00.000Z', '2026-12-02T10:00:00.000Z']);
    const c = await runCli(['--now', '2026-12-01T07:20:00Z', 'capacity', 'check', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', 'now', '--to', '+1h'], env);
    expect(c.code, c.stderr).toBe(0);
  });
});
