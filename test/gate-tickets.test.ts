// Issue 15: the exit lane's ticket rules, offline and pure (decide() over a snapshot): found by its QR, its
// number or the plate; unpaid, refused with the amount on the sign; paid, free until its grace ends, then
// the time since the payment; a validation scanned at the lane judged from the snapshot's validators.
import { describe, expect, it } from 'vitest';
import { buildAllowList, type GatePolicy, type GateValidator, type OpenTicket, type OpenVisit } from '../src/core/gate/allow-list.js';
import { decide } from '../src/core/gate/decide.js';
import type { GateInput } from '../src/core/gate/ports.js';
import { AllowListView } from '../src/core/gate-daemon/allow-list-view.js';
import { parsePricing } from '../src/core/pricing/schema.js';
import { ticketQr } from '../src/core/tickets/ticket.js';

const zone = 'Europe/London';
const entered = new Date('2031-01-06T08:00:00Z'); // a Monday in winter: London is UTC
const at = (minutes: number) => new Date(entered.getTime() + minutes * 60_000);
const pricing = parsePricing({ rates: [{ rate_per_hour_minor: 200 }] });
const policy: GatePolicy = {
  lotCode: 'LOT1', earlyEntryGraceMinutes: 15, walkInsAllowed: true, freeSpots: 10, overstaySlotMinutes: 15, ratePerHourMinor: 200,
  walkInPrices: { timeZone: zone, pricing }, currency: 'GBP',
};
const unpaid: OpenTicket = { number: 'N1-7', feeMinor: null, paidAt: null, exitBy: null, lostFeeMinor: null, creditsMinor: 0 };
const visitId = '3f2a9c1e-7b44-4d2e-9a10-5c6d7e8f9a0b';
const visit = (ticket: OpenTicket, plate = 'TK3F2A9C1E'): OpenVisit => ({ visitId, plate, reservationId: null, enteredAt: entered, reservationEnd: null, amountDueMinor: 0, vehicleType: 'regular', ticket });
const list = (ticket: OpenTicket, p: Partial<GatePolicy> = {}, plate?: string) => buildAllowList({ policy: { ...policy, ...p }, syncedAt: entered, reservations: [], openVisits: [visit(ticket, plate)] });
const scan = (code: string): GateInput => ({ kind: 'credential', code, source: 'scanner', at: entered });
const exitAt = (minutes: number, validation?: string) => ({ direction: 'exit' as const, now: at(minutes), armed: true, ...(validation ? { validation } : {}) });

