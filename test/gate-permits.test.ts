// Issue 15: permits at the gate, decided offline from the allow-list like bookings. Days and times in the
// lot's zone (over midnight, across a DST change), the entry grace, payment and its grace, parks (how many
// of a permit's cars at once), suspended permits, lot states, and the free exit.
import { describe, expect, it } from 'vitest';
import { buildAllowList, type AllowedPermit, type AllowedReservation, type GatePolicy, type OpenVisit } from '../src/core/gate/allow-list.js';
import { decide, type DecideContext } from '../src/core/gate/decide.js';
import { inPermitWindow } from '../src/core/gate/permit-entry.js';
import type { GateInput } from '../src/core/gate/ports.js';
import { AllowListView } from '../src/core/gate-daemon/allow-list-view.js';
import { formatDays, formatTimes, parseDays, parseTimes } from '../src/core/permits/schedule.js';

const zone = 'Europe/London';
const policy: GatePolicy = {
  lotCode: 'LOT1', earlyEntryGraceMinutes: 15, walkInsAllowed: true, freeSpots: 10, overstaySlotMinutes: 15, ratePerHourMinor: 400,
  lotState: 'open', permits: { timeZone: zone, entryGraceMinutes: 15, paymentGraceDays: 3 },
};
// Mon-Fri 07:00-19:00, 1 car of 2 plates, paid to the end of January
const office: AllowedPermit = {
  permitId: 'pm-office', holder: 'Acme', plates: ['AC1', 'AC2'], status: 'active', validFrom: new Date('2026-01-01T00:00:00Z'),
  validUntil: new Date('2027-01-01T00:00:00Z'), days: [1, 2, 3, 4, 5], fromMinute: 7 * 60, toMinute: 19 * 60, parks: 1,
  paidUntil: new Date('2026-02-01T00:00:00Z'), priced: true,
};
// nights 22:00-06:00 starting Fri and Sat, free
const night: AllowedPermit = { ...office, permitId: 'pm-night', holder: 'Nights', plates: ['NT1'], days: [5, 6], fromMinute: 22 * 60, toMinute: 6 * 60, paidUntil: null, priced: false };

function list(o: { permits?: AllowedPermit[]; visits?: OpenVisit[]; reservations?: AllowedReservation[]; policy?: Partial<GatePolicy> } = {}) {
  return buildAllowList({ policy: { ...policy, ...o.policy }, syncedAt: new Date(), reservations: o.reservations ?? [], openVisits: o.visits ?? [], permits: o.permits ?? [office, night] });
}
const plate = (p: string): GateInput => ({ kind: 'plate', plate: p, confidence: 0.95, source: 'cam', readId: 'r1', at: new Date() });
const entry = (iso: string): DecideContext => ({ direction: 'entry', now: new Date(iso), armed: true });
const exit = (iso: string): DecideContext => ({ direction: 'exit', now: new Date(iso), armed: true });

