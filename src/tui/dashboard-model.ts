// The attendant dashboard's view-model: plain data in (defined in core, src/core/dashboard/types.ts),
// callbacks out. The screen is testable with literal objects.
import type { ReportsSummary } from '../core/reports/summary.js';

export type {
  OccupancyRow,
  BarrierState,
  GateRow,
  ArrivalRow,
  HoldRow,
  AlertKind,
  AlertRow,
  FeedRow,
  LotState,
  LotSummary,
  DashboardSnapshot,
  Connection,
  FoundReservation,
  PanelCounts,
  SpotCell,
  SpotState,
} from '../core/dashboard/types.js';
import type { FoundReservation, SpotCell } from '../core/dashboard/types.js';

/**
 * What the attendant can do. Each resolves with a one-line result for the status line
 * ("AB123CD checked in, B2-017") and rejects with an Error whose message (and optional `hint`)
 * is shown as is. The screen never lets a rejection escape.
 */
export interface DashboardActions {
  /** the floor view (f): the spots of one zone, by its code, with their states now */
  zoneSpots(zoneCode: string): Promise<readonly SpotCell[]>;
  /** plate (any spacing/case) or reservation id (or its prefix) */
  find(query: string): Promise<readonly FoundReservation[]>;
  /** `early`: the attendant lets a booked car in before its entry opens (audited with the reason; the early time is due at exit) */
  checkIn(reservationId: string, early?: { reason: string }): Promise<string>;
  /** a reservation id when one is selected, else a plate typed by the attendant (walk-ins) */
  checkOut(plateOrReservation: string): Promise<string>;
  /** manual open, logged with the reason (never empty) */
  openBarrier(gateId: string, reason: string): Promise<string>;
  cancel(reservationId: string): Promise<string>;
  /** the cash refund due for this reservation was handed back at the desk (`parkctl payments hand-back`) */
  handBack(reservationId: string): Promise<string>;
  extend(reservationId: string, minutes: number): Promise<string>;
  /** outOfService true takes the spot out (maintenance), false returns it; reason never empty */
  setSpotOutOfService(spotLabel: string, outOfService: boolean, reason: string): Promise<string>;
  /** the Reports screen (R): today's figures against the typical day; absent, R says reports are not available */
  reports?(): Promise<ReportsSummary>;
}

/** The reservation the next i/o/c/e applies to: picked with the arrows or from a search. */
export interface Selection {
  readonly reservationId: string;
  readonly plate: string;
  readonly spotLabel: string;
}
