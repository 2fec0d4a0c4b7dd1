// One JSON shape per resource (DESIGN.md invariant 11, issue 13): every command's --json, the HTTP API and
// exports print a reservation, a visit, a payment ... through these functions, in camelCase. Times stay
// Date objects here: JSON.stringify (and the API's serialiser) write them as ISO 8601 in UTC.
// The shapes are documented in docs/json-shapes.md and described for validation in ./schemas.ts.
import type { PaymentRow, VisitMoneyRow } from '../sql/payments.js';
import type { Lot } from '../lots/lot.js';
import type { LotRow } from '../sql/lots.js';
import type { ReservationRow } from '../sql/reservations.js';
import type { VisitRow } from '../sql/visits.js';
import type { ValidatorRow } from '../sql/validations.js';
import type { TicketView } from '../tickets/tickets.js';

export interface ReservationJson {
  reservationId: string;
  lotCode: string;
  /** the lot's IANA zone, in which people see its times */
  timeZone: string;
  spotLabel: string;
  plate: string;
  vehicleType: string;
  customerRef: string;
  externalRef: string | null;
  /** window start, inclusive */
  start: Date;
  /** window end, exclusive */
  end: Date;
  status: string;
  holdExpiresAt: Date | null;
  priceMinor: number;
  extensionMinor: number;
  currency: string;
  paymentStatus: string;
  paymentProvider: string | null;
  paymentRef: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function reservationJson(r: ReservationRow): ReservationJson {
  return {
    reservationId: r.reservation_id, lotCode: r.lot_code, timeZone: r.time_zone, spotLabel: r.spot_label, plate: r.plate,
    vehicleType: r.vehicle_type, customerRef: r.customer_ref, externalRef: r.external_ref, start: r.starts_at, end: r.ends_at,
    status: r.status, holdExpiresAt: r.hold_expires_at, priceMinor: r.price_minor, extensionMinor: r.extension_minor,
    currency: r.currency, paymentStatus: r.payment_status, paymentProvider: r.payment_provider, paymentRef: r.payment_ref,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export interface VisitJson {
  visitId: string;
  /** null for a walk-in */
  reservationId: string | null;
  plate: string;
  vehicleType: string;
  entryGate: string | null;
  enteredAt: Date;
  exitGate: string | null;
  exitedAt: Date | null;
  overstayMinutes: number;
  amountDueMinor: number;
  amountPaidMinor: number;
}

export function visitJson(v: VisitRow): VisitJson {
  return {
    visitId: v.visit_id, reservationId: v.reservation_id, plate: v.plate, vehicleType: v.vehicle_type, entryGate: v.entry_gate,
    enteredAt: v.entered_at, exitGate: v.exit_gate, exitedAt: v.exited_at, overstayMinutes: v.overstay_minutes,
    amountDueMinor: v.amount_due_minor, amountPaidMinor: v.amount_paid_minor,
  };
}

/** What a visit owes and has paid: the exit's money view of a visit. */
export interface VisitBalanceJson {
  visitId: string;
  reservationId: string | null;
  plate: string;
  exitedAt: Date | null;
  amountDueMinor: number;
  amountPaidMinor: number;
  /** still to take: due less paid, never below 0 */
  outstandingMinor: number;
  currency: string;
}

export function visitBalanceJson(v: VisitMoneyRow): VisitBalanceJson {
  return {
    visitId: v.visit_id, reservationId: v.reservation_id, plate: v.plate, exitedAt: v.exited_at, amountDueMinor: v.amount_due_minor,
    amountPaidMinor: v.amount_paid_minor, outstandingMinor: Math.max(0, v.amount_due_minor - v.amount_paid_minor), currency: v.currency,
  };
}

export interface PaymentJson {
  paymentId: string;
  reservationId: string | null;
  visitId: string | null;
  /** reservation, overstay, walk_in, refund, ... */
  purpose: string;
  /** always positive; a refund row gives it back */
  amountMinor: number;
  currency: string;
  provider: string;
  providerRef: string | null;
  status: string;
  /** refund rows: the provider's reference of the payment given back */
  refundOfRef: string | null;
  note: string | null;
  createdAt: Date;
}

export function paymentJson(p: PaymentRow): PaymentJson {
  return {
    paymentId: p.payment_id, reservationId: p.reservation_id, visitId: p.visit_id, purpose: p.purpose, amountMinor: p.amount_minor,
    currency: p.currency, provider: p.provider, providerRef: p.provider_ref, status: p.status, refundOfRef: p.refund_of_ref, note: p.note,
    createdAt: p.created_at,
  };
}

export interface OccupancyCountsJson {
  total: number;
  free: number;
  held: number;
  reserved: number;
  occupied: number;
  outOfService: number;
}

/** A lot: its settings and its live totals. `lot show` adds the counts by zone and by vehicle type. */
export interface LotJson {
  code: string;
  name: string;
  state: string;
  timeZone: string;
  currency: string;
  holdMinutes: number;
  noShowGraceMinutes: number;
  earlyEntryGraceMinutes: number;
  maxWindowMinutes: number;
  /** the instant the counts are for */
  at: Date;
  totals: OccupancyCountsJson;
}

type LotSettings = Pick<Lot, 'code' | 'name' | 'state' | 'timeZone' | 'currency' | 'holdMinutes' | 'noShowGraceMinutes' | 'earlyEntryGraceMinutes' | 'maxWindowMinutes'>;

/** A lot row (lot list) or a loaded lot (lot show), with its counts at an instant. */
export function lotJson(l: LotRow | LotSettings, occupancy: { at: Date; totals: OccupancyCountsJson }): LotJson {
  const s: LotSettings = 'time_zone' in l ? {
    code: l.code, name: l.name, state: l.state, timeZone: l.time_zone, currency: l.currency, holdMinutes: l.hold_minutes,
    noShowGraceMinutes: l.no_show_grace_minutes, earlyEntryGraceMinutes: l.early_entry_grace_minutes, maxWindowMinutes: l.max_window_minutes,
  } : l;
  return {
    code: s.code, name: s.name, state: s.state, timeZone: s.timeZone, currency: s.currency, holdMinutes: s.holdMinutes,
    noShowGraceMinutes: s.noShowGraceMinutes, earlyEntryGraceMinutes: s.earlyEntryGraceMinutes, maxWindowMinutes: s.maxWindowMinutes,
    at: occupancy.at, totals: { ...occupancy.totals },
  };
}

/** A drive-up ticket (issue 15), with what it owes at the time asked. */
export interface TicketJson {
  number: string;
  lot: string;
  visitId: string;
  /** open | paid | used | lost */
  status: string;
  /** the plate read at the entry; null when none was */
  plate: string | null;
  issuedAt: Date;
  enteredAt: Date;
  exitedAt: Date | null;
  gate: string | null;
  currency: string;
  /** the stay priced now (the fee paid against, within the grace); null when the lot's rules cannot price it */
  chargeMinor: number | null;
  paidMinor: number;
  waivedMinor: number;
  waiveReason: string | null;
  validatedMinor: number;
  dueMinor: number | null;
  paidAt: Date | null;
  /** a paid ticket may leave until then */
  exitBy: Date | null;
  /** a replacement: the lost ticket's id */
  replaces: string | null;
  /** a replacement priced flat (no proven entry) */
  lostFeeMinor: number | null;
}

export function ticketJson(v: TicketView, lotCode: string): TicketJson {
  const t = v.ticket;
  return {
    number: t.number, lot: lotCode, visitId: t.visit_id, status: t.status, plate: t.plate, issuedAt: t.issued_at, enteredAt: t.entered_at,
    exitedAt: t.exited_at, gate: t.gate, currency: v.currency, chargeMinor: v.chargeMinor, paidMinor: t.amount_paid_minor, waivedMinor: t.waived_minor,
    waiveReason: t.waive_reason, validatedMinor: t.validated_minor, dueMinor: v.dueMinor, paidAt: t.paid_at, exitBy: t.exit_by, replaces: t.replaces,
    lostFeeMinor: t.lost_fee_minor,
  };
}

/** A validator (issue 15): a shop, a hotel, a cinema taking parking off its customers' fee. */
export interface ValidatorJson {
  code: string;
  lot: string;
  name: string;
  /** percent | amount | hours */
  kind: string;
  /** percent 1-100, minor units, or whole hours */
  value: number;
  dailyLimit: number | null;
  /** prepaid | invoice */
  billing: string;
  /** prepaid: what is left; invoiced: null */
  balanceMinor: number | null;
  currency: string;
  active: boolean;
  createdAt: Date;
  /** `validator show` only: validations today (lot time) */
  usesToday?: number;
}

export function validatorJson(v: ValidatorRow, lotCode: string, usesToday?: number): ValidatorJson {
  return {
    code: v.code, lot: lotCode, name: v.name, kind: v.kind, value: Number(v.value), dailyLimit: v.daily_limit, billing: v.billing,
    balanceMinor: v.billing === 'prepaid' ? Number(v.balance_minor) : null, currency: v.currency, active: v.active, createdAt: v.created_at,
    ...(usesToday !== undefined ? { usesToday } : {}),
  };
}

/**
 * Reports (issue 17) are built camelCase by src/core/reports (one object per report: Report, and
 * ReportExplanation for --explain); re-exported here so the shapes are found in one place.
 */
export type { Report as ReportJson } from '../reports/reports.js';
export type { Explanation as ReportExplanationJson } from '../reports/explain.js';
