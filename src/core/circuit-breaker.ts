// A circuit breaker for optional dependencies (Redis today; any driver may use it).
//
// Why: a dead or paused service costs every caller a full timeout. After a few consecutive
// failures the breaker answers "don't even ask" at once for a while, then lets exactly one
// probe through to see whether the service is back. Pure and clock-injected: no timers, the
// open -> half-open step happens lazily when someone asks, so tests drive it with a fake clock.

import { systemClock, type Clock } from './ports.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** consecutive failures (errors or timeouts) that open the breaker; default 3 */
  failureThreshold?: number;
  /** ms the breaker stays open before it admits one probe; default 5000 */
  openForMs?: number;
  /** called on every state change, e.g. to log it */
  onTransition?: (from: BreakerState, to: BreakerState) => void;
}

/**
 * Leave to make one call. Results are reported with the permit: a result from a permit issued
 * before the last state change (a slow call finishing after the breaker opened) is ignored,
 * so only the probe decides whether a half-open breaker closes.
 */
export interface BreakerPermit {
  readonly probe: boolean;
  /** the breaker's epoch when the permit was issued */
  readonly epoch: number;
}

export const defaultBreakerOptions = { failureThreshold: 3, openForMs: 5_000 } as const;

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  /** bumped on every state change; permits from older epochs are stale */
  private epoch = 0;
  private consecutiveFailures = 0;
  /** ms since epoch when the breaker last opened (or a probe was issued) */
  private openedAtMs = 0;
  private probeIssuedAtMs: number | null = null;
  private readonly failureThreshold: number;
  private readonly openForMs: number;
  private readonly onTransition: CircuitBreakerOptions['onTransition'];

  constructor(
    opts: CircuitBreakerOptions = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.failureThreshold = Math.max(1, Math.floor(opts.failureThreshold ?? defaultBreakerOptions.failureThreshold));
    this.openForMs = Math.max(0, opts.openForMs ?? defaultBreakerOptions.openForMs);
    this.onTransition = opts.onTransition;
  }

  /** The state as of now (an open breaker whose wait is over reports half-open). */
  state(): BreakerState {
    if (this.current === 'open' && this.waitIsOver()) this.transition('half-open');
    return this.current;
  }

  /**
   * May a call go out now? Closed: yes. Open: no. Half-open: one probe at a time; a probe
   * that never reports back (a caller bug) is replaced after another `openForMs`.
   */
  tryAcquire(): BreakerPermit | null {
    const state = this.state();
    if (state === 'closed') return { probe: false, epoch: this.epoch };
    if (state === 'open') return null;
    const nowMs = this.nowMs();
    if (this.probeIssuedAtMs !== null && nowMs - this.probeIssuedAtMs < this.openForMs) return null;
    this.probeIssuedAtMs = nowMs;
    return { probe: true, epoch: this.epoch };
  }

  recordSuccess(permit: BreakerPermit): void {
    if (permit.epoch !== this.epoch) return;
    this.consecutiveFailures = 0;
    if (this.current === 'half-open' && permit.probe) this.transition('closed');
  }

  recordFailure(permit: BreakerPermit): void {
    if (permit.epoch !== this.epoch) return;
    if (this.current === 'half-open') {
      if (permit.probe) this.open();
      return;
    }
    if (this.current !== 'closed') return;
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures >= this.failureThreshold) this.open();
  }

  private open(): void {
    this.openedAtMs = this.nowMs();
    this.transition('open');
  }

  private waitIsOver(): boolean {
    return this.nowMs() - this.openedAtMs >= this.openForMs;
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.epoch += 1;
    this.probeIssuedAtMs = null;
    if (to === 'closed') this.consecutiveFailures = 0;
    this.onTransition?.(from, to);
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }
}
