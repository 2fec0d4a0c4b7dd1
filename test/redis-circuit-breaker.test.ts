import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from '../src/core/circuit-breaker.js';

/** A clock the test moves by hand. */
function fakeClock(startMs = 1_700_000_000_000) {
  let nowMs = startMs;
  return { now: () => new Date(nowMs), advance: (ms: number) => void (nowMs += ms) };
}

function failTimes(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) {
    const permit = breaker.tryAcquire();
    if (!permit) throw new Error(`no permit on failure ${i + 1}`);
    breaker.recordFailure(permit);
  }
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and opens at it', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, openForMs: 5_000 }, fakeClock());
    failTimes(breaker, 2);
    expect(breaker.state()).toBe('closed');
    failTimes(breaker, 1);
    expect(breaker.state()).toBe('open');
    expect(breaker.tryAcquire()).toBeNull();
  });

  it('counts only consecutive failures: a success resets the count', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3 }, fakeClock());
    failTimes(breaker, 2);
    const permit = breaker.tryAcquire();
    breaker.recordSuccess(permit!);
    failTimes(breaker, 2);
    expect(breaker.state()).toBe('closed');
  });

  it('turns half-open after openForMs and admits exactly one probe', () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, openForMs: 5_000 }, clock);
    failTimes(breaker, 1);
    clock.advance(4_999);
    expect(breaker.tryAcquire()).toBeNull();
    clock.advance(1);
    expect(breaker.state()).toBe('half-open');
    const probe = breaker.tryAcquire();
    expect(probe?.probe).toBe(true);
    expect(breaker.tryAcquire()).toBeNull();
  });

  it('closes when the probe succeeds', () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, openForMs: 5_000 }, clock);
    failTimes(breaker, 1);
    clock.advance(5_000);
    breaker.recordSuccess(breaker.tryAcquire()!);
    expect(breaker.state()).toBe('closed');
    expect(breaker.tryAcquire()).not.toBeNull();
  });

  it('re-opens for a full period when the probe fails', () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, openForMs: 5_000 }, clock);
    failTimes(breaker, 1);
    clock.advance(5_000);
    breaker.recordFailure(breaker.tryAcquire()!);
    expect(breaker.state()).toBe('open');
    clock.advance(4_999);
    expect(breaker.tryAcquire()).toBeNull();
    clock.advance(1);
    expect(breaker.tryAcquire()?.probe).toBe(true);
  });

  it('ignores late results from permits issued before the last state change', () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, openForMs: 5_000 }, clock);
    const slowCall = breaker.tryAcquire()!;
    failTimes(breaker, 1);
    clock.advance(5_000);
    const probe = breaker.tryAcquire()!;
    breaker.recordSuccess(slowCall);
    expect(breaker.state()).toBe('half-open');
    breaker.recordFailure(slowCall);
    expect(breaker.state()).toBe('half-open');
    breaker.recordSuccess(probe);
    expect(breaker.state()).toBe('closed');
  });

  it('replaces a probe that never reports back after another openForMs', () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, openForMs: 1_000 }, clock);
    failTimes(breaker, 1);
    clock.advance(1_000);
    expect(breaker.tryAcquire()?.probe).toBe(true);
    clock.advance(999);
    expect(breaker.tryAcquire()).toBeNull();
    clock.advance(1);
    expect(breaker.tryAcquire()?.probe).toBe(true);
  });

  it('reports every transition once', () => {
    const clock = fakeClock();
    const seen: Array<[BreakerState, BreakerState]> = [];
    const breaker = new CircuitBreaker(
      { failureThreshold: 2, openForMs: 100, onTransition: (from, to) => seen.push([from, to]) },
      clock,
    );
    failTimes(breaker, 2);
    clock.advance(100);
    breaker.recordSuccess(breaker.tryAcquire()!);
    expect(seen).toEqual([
      ['closed', 'open'],
      ['open', 'half-open'],
      ['half-open', 'closed'],
    ]);
  });

  it('defaults to 3 failures and 5 s', () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({}, clock);
    failTimes(breaker, 3);
    expect(breaker.state()).toBe('open');
    clock.advance(4_999);
    expect(breaker.state()).toBe('open');
    clock.advance(1);
    expect(breaker.state()).toBe('half-open');
  });
});
