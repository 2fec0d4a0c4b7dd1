// Seed 001's sensor rules (debounce, confidence, heartbeat), the uplink formats of The Things Stack and
// ChirpStack as their documentation shows them (fixtures/sensors/), and the vendor mapping: pure, no broker.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLotFile } from '../src/core/lots/lot-file.js';
import { genericMapping, vendorMappingSchema } from '../src/core/sensors/config.js';
import { readPayload, type Reading } from '../src/core/sensors/reading.js';
import { judgeOccupied, judgeParkedElsewhere } from '../src/core/sensors/reconcile.js';
import { applyReading, checkSilence, unknownSense, type SpotSense } from '../src/core/sensors/rules.js';
import { readUplink, UplinkError } from '../src/core/sensors/uplink.js';
import { testLotFile } from './support/lots.js';

const t0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const sure = (occupied: boolean): Reading => ({ occupied, confidence: 0.99, batteryPct: 90 });
const unsure = (occupied: boolean): Reading => ({ occupied, confidence: 0.6, batteryPct: 90 });

function feed(readings: [Reading, number][], s: SpotSense = unknownSense): SpotSense {
  for (const [r, at] of readings) s = applyReading(s, r, at).next;
  return s;
}

describe('debounce', () => {
  it('a toggle within 3 s of the last change is ignored; the next report after it settles the state', () => {
    const parked = feed([[sure(true), t0]]);
    expect(parked.state).toBe('occupied');
    const over = applyReading(parked, sure(false), t0 + 2_000);
    expect(over.decision.kind).toBe('debounced');
    expect(over.next.state).toBe('occupied');
    const later = applyReading(over.next, sure(false), t0 + 3_000);
    expect(later.decision).toMatchObject({ kind: 'changed', from: 'occupied', to: 'free' });
  });

  it('the first reading of a spot never known is taken at once', () => {
    expect(applyReading(unknownSense, sure(false), t0).decision).toMatchObject({ kind: 'changed', from: 'unknown', to: 'free' });
  });
});

describe('confidence', () => {
  it('below 0.85 the change waits for a second agreeing reading', () => {
    const free = feed([[sure(false), t0]]);
    const first = applyReading(free, unsure(true), t0 + 10_000);
    expect(first.decision).toMatchObject({ kind: 'unconfirmed', value: 'occupied' });
    expect(first.next.state).toBe('free');
    const second = applyReading(first.next, unsure(true), t0 + 20_000);
    expect(second.decision).toMatchObject({ kind: 'changed', to: 'occupied', by: 'second_reading' });
  });

  it('a disagreeing reading drops the unconfirmed one', () => {
    const free = feed([[sure(false), t0], [unsure(true), t0 + 10_000], [unsure(false), t0 + 20_000]]);
    expect(free.unconfirmed).toBeNull();
    expect(applyReading(free, unsure(true), t0 + 30_000).decision.kind).toBe('unconfirmed');
  });

  it('a spot never known stays unknown on one unsure reading', () => {
    const s = applyReading(unknownSense, unsure(true), t0);
    expect(s.next.state).toBe('unknown');
    expect(s.next.unconfirmed).toBe('occupied');
  });
});

describe('heartbeat', () => {
  it('a sensor silent past its interval is a fault and its spot unknown, never free; it recovers when heard', () => {
    const free = feed([[sure(false), t0]]);
    expect(checkSilence(free, t0 + 900_000, 900_000, t0)).toBeNull();
    const fault = checkSilence(free, t0 + 900_001, 900_000, t0)!;
    expect(fault.state).toBe('unknown');
    expect(fault.fault).toMatch(/silent for 900 s/);
    expect(checkSilence(fault, t0 + 2_000_000, 900_000, t0)).toBeNull();
    const back = applyReading(fault, sure(false), t0 + 2_000_000);
    expect(back.decision).toMatchObject({ kind: 'changed', from: 'unknown', to: 'free', recovered: true });
    expect(back.next.fault).toBeNull();
  });

  it('a sensor never heard is a fault one interval after it was watched', () => {
    expect(checkSilence(unknownSense, t0 + 61_000, 60_000, t0)?.fault).toMatch(/never heard/);
  });
});

