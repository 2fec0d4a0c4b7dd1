import { describe, expect, it } from 'vitest';
import { buildAllowList, type AllowedReservation, type GatePolicy, type OpenVisit } from '../src/core/gate/allow-list.js';
import { decide, type DecideContext } from '../src/core/gate/decide.js';
import { computeOverstay } from '../src/core/gate/overstay.js';
import { normalisePlate } from '../src/core/gate/plate.js';
import type { GateInput } from '../src/core/gate/ports.js';
import type { PricingPolicy } from '../src/core/pricing/index.js';

const t0 = new Date('2025-06-02T09:00:00Z');
const min = (n: number) => new Date(t0.getTime() + n * 60_000);

const policy: GatePolicy = {
  lotCode: 'LOT1', earlyEntryGraceMinutes: 15, walkInsAllowed: false, freeSpots: 10,
  overstaySlotMinutes: 15, ratePerHourMinor: 400,
};
const booking: AllowedReservation = {
  reservationId: 'res-1', plate: 'AB12CD', start: t0, end: min(120), status: 'CONFIRMED', vehicleType: 'regular', spotLabel: 'B2-017',
};

function list(opts: { reservations?: AllowedReservation[]; visits?: OpenVisit[]; policy?: Partial<GatePolicy> } = {}) {
  return buildAllowList({
    policy: { ...policy, ...opts.policy }, syncedAt: t0, reservations: opts.reservations ?? [booking], openVisits: opts.visits ?? [],
  });
}
const plate = (p: string, confidence = 0.95): GateInput => ({ kind: 'plate', plate: p, confidence, source: 'cam', readId: 'r1', at: t0 });
const qr = (code: string): GateInput => ({ kind: 'credential', code, source: 'scanner', at: t0 });
const entry = (now: Date, extra: Partial<DecideContext> = {}): DecideContext => ({ direction: 'entry', now, armed: true, ...extra });
const exit = (now: Date, extra: Partial<DecideContext> = {}): DecideContext => ({ direction: 'exit', now, armed: true, ...extra });

describe('normalisePlate', () => {
  it('upper-cases and strips spaces, dashes and dots', () => {
    expect(normalisePlate(' ab-12 cd ')).toBe('AB12CD');
    expect(normalisePlate('m.ab·123')).toBe('MAB123');
  });
  it('refuses what cannot be a plate', () => {
    expect(normalisePlate('')).toBeNull();
    expect(normalisePlate('-')).toBeNull();
    expect(normalisePlate(42)).toBeNull();
    expect(normalisePlate('A'.repeat(13))).toBeNull();
  });
});

