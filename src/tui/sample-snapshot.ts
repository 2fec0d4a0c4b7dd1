// A small, realistic snapshot for previews (a `parkctl demo` screen) and the dashboard's tests.
// Every time is relative to `now`, so countdowns and "in 12m" read the same whenever it is built.

import type { DashboardSnapshot } from './dashboard-model.js';

const minute = 60_000;

export function sampleSnapshot(now: Date = new Date('2025-06-02T10:00:00Z')): DashboardSnapshot {
  const at = (minutes: number): Date => new Date(now.getTime() + minutes * minute);
  return {
    lot: { code: 'CTR', name: 'Central Garage', state: 'open', timeZone: 'Europe/Berlin' },
    now,
    byZone: [
      { key: 'B1-A', label: 'B1-A', name: 'Basement 1, zone A', floor: -1, total: 85, free: 37, held: 2, reserved: 5, occupied: 40, outOfService: 1 },
      { key: 'B2-B', label: 'B2-B', name: 'Basement 2, zone B', floor: -2, total: 60, free: 0, held: 1, reserved: 9, occupied: 48, outOfService: 2 },
    ],
    byType: [
      { key: 'regular', label: 'regular', total: 120, free: 30, held: 3, reserved: 12, occupied: 74, outOfService: 1 },
      { key: 'ev', label: 'ev', total: 25, free: 7, held: 0, reserved: 2, occupied: 14, outOfService: 2 },
    ],
    gates: [
      { gateId: 'G-IN-1', online: true, lastEventAt: at(-2), lastEvent: 'entry AB123CD allowed', barrier: 'closed', manualOpensToday: 0 },
      { gateId: 'G-OUT-1', online: false, lastEventAt: at(-50), lastEvent: 'exit XY987 paid', barrier: 'unknown', manualOpensToday: 3 },
    ],
    arrivals: [
      { reservationId: 'r-arr-1', plate: 'KL55MN', spotLabel: 'B1-012', start: at(12), vehicleType: 'regular' },
      { reservationId: 'r-arr-2', plate: 'EV1234', spotLabel: 'B2-003', start: at(-3), vehicleType: 'ev' },
      { reservationId: 'r-arr-late', plate: 'FAR0001', spotLabel: 'B1-050', start: at(180), vehicleType: 'regular' },
    ],
    holds: [
      { reservationId: 'r-hold-1', plate: 'HD42XY', spotLabel: 'B1-020', holdExpiresAt: at(4) },
      { reservationId: 'r-hold-2', plate: 'ZZ9PLU', spotLabel: 'B2-044', holdExpiresAt: at(-1) },
    ],
    alerts: [
      { kind: 'overstay', text: 'OV3R 40 min past end, B2-017', at: at(-5), reservationId: 'r-over-1', plate: 'OV3R' },
      { kind: 'gate_offline', text: 'G-OUT-1 silent for 50 min', at: at(-10) },
    ],
    feed: [
      { id: 'e3', at: at(-1), kind: 'reservation.confirmed', text: 'KL55MN paid 12.00 EUR' },
      { id: 'e2', at: at(-2), kind: 'gate.entry', text: 'AB123CD entered at G-IN-1' },
      { id: 'e1', at: at(-4), kind: 'spot.maintenance', text: 'B2-044 out of service: leak' },
    ],
  };
}