describe('a ticket at the exit lane', () => {
  it('is found by its QR, its number (any case) or the plate read at the entry; another code finds nothing', () => {
    const byQr = decide(list(unpaid), scan(ticketQr({ number: 'N1-7', visitId })), exitAt(90));
    expect(byQr).toMatchObject({ allow: false, reason: 'PAYMENT_DUE', amountDueMinor: 300, sign: 'PAY 3.00 GBP', visitId });
    expect(decide(list(unpaid), scan('n1-7'), exitAt(90))).toMatchObject({ amountDueMinor: 300 });
    expect(decide(list(unpaid, {}, 'AB12CDE'), { kind: 'plate', plate: 'AB12CDE', confidence: 0.9, source: 'cam', readId: 'r', at: entered }, exitAt(90))).toMatchObject({ amountDueMinor: 300 });
    expect(decide(list(unpaid), scan('N1-8'), exitAt(90))).toMatchObject({ allow: false, reason: 'NO_VISIT' });
    // the live view the daemon decides from indexes tickets the same way
    const view = new AllowListView({ policy, syncedAt: entered, reservations: [], openVisits: [visit(unpaid)] });
    expect(decide(view, scan('N1-7'), exitAt(90))).toMatchObject({ amountDueMinor: 300 });
    view.apply({ kind: 'exit', visitId, reservationId: null });
    expect(decide(view, scan('N1-7'), exitAt(90))).toMatchObject({ reason: 'NO_VISIT' });
  });

  it('paid: opens until its grace ends, then owes the time since the payment (less nothing twice)', () => {
    const paid: OpenTicket = { ...unpaid, feeMinor: 300, paidAt: at(90), exitBy: at(105), creditsMinor: 300 };
    expect(decide(list(paid), scan('N1-7'), exitAt(105))).toMatchObject({ allow: true, reason: 'EXIT_PAID', sign: 'GOODBYE', amountDueMinor: 0 });
    expect(decide(list(paid), scan('N1-7'), exitAt(120))).toMatchObject({ allow: false, amountDueMinor: 100, sign: 'PAY 1.00 GBP' });
    // anything else the visit owes (EV charging) is owed on top, and no validation takes it off
    const charged = buildAllowList({ policy, syncedAt: entered, reservations: [], openVisits: [{ ...visit(paid), amountDueMinor: 150 }] });
    expect(decide(charged, scan('N1-7'), exitAt(100))).toMatchObject({ allow: false, amountDueMinor: 150, sign: 'PAY 1.50 GBP' });
    // a flat lost-ticket fee does not grow while unpaid
    const lost: OpenTicket = { ...unpaid, lostFeeMinor: 2500 };
    expect(decide(list(lost), scan('N1-7'), exitAt(600))).toMatchObject({ amountDueMinor: 2500, sign: 'PAY 25.00 GBP' });
  });

  it('an amount too long for the sign says where to pay; prices it cannot read send the driver to the attendant', () => {
    const huge: OpenTicket = { ...unpaid, lostFeeMinor: 123_456_789 };
    expect(decide(list(huge), scan('N1-7'), exitAt(10))).toMatchObject({ amountDueMinor: 123_456_789, sign: 'PAY AT KIOSK' });
    expect(decide(list(unpaid, { walkInPrices: undefined }), scan('N1-7'), exitAt(10))).toMatchObject({ allow: false, sign: 'SEE ATTENDANT' });
  });
});

describe('a validation scanned at the exit lane, judged offline', () => {
  const shop: GateValidator = { kind: 'hours', value: 1, dailyLimit: null, usesToday: 0, balanceMinor: null };
  const validators = (v: Partial<GateValidator>) => ({ validators: { SHOP: { ...shop, ...v } } });

  it('takes off what it gives, never more than is owed', () => {
    expect(decide(list(unpaid, validators({})), scan('N1-7'), exitAt(90, 'SHOP'))).toMatchObject({ allow: false, amountDueMinor: 100, validation: { code: 'SHOP', amountMinor: 200 } });
    expect(decide(list(unpaid, validators({ kind: 'percent', value: 100 })), scan('N1-7'), exitAt(90, 'SHOP')))
      .toMatchObject({ allow: true, reason: 'EXIT_PAID', amountDueMinor: 0, validation: { amountMinor: 300 } });
    expect(decide(list(unpaid, validators({ kind: 'amount', value: 5000 })), scan('N1-7'), exitAt(90, 'SHOP'))).toMatchObject({ allow: true, validation: { amountMinor: 300 } });
  });

  it('an unknown code, a spent daily limit or a short balance take nothing off, and say why', () => {
    expect(decide(list(unpaid, validators({})), scan('N1-7'), exitAt(90, 'NOPE'))).toMatchObject({ amountDueMinor: 300, validation: { amountMinor: 0, refused: 'unknown_validator' } });
    expect(decide(list(unpaid, validators({ dailyLimit: 3, usesToday: 3 })), scan('N1-7'), exitAt(90, 'SHOP'))).toMatchObject({ amountDueMinor: 300, validation: { refused: 'daily_limit' } });
    expect(decide(list(unpaid, validators({ balanceMinor: 199 })), scan('N1-7'), exitAt(90, 'SHOP'))).toMatchObject({ amountDueMinor: 300, validation: { refused: 'balance_short' } });
    expect(decide(list(unpaid, validators({ balanceMinor: 200 })), scan('N1-7'), exitAt(90, 'SHOP'))).toMatchObject({ amountDueMinor: 100, validation: { amountMinor: 200 } });
  });
});
