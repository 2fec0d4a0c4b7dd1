// What the dashboard reads and what it can do, as core sees it. These mirror src/tui/dashboard-model.ts
// field for field (core may not import the TUI); src/commands/dashboard.tsx hands them to <Dashboard>,
// so the compiler checks that the two stay the same shape.

export interface DashboardOccupancy {
  readonly key: string;
  readonly label: string;
  readonly total: number;
  readonly free: number;
  readonly held: number;
  readonly reserved: number;
  readonly occupied: number;
  readonly outOfService: number;
}

export type GateBarrier = 'open' | 'closed' | 'fault' | 'unknown';

export interface DashboardGate {
  readonly gateId: string;
  readonly online: boolean;
  readonly lastEventAt: Date | null;
  readonly lastEvent: string | null;
  readonly barrier: GateBarrier;
  readonly manualOpensToday: number;
}

export interface DashboardArrival {
  readonly reservationId: string;
  readonly plate: string;
  readonly spotLabel: string;
  readonly start: Date;
  readonly vehicleType: string;
}

export interface DashboardHold {
  readonly reservationId: string;
  readonly plate: string;
  readonly spotLabel: string;
  readonly holdExpiresAt: Date;
}

export type DashboardAlertKind = 'overstay' | 'no_show' | 'gate_offline' | 'payment_failed' | 'payment_due' | 'manual_open';

export interface DashboardAlert {
  readonly kind: DashboardAlertKind;
  readonly text: string;
  readonly at: Date;
  readonly reservationId?: string;
  readonly plate?: string;
}

export interface DashboardFeedLine {
  readonly id: string;
  readonly at: Date;
  readonly kind: string;
  readonly text: string;
}

export interface DashboardLot {
  readonly code: string;
  readonly name: string;
  readonly state: 'open' | 'full' | 'closed';
  readonly timeZone: string;
}

export interface DashboardData {
  readonly lot: DashboardLot;
  readonly now: Date;
  readonly byZone: readonly DashboardOccupancy[];
  readonly byType: readonly DashboardOccupancy[];
  readonly gates: readonly DashboardGate[];
  readonly arrivals: readonly DashboardArrival[];
  readonly holds: readonly DashboardHold[];
  readonly alerts: readonly DashboardAlert[];
  readonly feed: readonly DashboardFeedLine[];
}

/** State of the live link: 'reconnecting' means what is on screen may be stale. */
export type LiveConnection = 'live' | 'reconnecting' | 'connecting';

export interface FoundBooking {
  readonly reservationId: string;
  readonly plate: string;
  readonly status: string;
  readonly spotLabel: string;
  readonly start: Date;
  readonly end: Date;
  readonly inside: boolean;
}