describe('decide: entry', () => {
  it('opens for a confirmed booking inside its window, with the spot on the sign', () => {
    const d = decide(list(), plate('ab-12 cd'), entry(min(30)));
    expect(d).toMatchObject({ allow: true, reason: 'RESERVATION', reservationId: 'res-1', spotLabel: 'B2-017', plate: 'AB12CD' });
    expect(d.sign).toBe('WELCOME B2-017');
  });

  it('opens for the QR code carrying the reservation id', () => {
    expect(decide(list(), qr('  res-1 '), entry(min(1)))).toMatchObject({ allow: true, reason: 'RESERVATION', plate: 'AB12CD' });
  });

  it('fails closed for an unknown plate or QR code', () => {
    expect(decide(list(), plate('ZZ999'), entry(min(5)))).toMatchObject({ allow: false, reason: 'NO_BOOKING', sign: 'NO BOOKING' });
    expect(decide(list(), qr('res-404'), entry(min(5)))).toMatchObject({ allow: false, reason: 'NO_BOOKING' });
  });

  it('early-entry grace: opens exactly at start - grace, not a millisecond before', () => {
    expect(decide(list(), plate('AB12CD'), entry(min(-15))).allow).toBe(true);
    const early = decide(list(), plate('AB12CD'), entry(new Date(min(-15).getTime() - 1)));
    // the sign says when entry opens (UTC here: this snapshot carries no lot zone)
    expect(early).toMatchObject({ allow: false, reason: 'TOO_EARLY', sign: 'OPENS 08:45', opensAt: min(-15), reservationId: 'res-1' });
  });

  it('expired window: the end is exclusive', () => {
    expect(decide(list(), plate('AB12CD'), entry(new Date(min(120).getTime() - 1))).allow).toBe(true);
    expect(decide(list(), plate('AB12CD'), entry(min(120)))).toMatchObject({ allow: false, reason: 'EXPIRED', sign: 'SEE ATTENDANT' });
  });

  it('picks the booking whose window is now among several for one plate', () => {
    const tomorrow = { ...booking, reservationId: 'res-2', start: min(24 * 60), end: min(26 * 60) };
    const l = list({ reservations: [tomorrow, booking] });
    expect(decide(l, plate('AB12CD'), entry(min(10))).reservationId).toBe('res-1');
    expect(decide(l, plate('AB12CD'), entry(min(24 * 60 + 1))).reservationId).toBe('res-2');
    expect(decide(l, plate('AB12CD'), entry(min(600))).reason).toBe('TOO_EARLY');
  });

  it('anti-passback: an open visit for the plate refuses entry, by plate and by QR', () => {
    const visit: OpenVisit = { visitId: 'v1', plate: 'AB12CD', reservationId: 'res-1', enteredAt: min(1), reservationEnd: min(120), amountDueMinor: 0 };
    expect(decide(list({ visits: [visit] }), plate('AB12CD'), entry(min(5)))).toMatchObject({ allow: false, reason: 'ALREADY_INSIDE' });
    expect(decide(list({ visits: [visit] }), qr('res-1'), entry(min(5)))).toMatchObject({ allow: false, reason: 'ALREADY_INSIDE' });
  });

  it('anti-passback: a CHECKED_IN booking refuses entry even before its visit is synced', () => {
    const l = list({ reservations: [{ ...booking, status: 'CHECKED_IN' }] });
    expect(decide(l, plate('AB12CD'), entry(min(5)))).toMatchObject({ allow: false, reason: 'ALREADY_INSIDE' });
  });

  it('walk-ins: only when policy allows and a spot is free', () => {
    const open = list({ policy: { walkInsAllowed: true, freeSpots: 3 } });
    expect(decide(open, plate('NEW1'), entry(min(0)))).toMatchObject({ allow: true, reason: 'WALK_IN', reservationId: null });
    const ticket: GateInput = { kind: 'button', button: 'ticket', source: 'lane', at: t0 };
    expect(decide(open, ticket, entry(min(0)))).toMatchObject({ allow: true, reason: 'WALK_IN' });
    const full = list({ policy: { walkInsAllowed: true, freeSpots: 0 } });
    expect(decide(full, plate('NEW1'), entry(min(0)))).toMatchObject({ allow: false, reason: 'FULL', sign: 'FULL' });
    expect(decide(list(), ticket, entry(min(0)))).toMatchObject({ allow: false, reason: 'NO_BOOKING' });
  });

  it('a plate already inside is not let in again as a walk-in', () => {
    const visit: OpenVisit = { visitId: 'v9', plate: 'NEW1', reservationId: null, enteredAt: t0, reservationEnd: null, amountDueMinor: 0 };
    const l = list({ visits: [visit], policy: { walkInsAllowed: true } });
    expect(decide(l, plate('NEW1'), entry(min(0))).reason).toBe('ALREADY_INSIDE');
  });

  it('without a vehicle on the arming loop nothing opens and the sign is left alone', () => {
    expect(decide(list(), plate('AB12CD'), entry(min(5), { armed: false }))).toMatchObject({ allow: false, reason: 'NO_VEHICLE', sign: null });
  });

  it('low-confidence reads do not open', () => {
    expect(decide(list(), plate('AB12CD', 0.5), entry(min(5))).reason).toBe('LOW_CONFIDENCE');
    expect(decide(list(), plate('AB12CD', 0.5), entry(min(5), { minPlateConfidence: 0.4 })).allow).toBe(true);
  });

  it('malformed input fails closed', () => {
    const bad: unknown[] = [
      null, { kind: 'plate', plate: '--', confidence: 0.9 }, { kind: 'plate', plate: 'AB12CD', confidence: Number.NaN },
      { kind: 'plate', plate: 'AB12CD', confidence: 7 }, { kind: 'credential', code: '   ' }, { kind: 'credential', code: 'x'.repeat(500) },
      { kind: 'teleport' },
    ];
    for (const input of bad) {
      expect(decide(list(), input as GateInput, entry(min(5)))).toMatchObject({ allow: false, reason: 'MALFORMED_INPUT', sign: 'SEE ATTENDANT' });
    }
    expect(decide(list(), plate('AB12CD'), entry(new Date('nope'))).reason).toBe('MALFORMED_INPUT');
  });

  it('loops and the help button are not credentials', () => {
    const loop: GateInput = { kind: 'loop', loop: 'arming', on: true, source: 'lane', at: t0 };
    const help: GateInput = { kind: 'button', button: 'help', source: 'lane', at: t0 };
    expect(decide(list(), loop, entry(min(5))).reason).toBe('NOT_A_CREDENTIAL');
    expect(decide(list(), help, entry(min(5))).allow).toBe(false);
  });
});