describe('the rules over random readings (fast-check)', () => {
  const step = fc.record({
    kind: fc.constantFrom('reading', 'reading', 'reading', 'silence' as const),
    occupied: fc.boolean(),
    confidence: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(0.85), fc.constant(0.8499)),
    gapMs: fc.oneof(fc.integer({ min: 0, max: 4_000 }), fc.integer({ min: 0, max: 120_000 })),
  });

  it('no two changes between free and occupied within 3 s; a change is backed by a sure reading or two agreeing ones; silence never shows free', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
      let s = unknownSense;
      let now = t0;
      let lastToggle: number | null = null;
      let previous: { occupied: boolean } | null = null;
      for (const st of steps) {
        now += st.gapMs;
        if (st.kind === 'silence') {
          const next = checkSilence(s, now, 60_000, t0);
          if (next) {
            expect(next.state).toBe('unknown');
            s = next;
          }
          continue;
        }
        const { next, decision } = applyReading(s, { occupied: st.occupied, confidence: st.confidence, batteryPct: null }, now);
        if (decision.kind === 'changed') {
          const value = st.occupied ? 'occupied' : 'free';
          expect(decision.to).toBe(value);
          // backed: a sure reading, or a second one agreeing with the reading just before it
          expect(st.confidence >= 0.85 || previous?.occupied === st.occupied).toBe(true);
          if (decision.from !== 'unknown') {
            if (lastToggle !== null) expect(now - lastToggle).toBeGreaterThanOrEqual(3_000);
          }
          lastToggle = now;
        } else {
          expect(next.state).toBe(s.state);
        }
        expect(next.fault).toBeNull();
        previous = { occupied: st.occupied };
        s = next;
      }
    }), { numRuns: 500 });
  });
});

describe('uplinks as the network servers send them', () => {
  const tts = readFileSync(new URL('../fixtures/sensors/tts-uplink.json', import.meta.url));
  const chirp = readFileSync(new URL('../fixtures/sensors/chirpstack-uplink.json', import.meta.url));

  it('The Things Stack v3: DevEUI and device id, received_at, decoded_payload', () => {
    const u = readUplink('v3/city-garage-bays@ttn/devices/bay-l2-b-014/up', tts, null);
    expect(u).toMatchObject({ format: 'tts', ids: ['70B3D57ED005B89A', 'bay-l2-b-014'], payload: { status: 'occupied', conf: 97 } });
    expect(u.at?.toISOString()).toBe('2026-12-05T09:00:00.412Z');
  });

  it('ChirpStack v4: deviceInfo.devEui (upper-cased to match), deviceName, time, object', () => {
    const u = readUplink('application/17c82e96-be03-4f38-aef3-f83d48582d97/device/0101010101010101/event/up', chirp, null);
    expect(u).toMatchObject({ format: 'chirpstack', ids: ['0101010101010101', 'bay-l2-b-015'], payload: { parking: { occupied: 1 } } });
    expect(u.at?.toISOString()).toBe('2026-12-05T09:00:00.823Z');
  });

  it('generic JSON under the lot prefix', () => {
    const u = readUplink('parkctl/TEST/sensors/s-1', '{"sensor":"s-1","occupied":true,"confidence":0.9}', 'parkctl/TEST/sensors');
    expect(u).toMatchObject({ format: 'generic', ids: ['s-1'], at: null, payload: { occupied: true, confidence: 0.9 } });
  });

  it('an uplink without a decoded payload, or not JSON, is refused with a reason', () => {
    const raw = JSON.parse(tts.toString()) as { uplink_message: Record<string, unknown> };
    delete raw.uplink_message.decoded_payload;
    expect(() => readUplink('v3/a@ttn/devices/d/up', JSON.stringify(raw), null)).toThrow(/payload formatter/);
    expect(() => readUplink('application/1/device/01/event/up', 'nope', null)).toThrow(UplinkError);
    expect(() => readUplink('v3/a/devices/d/down/push', '{}', null)).toThrow(/not a sensor topic/);
  });
});

