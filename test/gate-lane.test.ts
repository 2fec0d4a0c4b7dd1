import { describe, expect, it } from 'vitest';
import { RecentKeys } from '../src/core/gate/dedupe.js';
import { TypedEmitter } from '../src/core/gate/emitter.js';
import { LanePresence } from '../src/core/gate/lane.js';
import type { GateInput } from '../src/core/gate/ports.js';
import { MockBarrier } from '../src/core/gate/test-doubles.js';

const t = (s: number) => new Date(Date.UTC(2025, 5, 2, 9, 0, s));
const read = (plate: string, s: number): GateInput => ({ kind: 'plate', plate, confidence: 0.9, source: 'cam', readId: `${plate}@${s}`, at: t(s) });
const loop = (on: boolean, s: number): GateInput => ({ kind: 'loop', loop: 'arming', on, source: 'lane', at: t(s) });

describe('LanePresence (the arming-loop rule)', () => {
  it('holds a read taken before the car reaches the loop and presents it when the loop comes on', () => {
    const lane = new LanePresence({ holdMs: 10_000 });
    expect(lane.observe(read('AB12CD', 0), t(0))).toBeNull();
    expect(lane.observe(loop(true, 3), t(3))).toMatchObject({ plate: 'AB12CD' });
    expect(lane.armed).toBe(true);
  });

  it('drops a held read older than holdMs', () => {
    const lane = new LanePresence({ holdMs: 10_000 });
    lane.observe(read('AB12CD', 0), t(0));
    expect(lane.observe(loop(true, 11), t(11))).toBeNull();
  });

  it('presents once per vehicle: repeated reads of a waiting car are suppressed until the loop clears', () => {
    const lane = new LanePresence();
    lane.observe(loop(true, 0), t(0));
    expect(lane.observe(read('AB12CD', 1), t(1))).not.toBeNull();
    expect(lane.observe(read('AB12CD', 2), t(2))).toBeNull();
    expect(lane.observe(read('ZZ1', 2), t(2))).not.toBeNull();
    lane.observe(loop(false, 5), t(5));
    lane.observe(loop(true, 6), t(6));
    expect(lane.observe(read('AB12CD', 7), t(7))).not.toBeNull();
  });

  it('forget lets a better read of the same plate through; the safety loop and help button present nothing', () => {
    const lane = new LanePresence();
    lane.observe(loop(true, 0), t(0));
    const first = lane.observe(read('AB12CD', 1), t(1));
    lane.forget(first!);
    expect(lane.observe(read('AB12CD', 2), t(2))).not.toBeNull();
    expect(lane.observe({ kind: 'loop', loop: 'safety', on: true, source: 'lane', at: t(3) }, t(3))).toBeNull();
    expect(lane.observe({ kind: 'button', button: 'help', source: 'lane', at: t(3) }, t(3))).toBeNull();
  });

  it('after a restart, presents a read at once until the presumption ends or the loop reports', () => {
    const fresh = () => new LanePresence({ presumeArmedUntil: t(10) });
    // a car standing on the loop while the daemon restarted: no loop frame will come for it
    expect(fresh().observe(read('AB12CD', 2), t(2))).toMatchObject({ plate: 'AB12CD' });
    // past the presumption, the loop rule again: held until the loop comes on
    expect(fresh().observe(read('AB12CD', 11), t(11))).toBeNull();
    // the loop reported: its state rules from then on, even inside the window
    const reported = fresh();
    reported.observe(loop(false, 1), t(1));
    expect(reported.observe(read('AB12CD', 2), t(2))).toBeNull();
    expect(reported.observe(loop(true, 3), t(3))).toMatchObject({ plate: 'AB12CD' });
    // once presented, repeated reads of the car are suppressed as on a loop
    const standing = fresh();
    standing.observe(read('AB12CD', 2), t(2));
    expect(standing.observe(read('AB12CD', 3), t(3))).toBeNull();
  });
});

describe('RecentKeys', () => {
  it('remembers a bounded number of keys, forgetting the oldest', () => {
    const keys = new RecentKeys(3);
    expect(['a', 'b', 'c', 'a'].map((k) => keys.firstTime(k))).toEqual([true, true, true, false]);
    keys.firstTime('d');
    expect(keys.size).toBe(3);
    expect(keys.firstTime('a')).toBe(true);
  });
});

describe('TypedEmitter', () => {
  it('isolates a throwing listener and reports it as an error event', () => {
    const e = new TypedEmitter<{ state: string; error: Error }>();
    const seen: string[] = [];
    e.on('state', () => {
      throw new Error('listener bug');
    });
    e.on('state', (s) => seen.push(s));
    e.on('error', (err) => seen.push(err.message));
    e.emit('state', 'open');
    expect(seen).toEqual(['listener bug', 'open']);
  });

  it('MockBarrier records opens and emits state', async () => {
    const b = new MockBarrier();
    const states: string[] = [];
    b.on('state', (s) => states.push(s));
    await b.open(3000);
    b.failNextOpen = new Error('relay dead');
    await expect(b.open()).rejects.toThrow('relay dead');
    expect(b.opens).toEqual([3000]);
    expect(states).toEqual(['open']);
  });
});