describe('decide: exit', () => {
  const visit: OpenVisit = { visitId: 'v1', plate: 'AB12CD', reservationId: 'res-1', enteredAt: min(5), reservationEnd: min(120), amountDueMinor: 0 };

  it('opens for an open visit that owes nothing', () => {
    expect(decide(list({ visits: [visit] }), plate('AB 12 CD'), exit(min(100)))).toMatchObject({
      allow: true, reason: 'EXIT_PAID', visitId: 'v1', reservationId: 'res-1', amountDueMinor: 0, sign: 'GOODBYE',
    });
  });

  it('finds the visit by QR code too', () => {
    expect(decide(list({ visits: [visit] }), qr('res-1'), exit(min(100))).visitId).toBe('v1');
  });

  it('prices overstay per started slot and keeps the barrier shut', () => {
    // 1 minute late: one 15-minute slot at 400/h = 100.
    const d = decide(list({ visits: [visit] }), plate('AB12CD'), exit(min(121)));
    expect(d).toMatchObject({ allow: false, reason: 'PAYMENT_DUE', sign: 'PAY AT KIOSK', amountDueMinor: 100, overstayMinutes: 15 });
    // 16 minutes late: two slots.
    expect(decide(list({ visits: [visit] }), plate('AB12CD'), exit(min(136))).amountDueMinor).toBe(200);
  });

  it('charges what the booking\'s extensions cost, on time and added to an overstay', () => {
    const extended = { ...booking, status: 'CHECKED_IN' as const, extensionMinor: 300 };
    expect(decide(list({ reservations: [extended], visits: [visit] }), plate('AB12CD'), exit(min(100)))).toMatchObject({
      allow: false, reason: 'PAYMENT_DUE', amountDueMinor: 300, overstayMinutes: 0,
    });
    expect(decide(list({ reservations: [extended], visits: [visit] }), plate('AB12CD'), exit(min(121))).amountDueMinor).toBe(400);
  });

  it('prices a walk-in\'s stay by the lot\'s rules and keeps the barrier shut until it is paid', () => {
    const walkIn: OpenVisit = { visitId: 'w1', plate: 'WALK1', reservationId: null, enteredAt: min(0), reservationEnd: null, amountDueMinor: 0, vehicleType: 'regular' };
    const pricing: PricingPolicy = {
      rules: [{ ruleId: 1, vehicleType: null, days: [1, 2, 3, 4, 5, 6, 7], fromMinute: 0, toMinute: 1440, ratePerHourMinor: 240, priority: 0, validFrom: null, validUntil: null }],
      dailyMaxMinor: { defaultMinor: null, byType: {} }, freeMinutes: 0, taxRateBp: 2000, surcharges: [],
    };
    // 90 minutes at 240 an hour: 360, plus 20 % tax: 432
    const priced = list({ visits: [walkIn], policy: { walkInPrices: { timeZone: 'Europe/London', pricing } } });
    expect(decide(priced, plate('WALK1'), exit(min(90)))).toMatchObject({ allow: false, reason: 'PAYMENT_DUE', amountDueMinor: 432, visitId: 'w1' });
    // no rule prices a motorcycle here: not free and not a kiosk amount, the attendant decides (never a throw)
    const motorcycle = { ...walkIn, vehicleType: 'motorcycle' };
    const motoPrices = { timeZone: 'Europe/London', pricing: { ...pricing, rules: [{ ...pricing.rules[0]!, vehicleType: 'regular' as const }] } };
    const unpriced = list({ visits: [motorcycle], policy: { walkInPrices: motoPrices } });
    expect(decide(unpriced, plate('WALK1'), exit(min(90)))).toMatchObject({ allow: false, reason: 'PAYMENT_DUE', sign: 'SEE ATTENDANT' });
    expect(decide(unpriced, plate('WALK1'), exit(min(90), { override: { by: 'ana', reason: 'paid in cash' } }))).toMatchObject({ allow: true, reason: 'EXIT_OVERRIDE' });
    // a snapshot saved before the gate kept prices: the stay is left to the attendant, as before
    expect(decide(list({ visits: [walkIn] }), plate('WALK1'), exit(min(90)))).toMatchObject({ allow: true, reason: 'EXIT_PAID', amountDueMinor: 0 });
  });

  it('adds an unpaid balance to the overstay', () => {
    const owing = { ...visit, amountDueMinor: 250 };
    expect(decide(list({ visits: [owing] }), plate('AB12CD'), exit(min(60)))).toMatchObject({ allow: false, amountDueMinor: 250 });
  });

  it('an attendant override opens despite an amount due, and reports it', () => {
    const d = decide(list({ visits: [visit] }), plate('AB12CD'), exit(min(200), { override: { by: 'ana', reason: 'kiosk broken' } }));
    expect(d).toMatchObject({ allow: true, reason: 'EXIT_OVERRIDE' });
    expect(d.amountDueMinor).toBeGreaterThan(0);
  });

  it('no open visit: stays shut', () => {
    expect(decide(list(), plate('AB12CD'), exit(min(60)))).toMatchObject({ allow: false, reason: 'NO_VISIT', sign: 'SEE ATTENDANT' });
  });
});