describe('permits at the entry', () => {
  it('admits inside its days and times (lot time), with the entry grace before the window, and not outside', () => {
    // Monday 12 January 2026, London = UTC in winter
    expect(decide(list(), plate('AC1'), entry('2026-01-12T08:00:00Z'))).toMatchObject({ allow: true, reason: 'PERMIT', permitId: 'pm-office', sign: 'WELCOME' });
    expect(decide(list(), plate('AC1'), entry('2026-01-12T06:45:00Z'))).toMatchObject({ allow: true, reason: 'PERMIT' }); // 15 min grace
    expect(decide(list(), plate('AC1'), entry('2026-01-12T06:44:00Z'))).toMatchObject({ allow: false, reason: 'PERMIT_NOT_VALID_NOW', sign: 'NOT VALID NOW' });
    expect(decide(list(), plate('AC1'), entry('2026-01-12T19:00:00Z'))).toMatchObject({ allow: false, reason: 'PERMIT_NOT_VALID_NOW' });
    expect(decide(list(), plate('AC2'), entry('2026-01-10T12:00:00Z'))).toMatchObject({ allow: false, reason: 'PERMIT_NOT_VALID_NOW' }); // Saturday
  });

  it('reads the window in the lot\'s zone across the DST change (BST: 07:00 local is 06:00 UTC)', () => {
    // Monday 30 March 2026 is the first weekday of British Summer Time
    expect(decide(list(), plate('AC1'), entry('2026-03-30T06:00:00Z'))).toMatchObject({ allow: false, reason: 'PERMIT_UNPAID' }); // in hours, but unpaid
    const paid = { ...office, paidUntil: new Date('2026-12-01T00:00:00Z') };
    expect(decide(list({ permits: [paid] }), plate('AC1'), entry('2026-03-30T06:00:00Z'))).toMatchObject({ allow: true, reason: 'PERMIT' });
    expect(decide(list({ permits: [paid] }), plate('AC1'), entry('2026-03-30T18:00:00Z'))).toMatchObject({ allow: false, reason: 'PERMIT_NOT_VALID_NOW' }); // 19:00 BST
    expect(inPermitWindow(paid, new Date('2026-03-30T05:59:00Z'), zone)).toBe(false);
  });

  it('a window over midnight belongs to the day it starts', () => {
    // Friday 16 January 2026 23:00, and Saturday 01:00 (the Friday night), Sunday 01:00 (Saturday night), Monday 01:00 (no: Sunday is not a day)
    expect(decide(list(), plate('NT1'), entry('2026-01-16T23:00:00Z')).reason).toBe('PERMIT');
    expect(decide(list(), plate('NT1'), entry('2026-01-17T01:00:00Z')).reason).toBe('PERMIT');
    expect(decide(list(), plate('NT1'), entry('2026-01-18T01:00:00Z')).reason).toBe('PERMIT');
    expect(decide(list(), plate('NT1'), entry('2026-01-19T01:00:00Z')).reason).toBe('PERMIT_NOT_VALID_NOW');
    expect(decide(list(), plate('NT1'), entry('2026-01-16T21:30:00Z')).reason).toBe('PERMIT_NOT_VALID_NOW');
  });

  it('stops at the end of the paid period plus the grace, and outside its dates', () => {
    expect(decide(list(), plate('AC1'), entry('2026-02-03T08:00:00Z')).reason).toBe('PERMIT'); // 2 days into the 3-day grace (Tuesday)
    expect(decide(list(), plate('AC1'), entry('2026-02-04T08:00:00Z'))).toMatchObject({ allow: false, reason: 'PERMIT_UNPAID', sign: 'SEE ATTENDANT' });
    expect(decide(list(), plate('NT1'), entry('2027-01-01T23:00:00Z')).reason).toBe('PERMIT_NOT_VALID_NOW'); // after valid_until
  });

  it('parks: a second car of the permit waits until the first leaves; anti-passback by plate', () => {
    const inside: OpenVisit = { visitId: 'v1', plate: 'AC1', reservationId: null, enteredAt: new Date('2026-01-12T08:00:00Z'), reservationEnd: null, amountDueMinor: 0, permitId: 'pm-office' };
    expect(decide(list({ visits: [inside] }), plate('AC2'), entry('2026-01-12T09:00:00Z'))).toMatchObject({ allow: false, reason: 'PERMIT_IN_USE', sign: 'PERMIT IN USE' });
    expect(decide(list({ visits: [inside] }), plate('AC1'), entry('2026-01-12T09:00:00Z')).reason).toBe('ALREADY_INSIDE');
    const two = { ...office, parks: 2 };
    expect(decide(list({ visits: [inside], permits: [two] }), plate('AC2'), entry('2026-01-12T09:00:00Z')).reason).toBe('PERMIT');
  });

  it('the live view counts a permit\'s cars as they enter and leave at this gate', () => {
    const view = new AllowListView({ policy, syncedAt: new Date(), reservations: [], openVisits: [], permits: [office] });
    const at = '2026-01-12T09:00:00Z';
    expect(decide(view, plate('AC1'), entry(at)).reason).toBe('PERMIT');
    view.apply({ kind: 'enter', visitId: 'v1', plate: 'AC1', reservationId: null, enteredAt: at, reservationEnd: null, permitId: 'pm-office' });
    expect(view.openVisitsForPermit('pm-office')).toBe(1);
    expect(decide(view, plate('AC2'), entry(at)).reason).toBe('PERMIT_IN_USE');
    view.apply({ kind: 'exit', visitId: 'v1', reservationId: null });
    expect(decide(view, plate('AC2'), entry(at)).reason).toBe('PERMIT');
  });

  it('a suspended permit is refused by name; a cancelled one is not in the list at all', () => {
    expect(decide(list({ permits: [{ ...office, status: 'suspended' }] }), plate('AC1'), entry('2026-01-12T08:00:00Z'))).toMatchObject({ allow: false, reason: 'PERMIT_SUSPENDED', permitId: 'pm-office' });
  });

  it('FULL and CLOSED refuse walk-ins but admit permits and bookings; CLOSED-TO-ALL admits no one', () => {
    const booking: AllowedReservation = { reservationId: 'res-1', plate: 'BK1', start: new Date('2026-01-12T08:00:00Z'), end: new Date('2026-01-12T12:00:00Z'), status: 'CONFIRMED', vehicleType: 'regular', spotLabel: 'A-001' };
    const at = '2026-01-12T09:00:00Z';
    for (const lotState of ['full', 'closed'] as const) {
      const l = list({ reservations: [booking], policy: { lotState, freeSpots: 0 } });
      expect(decide(l, plate('AC1'), entry(at)).reason).toBe('PERMIT');
      expect(decide(l, plate('BK1'), entry(at)).reason).toBe('RESERVATION');
      expect(decide(l, plate('WALK1'), entry(at)).reason).toBe(lotState === 'full' ? 'FULL' : 'CLOSED');
    }
    const shut = list({ reservations: [booking], policy: { lotState: 'closed_to_all' } });
    for (const p of ['AC1', 'BK1', 'WALK1']) expect(decide(shut, plate(p), entry(at))).toMatchObject({ allow: false, reason: 'CLOSED', sign: 'CLOSED' });
  });

  it('a booking valid now wins over the permit; a permit out of hours does not hide a booking that opens later', () => {
    const booking: AllowedReservation = { reservationId: 'res-2', plate: 'AC1', start: new Date('2026-01-10T10:00:00Z'), end: new Date('2026-01-10T12:00:00Z'), status: 'CONFIRMED', vehicleType: 'regular', spotLabel: 'A-002' };
    expect(decide(list({ reservations: [booking] }), plate('AC1'), entry('2026-01-10T10:30:00Z')).reason).toBe('RESERVATION'); // Saturday: the permit is not valid
    expect(decide(list({ reservations: [booking] }), plate('AC1'), entry('2026-01-10T08:00:00Z')).reason).toBe('TOO_EARLY');
  });
});