describe('vendor mappings', () => {
  const acme = vendorMappingSchema.parse({ occupied: { field: 'status', occupied: ['occupied'], free: ['free'] }, confidence: { field: 'conf', scale: 100 }, battery: { field: 'battery_pct' } });
  const nested = vendorMappingSchema.parse({ occupied: { field: 'parking.occupied' }, confidence: { field: 'confidence' } });

  it('maps values, scales confidence and reads dotted paths', () => {
    expect(readPayload({ status: 'Occupied', conf: 97, battery_pct: 88 }, acme)).toEqual({ occupied: true, confidence: 0.97, batteryPct: 88 });
    expect(readPayload({ parking: { occupied: 0 }, confidence: 0.5 }, nested)).toEqual({ occupied: false, confidence: 0.5, batteryPct: null });
    expect(readPayload({ occupied: true }, genericMapping)).toEqual({ occupied: true, confidence: 1, batteryPct: null });
  });

  it('an unknown value is never guessed', () => {
    expect(readPayload({ status: 'maybe' }, acme)).toMatch(/neither occupied nor free/);
    expect(readPayload({}, acme)).toMatch(/no field "status"/);
  });
});

describe('the lot file', () => {
  it('takes a sensors section and a route per zone; binding an unknown spot is refused', () => {
    const base = testLotFile();
    const zones = [{ ...base.zones[0]!, route: 'ramp down, then left' }];
    const def = parseLotFile({ ...base, zones, sensors: { heartbeat_seconds: 300, vendors: { acme: { occupied: { field: 'status' } } }, bind: [{ spot: 'A-001', sensor: '70b3d57ed005b89a', vendor: 'acme' }] } }, 'f');
    expect(def.zones[0]!.route).toBe('ramp down, then left');
    expect(def.sensors?.bindings).toEqual([{ spotLabel: 'A-001', sensorId: '70B3D57ED005B89A', vendor: 'acme', heartbeatSeconds: 300 }]);
    expect(() => parseLotFile({ ...base, sensors: { bind: [{ spot: 'Z-9', sensor: 's' }] } }, 'f')).toThrow(/not in the file/);
    // a file without the section keeps its digest
    expect(parseLotFile(base, 'f').digest).toBe(parseLotFile(JSON.parse(JSON.stringify(base)), 'f').digest);
  });
});

describe('reconciliation verdicts (pure)', () => {
  const now = new Date(t0);
  const ago = (min: number) => new Date(t0 - min * 60_000);

  it('"parked elsewhere?" counts from the later of the entry and the spot going empty', () => {
    const row = { reservationId: 'r1', plate: 'AB12CD', spotLabel: 'L2-B-014', enteredAt: ago(3), freeSince: ago(60) };
    expect(judgeParkedElsewhere([row], now, 10)).toHaveLength(0); // came in 3 min ago: still driving up the ramps
    const [alert] = judgeParkedElsewhere([{ ...row, enteredAt: ago(12) }], now, 10);
    expect(alert).toMatchObject({ kind: 'alert.parked_elsewhere', reservationId: 'r1', reason: 'parked elsewhere? AB12CD came in 12 min ago, L2-B-014 is empty' });
    expect(judgeParkedElsewhere([{ ...row, enteredAt: ago(30), freeSince: ago(5) }], now, 10)).toHaveLength(0); // it left the spot 5 min ago
  });

  it('a sensed car: expected when one is checked in there; else an unknown car; else, on a booked spot, the bookings to move', () => {
    const h = { spotId: 14, label: 'L2-B-014', carExpected: false, bookings: [] };
    expect(judgeOccupied({ ...h, carExpected: true }, 's', now)).toEqual({ kind: 'expected' });
    expect(judgeOccupied(h, 's', now)).toMatchObject({ kind: 'unknown_car', event: { reason: 'unknown car in L2-B-014' } });
    const taken = judgeOccupied({ ...h, bookings: [{ reservationId: 'r2', plate: 'XY1', start: ago(-30), end: ago(-90) }] }, 's', now);
    expect(taken).toMatchObject({ kind: 'spot_taken', move: ['r2'], events: [{ kind: 'alert.spot_taken', reservationId: 'r2' }] });
  });
});
