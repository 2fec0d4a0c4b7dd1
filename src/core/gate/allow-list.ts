// The gate's local picture of the lot (DESIGN.md section 4, gate): this lot's confirmed
// reservations and open visits, indexed once per snapshot so a decision is a few Map lookups.
// The daemon rebuilds a snapshot on every sync and swaps it in; a snapshot is never mutated.

import type { EarlyEntryPolicy } from '../lots/early-entry.js';
import type { FloorFree } from './guidance.js';
import type { PricingPolicy } from '../pricing/index.js';
import type { AllowedPermit, PermitPolicy } from './permit-entry.js';
import { normalisePlate } from './plate.js';

export type { AllowedPermit } from './permit-entry.js';

export interface AllowedReservation {
  reservationId: string;
  /** normalised A-Z0-9 */
  plate: string;
  start: Date;
  end: Date;
  status: 'CONFIRMED' | 'CHECKED_IN';
  vehicleType: string;
  spotLabel: string;
  /** owed at the exit for time added after booking (dashboard extend); absent in snapshots from before */
  extensionMinor?: number;
  /** the way to its spot for the lane display ("Level 3 > zone B > L3-B-042"); absent in snapshots from before */
  way?: string;
}

export interface OpenVisit {
  visitId: string;
  plate: string;
  /** null for walk-ins */
  reservationId: string | null;
  enteredAt: Date;
  /** null for walk-ins */
  reservationEnd: Date | null;
  /** already owed (unpaid balance), before the walk-in fee or overstay this gate computes */
  amountDueMinor: number;
  /** as recorded at entry (a walk-in's is priced by it); absent: regular */
  vehicleType?: string;
  /** a permit car's visit: leaves without a fee; counts against its permit's places */
  permitId?: string | null;
  /** validations taken off this stay (a booking's; a ticket's are in its credits) */
  validatedMinor?: number;
  /** a walk-in's ticket (migrations/0032): what it owes is priced by src/core/tickets/fee.ts */
  ticket?: OpenTicket;
}

/** A walk-in's ticket as the exit lane needs it: its number (scanned) and its money. */
export interface OpenTicket {
  number: string;
  feeMinor: number | null;
  paidAt: Date | null;
  exitBy: Date | null;
  lostFeeMinor: number | null;
  /** taken + waived + validated */
  creditsMinor: number;
}

export interface GatePolicy {
  lotCode: string;
  earlyEntryGraceMinutes: number;
  walkInsAllowed: boolean;
  freeSpots: number;
  overstaySlotMinutes: number;
  /** for the overstay estimate */
  ratePerHourMinor: number;
  /** the lot's prices and zone, to price a walk-in's stay at the exit; absent in snapshots saved before */
  walkInPrices?: { timeZone: string; pricing: PricingPolicy };
  /** lots.policy.early_entry (src/core/lots/early-entry.ts); absent: refuse early cars */
  earlyEntry?: EarlyEntryPolicy;
  /** lots.state; absent (older snapshots): open */
  lotState?: 'open' | 'full' | 'closed' | 'closed_to_all';
  /** how permits are judged; absent: no permits in this snapshot */
  permits?: PermitPolicy;
  /** free spots per floor and vehicle type (sensed where sensors are bound): a walk-in's guidance; absent in older snapshots */
  freeByFloor?: FloorFree[];
  /** the lot's currency, for amounts on the sign; absent in older snapshots */
  currency?: string;
  /** validators by code, for a validation scanned at an exit lane (issue 15); absent: none */
  validators?: Record<string, GateValidator>;
}

/** A validator as an exit lane judges it offline; the database has the last word when the exit is synced. */
export interface GateValidator {
  kind: 'percent' | 'amount' | 'hours';
  value: number;
  /** null: no limit */
  dailyLimit: number | null;
  /** validations today (lot time) when the snapshot was taken */
  usesToday: number;
  /** prepaid: the balance then; null: invoiced */
  balanceMinor: number | null;
}