describe('computeOverstay', () => {
  it('bills nothing up to the end, then whole slots, rounding cents up', () => {
    expect(computeOverstay(t0, t0, 15, 400)).toEqual({ overstayMinutes: 0, amountMinor: 0 });
    expect(computeOverstay(t0, new Date(t0.getTime() + 1), 15, 400)).toEqual({ overstayMinutes: 15, amountMinor: 100 });
    expect(computeOverstay(t0, min(15), 15, 400).overstayMinutes).toBe(15);
    expect(computeOverstay(t0, min(10), 15, 333)).toEqual({ overstayMinutes: 15, amountMinor: 84 });
    expect(computeOverstay(null, min(999), 15, 400).amountMinor).toBe(0);
  });
});

describe('allow-list scale', () => {
  it('decides correctly against 1,000 reservations (indexed: no scan)', () => {
    const many: AllowedReservation[] = Array.from({ length: 1000 }, (_, i) => ({
      ...booking, reservationId: `res-${i}`, plate: `PL${String(i).padStart(4, '0')}`, spotLabel: `S-${i}`,
    }));
    const l = list({ reservations: many });
    expect(l.reservationCount).toBe(1000);
    expect(decide(l, plate('PL0999'), entry(min(1)))).toMatchObject({ allow: true, spotLabel: 'S-999' });
    expect(decide(l, qr('res-500'), entry(min(1))).plate).toBe('PL0500');
  });
});
