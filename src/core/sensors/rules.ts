// Seed 001's rules for one spot's sensor, as a pure state machine (no clock, no I/O: times are inputs):
//  * debounce: a toggle within 3 s of the last accepted change is ignored (a car driving over the sensor);
//    the sensor's next report settles the state;
//  * confidence: a reading below 0.85 that would change the state is unconfirmed until a second reading
//    agrees with it (any confidence); a disagreeing reading drops it;
//  * heartbeat: a sensor silent past its interval is a fault: the spot shows as unknown, never as free,
//    until the sensor speaks again.
import { confirmThreshold, debounceMs } from './config.js';
import type { Reading } from './reading.js';

export type SensedState = 'free' | 'occupied' | 'unknown';

export interface SpotSense {
  state: SensedState;
  /** ms since the epoch; null: never known */
  stateSince: number | null;
  /** when the last change between free and occupied was accepted (the debounce window starts there) */
  lastChangeAt: number | null;
  /** an unconfirmed low-confidence reading's value, waiting for a second agreeing one */
  unconfirmed: 'free' | 'occupied' | null;
  lastReading: 'free' | 'occupied' | null;
  confidence: number | null;
  batteryPct: number | null;
  lastHeardAt: number | null;
  /** why the sensor is at fault, else null */
  fault: string | null;
}

export const unknownSense: SpotSense = {
  state: 'unknown', stateSince: null, lastChangeAt: null, unconfirmed: null, lastReading: null,
  confidence: null, batteryPct: null, lastHeardAt: null, fault: null,
};

export type SenseDecision =
  /** the shown state changed; `by`: a confident reading, or a second reading agreeing with an unconfirmed one */
  | { kind: 'changed'; from: SensedState; to: 'free' | 'occupied'; by: 'reading' | 'second_reading'; recovered: boolean }
  /** the reading agrees with the state shown */
  | { kind: 'same'; recovered: boolean }
  /** a toggle within the debounce window: ignored */
  | { kind: 'debounced'; recovered: boolean }
  /** a low-confidence reading that would change the state: held until a second one agrees */
  | { kind: 'unconfirmed'; value: 'free' | 'occupied'; recovered: boolean };

export interface RuleSettings {
  debounceMs: number;
  confirmThreshold: number;
}

export const seedRules: RuleSettings = { debounceMs, confirmThreshold };

/** One reading received at `atMs`. */
export function applyReading(s: SpotSense, r: Reading, atMs: number, rules: RuleSettings = seedRules): { next: SpotSense; decision: SenseDecision } {
  const value = r.occupied ? 'occupied' : 'free';
  const recovered = s.fault !== null;
  const heard: SpotSense = {
    ...s, lastReading: value, confidence: r.confidence, batteryPct: r.batteryPct ?? s.batteryPct,
    lastHeardAt: s.lastHeardAt === null ? atMs : Math.max(s.lastHeardAt, atMs), fault: null,
  };
  if (s.state === value) return { next: { ...heard, unconfirmed: null }, decision: { kind: 'same', recovered } };
  const confident = r.confidence >= rules.confirmThreshold;
  const agreed = s.unconfirmed === value;
  if (!confident && !agreed) return { next: { ...heard, unconfirmed: value }, decision: { kind: 'unconfirmed', value, recovered } };
  // a toggle between free and occupied inside the window is a car driving over; from unknown it is news
  if (s.state !== 'unknown' && s.lastChangeAt !== null && atMs - s.lastChangeAt < rules.debounceMs) {
    return { next: { ...heard, unconfirmed: null }, decision: { kind: 'debounced', recovered } };
  }
  return {
    next: { ...heard, state: value, stateSince: atMs, lastChangeAt: atMs, unconfirmed: null },
    decision: { kind: 'changed', from: s.state, to: value, by: confident ? 'reading' : 'second_reading', recovered },
  };
}

/**
 * At `nowMs`: a sensor silent for longer than `heartbeatMs` (since it was last heard, or since `watchedSinceMs`
 * when it never was) becomes a fault, and its spot unknown. Null when nothing changes.
 */
export function checkSilence(s: SpotSense, nowMs: number, heartbeatMs: number, watchedSinceMs: number): SpotSense | null {
  if (s.fault !== null) return null;
  const last = s.lastHeardAt ?? watchedSinceMs;
  if (nowMs - last <= heartbeatMs) return null;
  const silentFor = Math.round((nowMs - last) / 1000);
  return {
    ...s, state: 'unknown', stateSince: nowMs, unconfirmed: null,
    fault: s.lastHeardAt === null ? `never heard in ${silentFor} s` : `silent for ${silentFor} s`,
  };
}