export interface AllowList {
  readonly policy: GatePolicy;
  /** when the snapshot was taken (for staleness display, not for decisions) */
  readonly syncedAt: Date;
  /** reservations for a plate, ordered by start */
  reservationsForPlate(plate: string): readonly AllowedReservation[];
  reservationById(reservationId: string): AllowedReservation | undefined;
  openVisitForPlate(plate: string): OpenVisit | undefined;
  openVisitForReservation(reservationId: string): OpenVisit | undefined;
  /** the open visit of a ticket, by its number or its visit id (a scanned ticket); absent in older views */
  openVisitForTicket?(numberOrVisitId: string): OpenVisit | undefined;
  /** permits naming a plate */
  permitsForPlate(plate: string): readonly AllowedPermit[];
  permitById(permitId: string): AllowedPermit | undefined;
  /** how many of a permit's vehicles are inside */
  openVisitsForPermit(permitId: string): number;
  readonly reservationCount: number;
  readonly openVisitCount: number;
}

export interface AllowListSnapshot {
  policy: GatePolicy;
  syncedAt: Date;
  reservations: readonly AllowedReservation[];
  openVisits: readonly OpenVisit[];
  /** active and suspended permits (absent in snapshots saved before permits) */
  permits?: readonly AllowedPermit[];
}

const noReservations: readonly AllowedReservation[] = Object.freeze([]);
const noPermits: readonly AllowedPermit[] = Object.freeze([]);

/** Permits by plate and by id; dates come back as strings from a saved snapshot. */
export function indexPermits(permits: readonly AllowedPermit[] = []): { byPlate: Map<string, AllowedPermit[]>; byId: Map<string, AllowedPermit> } {
  const byPlate = new Map<string, AllowedPermit[]>();
  const byId = new Map<string, AllowedPermit>();
  for (const raw of permits) {
    const p: AllowedPermit = {
      ...raw, validFrom: new Date(raw.validFrom), validUntil: new Date(raw.validUntil), paidUntil: raw.paidUntil === null ? null : new Date(raw.paidUntil),
    };
    byId.set(p.permitId, p);
    for (const plate of p.plates) {
      const n = normalisePlate(plate);
      if (!n) continue;
      const list = byPlate.get(n);
      if (list) list.push(p);
      else byPlate.set(n, [p]);
    }
  }
  return { byPlate, byId };
}

/** Open visits per permit. */
export function countPermitVisits(visits: Iterable<OpenVisit>): Map<string, number> {
  const n = new Map<string, number>();
  for (const v of visits) if (v.permitId) n.set(v.permitId, (n.get(v.permitId) ?? 0) + 1);
  return n;
}

/**
 * Indexes a snapshot by plate and by reservation id. Plates are re-normalised here so a row
 * synced from an older writer cannot slip past the index; rows whose plate does not normalise
 * are still reachable by reservation id (QR), never by plate.
 */
export function buildAllowList(snapshot: AllowListSnapshot): AllowList {
  const byPlate = new Map<string, AllowedReservation[]>();
  const byId = new Map<string, AllowedReservation>();
  for (const r of snapshot.reservations) {
    const plate = normalisePlate(r.plate);
    const row = plate === r.plate ? r : { ...r, plate: plate ?? r.plate };
    byId.set(row.reservationId, row);
    if (!plate) continue;
    const list = byPlate.get(plate);
    if (list) list.push(row);
    else byPlate.set(plate, [row]);
  }
  for (const list of byPlate.values()) list.sort((a, b) => a.start.getTime() - b.start.getTime());

  const visitByPlate = new Map<string, OpenVisit>();
  const visitByReservation = new Map<string, OpenVisit>();
  const visitByTicket = new Map<string, OpenVisit>();
  for (const v of snapshot.openVisits) {
    const plate = normalisePlate(v.plate);
    if (plate) visitByPlate.set(plate, v);
    if (v.reservationId) visitByReservation.set(v.reservationId, v);
    if (v.ticket) {
      visitByTicket.set(v.ticket.number, v);
      visitByTicket.set(v.visitId, v);
    }
  }

  const permits = indexPermits(snapshot.permits);
  const permitVisits = countPermitVisits(snapshot.openVisits);
  return {
    policy: snapshot.policy,
    syncedAt: snapshot.syncedAt,
    reservationsForPlate: (plate) => byPlate.get(plate) ?? noReservations,
    reservationById: (id) => byId.get(id),
    openVisitForPlate: (plate) => visitByPlate.get(plate),
    openVisitForReservation: (id) => visitByReservation.get(id),
    openVisitForTicket: (code) => visitByTicket.get(code),
    permitsForPlate: (plate) => permits.byPlate.get(plate) ?? noPermits,
    permitById: (id) => permits.byId.get(id),
    openVisitsForPermit: (id) => permitVisits.get(id) ?? 0,
    reservationCount: byId.size,
    openVisitCount: snapshot.openVisits.length,
  };
}