describe('permits at the exit', () => {
  it('a permit car leaves free; one with no visit (a barrier left up) is not kept in; a stranger with no visit is', () => {
    const inside: OpenVisit = { visitId: 'v1', plate: 'AC1', reservationId: null, enteredAt: new Date('2026-01-12T08:00:00Z'), reservationEnd: null, amountDueMinor: 0, permitId: 'pm-office' };
    expect(decide(list({ visits: [inside] }), plate('AC1'), exit('2026-01-12T23:00:00Z'))).toMatchObject({ allow: true, reason: 'EXIT_PAID', amountDueMinor: 0, visitId: 'v1', permitId: 'pm-office' });
    expect(decide(list(), plate('AC2'), exit('2026-01-12T23:00:00Z'))).toMatchObject({ allow: true, reason: 'EXIT_PAID', visitId: null, permitId: 'pm-office' });
    expect(decide(list(), plate('ZZ9'), exit('2026-01-12T23:00:00Z')).reason).toBe('NO_VISIT');
  });
});

describe('permit schedules as people type them', () => {
  it('days and times', () => {
    expect(parseDays('Mon-Fri')).toEqual([1, 2, 3, 4, 5]);
    expect(parseDays('sat,Sunday')).toEqual([6, 7]);
    expect(parseDays('Fri-Mon')).toEqual([1, 5, 6, 7]);
    expect(parseDays('all')).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(parseTimes('07:00-19:00')).toEqual({ fromMinute: 420, toMinute: 1140 });
    expect(parseTimes('22:00-06:00')).toEqual({ fromMinute: 1320, toMinute: 360 });
    expect(parseTimes('18:00-24:00')).toEqual({ fromMinute: 1080, toMinute: 1440 });
    expect(formatDays([1, 2, 3, 4, 5])).toBe('Mon-Fri');
    expect(formatDays([1, 3, 6, 7])).toBe('Mon,Wed,Sat,Sun');
    expect(formatTimes(1320, 360)).toBe('22:00-06:00');
    for (const bad of ['', 'Mo', 'Funday', 'Mon-Tue-Wed']) expect(() => parseDays(bad), bad).toThrow(/weekday|day|empty/);
    for (const bad of ['7-19', '07:00', '25:00-26:00', '07:00-07:00', '24:00-06:00', '07:60-08:00']) expect(() => parseTimes(bad), bad).toThrow(/time/);
  });
});
