// What the dashboard reads, as plain data: core fills it from SQL (snapshot.ts) and refreshes it on
// NOTIFY (live.ts); the Ink screen (src/tui) only reads it. Nothing here knows PostgreSQL, drivers or Ink.

/** One line of the occupancy bars: a floor/zone, or a vehicle type. Counts are spots right now. */
export interface OccupancyRow {
  /** stable React key: zone id or vehicle type */
  readonly key: string;
  /** what the attendant reads, short enough for 80 columns: the zone's code ("L0-A"), or the type ("ev") */
  readonly label: string;
  /** a zone's full name ("Level 0, zone A"), for where there is room (the floor view) */
  readonly name?: string;
  /** a zone's floor; absent on type rows */
  readonly floor?: number;
  /** spots in this zone/type, out-of-service ones included */
  readonly total: number;
  /** active spots with no live reservation or visit covering now */
  readonly free: number;
  /** spots held by a TENTATIVE reservation (unpaid, hold not expired) */
  readonly held: number;
  /** spots with a CONFIRMED reservation covering now whose vehicle has not entered */
  readonly reserved: number;
  /** spots with a vehicle inside (CHECKED_IN reservation or open walk-in visit) */
  readonly occupied: number;
  /** spots in maintenance (spots.status = 'maintenance') */
  readonly outOfService: number;
}

export type BarrierState = 'open' | 'closed' | 'fault' | 'unknown';

/** One gate (barrier lane). */
export interface GateRow {
  readonly gateId: string;
  /** the gate daemon has synced recently; false shows the gate as OFFLINE */
  readonly online: boolean;
  /** occurred_at of the gate's last event; null if it never sent one */
  readonly lastEventAt: Date | null;
  /** short text of the last event: "entry AB123CD allowed", "exit XY9 paid" */
  readonly lastEvent: string | null;
  readonly barrier: BarrierState;
  /** manual opens logged today (lot time zone); a high number is worth a look */
  readonly manualOpensToday: number;
}

/** A reservation expected soon: CONFIRMED, not checked in, start within the next 60 minutes (late ones may be included). */
export interface ArrivalRow {
  readonly reservationId: string;
  /** normalised plate: upper case, no spaces/dashes */
  readonly plate: string;
  readonly spotLabel: string;
  /** reservation window start */
  readonly start: Date;
  readonly vehicleType: string;
}

/** A TENTATIVE reservation waiting for payment. */
export interface HoldRow {
  readonly reservationId: string;
  readonly plate: string;
  readonly spotLabel: string;
  /** when the hold sweeper expires it; the panel counts down to this */
  readonly holdExpiresAt: Date;
}

/** refund_due: cash the desk owes a customer (a cancellation refund of a cash payment) until handed back */
export type AlertKind = 'overstay' | 'no_show' | 'gate_offline' | 'payment_failed' | 'payment_due' | 'refund_due' | 'manual_open' | 'booking_moved' | 'no_spot'
  /** spot sensors (issue 16): a sensor fault, an unknown car, a car in someone else's spot, "parked elsewhere?" */
  | 'sensor'
  /** EV chargers (issue 16) */
  | 'ev_fault' | 'ev_idle' | 'ev_silent';

/** Something an attendant should act on. Newest first. */
export interface AlertRow {
  readonly kind: AlertKind;
  /** one line, already worded for people: "AB123CD 40 min past end, B2-017" */
  readonly text: string;
  readonly at: Date;
  /** set when the alert is about a reservation: the row becomes selectable */
  readonly reservationId?: string;
  /** plate shown when the row is selected (optional) */
  readonly plate?: string;
}

/** One line of the live event feed (the `events` audit table). Newest first. */
export interface FeedRow {
  /** event id, used as React key */
  readonly id: string;
  readonly at: Date;
  /** event kind as stored: "reservation.confirmed", "gate.entry", "spot.maintenance" */
  readonly kind: string;
  readonly text: string;
}

export type LotState = 'open' | 'full' | 'closed' | 'closed_to_all';

export interface LotSummary {
  readonly code: string;
  readonly name: string;
  readonly state: LotState;
  /** IANA zone, e.g. "Europe/Berlin": every time on screen is shown in it */
  readonly timeZone: string;
}

/** How many rows each list has in all: the lists are read with a limit, so their length stops there. */
export interface PanelCounts {
  readonly holds: number;
  /** arrivals in the arrivals panel's window */
  readonly arrivals: number;
  readonly alerts: number;
}

/** Everything on screen, read in one go. */
export interface DashboardSnapshot {
  readonly lot: LotSummary;
  /** the instant the snapshot was read (the program's Clock, so --now works); countdowns tick on locally from it */
  readonly now: Date;
  readonly byZone: readonly OccupancyRow[];
  readonly byType: readonly OccupancyRow[];
  readonly gates: readonly GateRow[];
  /** soonest first */
  readonly arrivals: readonly ArrivalRow[];
  /** soonest expiry first */
  readonly holds: readonly HoldRow[];
  /** newest first */
  readonly alerts: readonly AlertRow[];
  /** newest first; the screen shows as many as fit */
  readonly feed: readonly FeedRow[];
  /** true totals of the lists above; without them the screen counts the rows it was given */
  readonly counts?: PanelCounts;
}

/** State of the live-data link (LISTEN connection). 'reconnecting' means the screen may be stale. */
export type Connection = 'live' | 'reconnecting' | 'connecting';

/** A search hit from `/`. */
export interface FoundReservation {
  readonly reservationId: string;
  readonly plate: string;
  /** reservation status as stored: CONFIRMED, CHECKED_IN, ... */
  readonly status: string;
  readonly spotLabel: string;
  readonly start: Date;
  readonly end: Date;
  /** the vehicle is inside now (open visit) */
  readonly inside: boolean;
}

/** A spot on the floor view: free, held (unpaid hold), booked (confirmed booking of now, car not in), occupied, out of service. */
export type SpotState = 'free' | 'held' | 'booked' | 'occupied' | 'out_of_service';

/** One spot of a zone as the floor view draws it, with what the attendant reads under the cursor. */
export interface SpotCell {
  readonly label: string;
  readonly vehicleType: string;
  readonly state: SpotState;
  /** the booking or car holding it now */
  readonly holder?: {
    readonly reservationId: string;
    readonly plate: string;
    /** CHECKED_IN, CONFIRMED, TENTATIVE */
    readonly status: string;
    readonly start: Date;
    readonly end: Date;
    /** a hold's expiry */
    readonly holdExpiresAt?: Date;
  };
  /** the next booking on it after now */
  readonly next?: { readonly plate: string; readonly start: Date };
  /** what its sensor senses, where it has one (issue 16) */
  readonly sensed?: 'free' | 'occupied' | 'unknown';
  /** why its sensor is at fault (silent past its heartbeat) */
  readonly sensorFault?: string;
}
