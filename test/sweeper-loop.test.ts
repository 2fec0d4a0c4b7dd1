// `sweeper run --every`: runs until asked to stop, and stops between runs, never inside one.
import { describe, expect, it } from 'vitest';
import { parseIntervalMs, repeatEvery } from '../src/core/sweepers/loop.js';

describe('repeatEvery', () => {
  it('runs again after each interval until the signal aborts', async () => {
    const controller = new AbortController();
    let runs = 0;
    const done = await repeatEvery({
      everyMs: 5,
      signal: controller.signal,
      run: async () => {
        runs++;
        if (runs === 3) controller.abort();
      },
    });
    expect(done).toBe(3);
    expect(runs).toBe(3);
  });

  it('lets a run in progress finish when the stop arrives mid-run, then stops', async () => {
    const controller = new AbortController();
    const finished: number[] = [];
    const done = await repeatEvery({
      everyMs: 60_000,
      signal: controller.signal,
      run: async () => {
        controller.abort(); // SIGTERM while the sweep is running
        await new Promise((resolve) => setTimeout(resolve, 10));
        finished.push(1);
      },
    });
    expect(done).toBe(1);
    expect(finished).toEqual([1]);
  });

  it('ends the wait at once when stopped between runs', async () => {
    const controller = new AbortController();
    const looping = repeatEvery({ everyMs: 3_600_000, signal: controller.signal, run: async () => {} });
    setTimeout(() => controller.abort(), 10);
    await expect(looping).resolves.toBe(1);
  });

  it('stops when a run throws, with that error', async () => {
    const controller = new AbortController();
    await expect(repeatEvery({ everyMs: 5, signal: controller.signal, run: async () => { throw new Error('bug'); } })).rejects.toThrow('bug');
  });
});

describe('parseIntervalMs', () => {
  it('reads the units cron people type', () => {
    expect(parseIntervalMs('60s')).toBe(60_000);
    expect(parseIntervalMs('15m')).toBe(900_000);
    expect(parseIntervalMs('1h')).toBe(3_600_000);
    expect(parseIntervalMs('500ms')).toBe(500);
    expect(parseIntervalMs('90')).toBeNull(); // a unit is required (issue 13)
    expect(parseIntervalMs('99999999999999999999h')).toBeNull();
    expect(parseIntervalMs('often')).toBeNull();
    expect(parseIntervalMs('-5s')).toBeNull();
    expect(parseIntervalMs('1.5m')).toBeNull();
  });
});
