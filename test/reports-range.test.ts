// Issue 17 with issue 13's times: a report's --from/--to take days and times as people type them, in the
// lot's zone, and --explain reads a bucket in its label's own unit.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { parseBucket, parseRange } from '../src/core/reports/range.js';

const zone = 'Europe/London';
const now = new Date('2026-07-15T10:20:00Z'); // 11:20 BST

describe('report ranges', () => {
  it('reads day words as whole local days, --to inclusive', () => {
    expect(parseRange({ from: 'yesterday', to: 'today' }, zone, now, 'day')).toMatchObject({
      from: new Date('2026-07-13T23:00:00Z'), to: new Date('2026-07-15T23:00:00Z'), by: 'day',
    });
    expect(parseRange({ from: '2026-07-01', to: '2026-07-01' }, zone, now, 'day')).toMatchObject({
      from: new Date('2026-06-30T23:00:00Z'), to: new Date('2026-07-01T23:00:00Z'),
    });
  });

  it('reads times as people type them, widened to whole hours; +2h in --to counts from --from', () => {
    expect(parseRange({ from: 'tomorrow 08:00', to: '+2h' }, zone, now, 'hour')).toMatchObject({
      from: new Date('2026-07-16T07:00:00Z'), to: new Date('2026-07-16T09:00:00Z'),
    });
    expect(parseRange({ from: '2026-07-15 08:30', to: 'now' }, zone, now, 'hour')).toMatchObject({
      from: new Date('2026-07-15T07:00:00Z'), to: new Date('2026-07-15T11:00:00Z'),
    });
  });

  it('refuses a backwards range and words it does not know, as usage errors', () => {
    expect(() => parseRange({ from: 'today', to: 'yesterday' }, zone, now, 'day')).toThrow(UsageError);
    expect(() => parseRange({ from: 'someday' }, zone, now, 'day')).toThrow(UsageError);
  });

  it('--explain takes the unit from the label, whatever --by says', () => {
    expect(parseBucket('2026-W28', zone)).toEqual({ from: new Date('2026-07-05T23:00:00Z'), to: new Date('2026-07-12T23:00:00Z') });
    expect(parseBucket('2026-07', zone)).toEqual({ from: new Date('2026-06-30T23:00:00Z'), to: new Date('2026-07-31T23:00:00Z') });
    expect(parseBucket('2026-07-15', zone)).toEqual({ from: new Date('2026-07-14T23:00:00Z'), to: new Date('2026-07-15T23:00:00Z') });
    expect(parseBucket('2026-07-15 08:40', zone)).toEqual({ from: new Date('2026-07-15T07:00:00Z'), to: new Date('2026-07-15T08:00:00Z') });
  });
});
