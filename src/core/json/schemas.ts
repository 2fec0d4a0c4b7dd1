// The JSON shapes of ./shapes.ts as they arrive on the wire (times are ISO 8601 strings in UTC), for tests,
// for the HTTP API's schemas (z.toJSONSchema) and for docs/json-shapes.md. Strict: a field that is not
// documented here fails validation, so a command cannot drift from its resource's shape unnoticed.
// Not imported by the commands themselves: a one-shot command does not load zod to print (issue 13).
import { z } from 'zod';
import { vehicleTypes } from '../pricing/vehicle-types.js';
import { reservationStatuses } from '../sql/reservations.js';

const instant = z.iso.datetime({ offset: true });
const minor = z.number().int();
const id = z.uuid();

export const reservationSchema = z.object({
  reservationId: id, lotCode: z.string(), timeZone: z.string(), spotLabel: z.string(), plate: z.string(),
  vehicleType: z.enum(vehicleTypes), customerRef: z.string(), externalRef: z.string().nullable(),
  start: instant, end: instant, status: z.enum(reservationStatuses as [string, ...string[]]), holdExpiresAt: instant.nullable(),
  priceMinor: minor, extensionMinor: minor, currency: z.string().length(3), paymentStatus: z.string(),
  paymentProvider: z.string().nullable(), paymentRef: z.string().nullable(), createdAt: instant, updatedAt: instant,
}).strict();

const paymentLinkErrorSchema = z.object({
  kind: z.string(), service: z.string(), message: z.string(), hint: z.string().nullable(),
}).strict();

/** `booking reserve`: a Reservation and what the call adds. */
export const reserveResultSchema = reservationSchema.extend({
  paymentUrl: z.string().nullable(), paymentError: paymentLinkErrorSchema.nullable(), created: z.boolean(), retries: z.number().int(),
}).strict();

/** `booking complete`: a Reservation; rebookedFrom names the expired hold a late payment booked again. */
export const completeResultSchema = reservationSchema.extend({ rebookedFrom: id.nullable() }).strict();

const refundSummarySchema = z.object({
  amountMinor: minor, currency: z.string(), percent: z.number(), band: z.string(), status: z.string().nullable(),
  provider: z.string().nullable(), paymentId: id.nullable(),
}).strict();

/** `booking cancel`: a Reservation and the refund the lot's policy gave. */
export const cancelResultSchema = reservationSchema.extend({ refund: refundSummarySchema.nullable() }).strict();

export const payLinkSchema = z.object({
  reservation: reservationSchema, provider: z.string(), paymentUrl: z.string(), checkoutRef: z.string().nullable(),
}).strict();

export const visitSchema = z.object({
  visitId: id, reservationId: id.nullable(), plate: z.string(), vehicleType: z.enum(vehicleTypes), entryGate: z.string().nullable(),
  enteredAt: instant, exitGate: z.string().nullable(), exitedAt: instant.nullable(), overstayMinutes: z.number().int(),
  amountDueMinor: minor, amountPaidMinor: minor,
}).strict();

export const visitBalanceSchema = z.object({
  visitId: id, reservationId: id.nullable(), plate: z.string(), exitedAt: instant.nullable(), amountDueMinor: minor,
  amountPaidMinor: minor, outstandingMinor: minor, currency: z.string().length(3),
}).strict();

const earlyEntrySchema = z.object({
  opensAt: instant, earlyMinutes: z.number().int(), feeMinor: minor, override: z.boolean(), reason: z.string(),
}).strict();

export const arrivalSchema = z.object({
  visit: visitSchema, spotLabel: z.string().nullable(), reservationEnd: instant.nullable(), earlyEntry: earlyEntrySchema.nullable(),
}).strict();

const overstayChargeSchema = z.object({
  paid: z.boolean(), amountMinor: minor, providerRef: z.string().nullable(), reason: z.string().optional(), inDoubt: z.boolean().optional(),
}).strict();

export const departureSchema = z.object({
  visit: visitSchema, overstayMinutes: z.number().int(), extensionMinor: minor, earlyEntryMinor: minor, chargingMinor: minor, amountDueMinor: minor,
  currency: z.string().length(3), releasedEarly: z.boolean(), charge: overstayChargeSchema.nullable(), amountOutstandingMinor: minor,
}).strict();

export const paymentSchema = z.object({
  paymentId: id, reservationId: id.nullable(), visitId: id.nullable(), purpose: z.string(), amountMinor: minor,
  currency: z.string().length(3), provider: z.string(), providerRef: z.string().nullable(), status: z.string(),
  refundOfRef: z.string().nullable(), note: z.string().nullable(), createdAt: instant,
}).strict();

/** `payments collect`: the payment taken and the visit's balance after it. */
export const collectedSchema = z.object({ payment: paymentSchema, visit: visitBalanceSchema, outstandingMinor: minor }).strict();

/** `payments hand-back`: the refunds paid out at the desk. */
export const handedBackSchema = z.object({
  refunds: z.array(paymentSchema), amountMinor: minor, currency: z.string().length(3), plate: z.string(),
}).strict();

const countsShape = {
  total: z.number().int(), free: z.number().int(), held: z.number().int(), reserved: z.number().int(),
  occupied: z.number().int(), outOfService: z.number().int(),
};

export const occupancyGroupSchema = z.object({ key: z.string(), label: z.string(), floor: z.number().int().nullable(), ...countsShape }).strict();

export const lotSchema = z.object({
  code: z.string(), name: z.string(), state: z.enum(['open', 'full', 'closed']), timeZone: z.string(), currency: z.string().length(3),
  holdMinutes: z.number().int(), noShowGraceMinutes: z.number().int(), earlyEntryGraceMinutes: z.number().int(),
  maxWindowMinutes: z.number().int(), at: instant, totals: z.object(countsShape).strict(),
}).strict();

/** What a lot's spot sensors sense (issue 16): spots with a sensor, and how many of them are occupied, free, unknown. */
export const sensedCountsSchema = z.object({
  sensed: z.number().int(), occupied: z.number().int(), free: z.number().int(), unknown: z.number().int(), faults: z.number().int(), unconfirmed: z.number().int(),
}).strict();

/** `lot show`: a Lot with its counts by zone and by vehicle type; `sensed` when the lot has sensors. */
export const lotStatusSchema = lotSchema.extend({
  byZone: z.array(occupancyGroupSchema), byType: z.array(occupancyGroupSchema), sensed: sensedCountsSchema.optional(),
}).strict();

const sensedValue = z.enum(['free', 'occupied']);

/** `sensors list` (an array), `lot spot bind-sensor`: a spot sensor and what it senses. */
export const sensorSchema = z.object({
  sensorId: z.string(), spotLabel: z.string(), floor: z.number().int(), zone: z.string(), vendor: z.string(), heartbeatSeconds: z.number().int(),
  state: z.enum(['free', 'occupied', 'unknown']), stateSince: instant.nullable(), unconfirmed: sensedValue.nullable(), lastReading: sensedValue.nullable(),
  confidence: z.number().nullable(), batteryPct: z.number().nullable(), lastHeardAt: instant.nullable(), fault: z.string().nullable(), boundAt: instant,
}).strict();

const quoteSchema = z.object({
  totalMinor: minor, subtotalMinor: minor, surchargeMinor: minor, surchargePercent: z.number(), taxMinor: minor,
  capApplied: z.boolean(), freeMinutesApplied: z.boolean(), segments: z.array(z.record(z.string(), z.unknown())),
  days: z.array(z.object({ localDate: z.string(), amountMinor: minor, chargedMinor: minor, capApplied: z.boolean() }).strict()),
}).strict();

/** `capacity check`: free spots of a type for a window, and its price. */
export const capacitySchema = z.object({
  lotCode: z.string(), vehicleType: z.enum(vehicleTypes), start: instant, end: instant, free: z.number().int(), total: z.number().int(),
  quote: quoteSchema, source: z.enum(['cache', 'database']),
}).strict();

/** `gate open`: a barrier opened by hand. */
export const gateOpenSchema = z.object({
  gate: z.string(), lot: z.string(), commandId: z.union([z.string(), z.number()]), result: z.string(), by: z.string(), reason: z.string(),
}).strict();

const bucketFields = { bucket: instant, label: z.string() };
const reportRowSchemas = [
  z.object({ ...bucketFields, method: z.string(), payments: z.number().int(), paidMinor: minor, refunds: z.number().int(), refundedMinor: minor, netMinor: minor }).strict(),
  z.object({
    ...bucketFields, capacity: z.number().int(), averageOccupied: z.number(), occupancyPercent: z.number(), peakHour: instant.nullable(),
    peakOccupied: z.number(), entries: z.number().int(), exits: z.number().int(),
  }).strict(),
  z.object({ ...bucketFields, spots: z.number().int(), entries: z.number().int(), exits: z.number().int(), turnover: z.number(), averageStayMinutes: z.number().int().nullable() }).strict(),
  z.object({ ...bucketFields, noShows: z.number().int(), bookedArrivals: z.number().int(), noShowPercent: z.number(), noShowMinor: minor }).strict(),
  z.object({
    ...bucketFields, manualOpens: z.number().int(), manualOpensFailed: z.number().int(), overrides: z.number().int(), lostTickets: z.number().int(),
    paymentsFailed: z.number().int(), nilPayments: z.number().int(), leftOwing: z.number().int(), total: z.number().int(),
  }).strict(),
  z.object({
    ...bucketFields, entries: z.number().int(), exits: z.number().int(), unpaidExits: z.number().int(), dueAtExitMinor: minor, paidAtExitMinor: minor,
    cashInMinor: minor, cashRefundedMinor: minor, cashNetMinor: minor,
  }).strict(),
] as const;
const reportKindSchema = z.enum(['revenue', 'occupancy', 'turnover', 'no-shows', 'exceptions', 'takings']);

/** `report <kind>`: the buckets of one report and its totals over the period. */
export const reportSchema = z.object({
  report: reportKindSchema, lot: z.string(), currency: z.string().length(3), timeZone: z.string(), from: instant, to: instant,
  by: z.enum(['hour', 'day', 'week', 'month']), vehicleType: z.enum(vehicleTypes).nullable(),
  rows: z.array(z.union(reportRowSchemas)), totals: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
}).strict();

/** `report <kind> --explain BUCKET`: the raw rows behind one bucket. */
export const reportExplanationSchema = z.object({
  report: reportKindSchema, lot: z.string(), currency: z.string().length(3), timeZone: z.string(), from: instant, to: instant,
  source: z.enum(['payments', 'visits', 'reservations', 'events']), prunedBefore: instant.nullable(), rows: z.array(z.record(z.string(), z.unknown())),
}).strict();

/** `report refresh`: per lot, the hours recomputed. */
export const rollupRefreshSchema = z.object({ lot: z.string(), from: instant, to: instant, ms: z.number().int() }).strict();

/** `db prune`: what was exported and deleted. */
export const pruneSchema = z.object({
  olderThanDays: z.number().int(), cutoff: instant, dryRun: z.boolean(), exportDir: z.string().nullable(),
  tables: z.array(z.object({ table: z.string(), deleted: z.number().int(), file: z.string().nullable() }).strict()),
}).strict();

/** Every command's failure under --json (exit code other than 0). */
export const errorSchema = z.object({
  error: z.object({
    code: z.string(), message: z.string(), hint: z.string().optional(), service: z.string().optional(), outcome: z.string().optional(),
    idempotencyKey: z.string().optional(), exitCode: z.number().int(),
  }).strict(),
}).strict();

/** A drive-up ticket (issue 15): `ticket list` (an array), `ticket show`; `ticket pay` adds takenMinor, `ticket lost` lost and pricedBy. */
export const ticketSchema = z.object({
  number: z.string(), lot: z.string(), visitId: id, status: z.enum(['open', 'paid', 'used', 'lost']), plate: z.string().nullable(),
  issuedAt: instant, enteredAt: instant, exitedAt: instant.nullable(), gate: z.string().nullable(), currency: z.string().length(3),
  chargeMinor: minor.nullable(), paidMinor: minor, waivedMinor: minor, waiveReason: z.string().nullable(), validatedMinor: minor,
  dueMinor: minor.nullable(), paidAt: instant.nullable(), exitBy: instant.nullable(), replaces: id.nullable(), lostFeeMinor: minor.nullable(),
}).strict();
export const ticketPaidSchema = ticketSchema.extend({ takenMinor: minor }).strict();
export const ticketReplacedSchema = ticketSchema.extend({ lost: z.string().nullable(), pricedBy: z.enum(['entry', 'flat']) }).strict();
export const ticketPayLinkSchema = z.object({
  number: z.string(), lot: z.string(), paymentUrl: z.string(), providerRef: z.string().nullable(), amountMinor: minor, currency: z.string().length(3),
}).strict();

/** A validator (issue 15): `validation validator add|list|show|topup`; `show` adds usesToday. */
export const validatorSchema = z.object({
  code: z.string(), lot: z.string(), name: z.string(), kind: z.enum(['percent', 'amount', 'hours']), value: z.number().int().positive(),
  dailyLimit: z.number().int().positive().nullable(), billing: z.enum(['prepaid', 'invoice']), balanceMinor: minor.nullable(),
  currency: z.string().length(3), active: z.boolean(), createdAt: instant, usesToday: z.number().int().optional(),
}).strict();
/** `validation apply`. */
export const validationSchema = z.object({
  validator: z.string(), lot: z.string(), ticket: z.string().nullable(), visitId: id.nullable(), bookingId: id.nullable(), amountMinor: minor,
  dueBeforeMinor: minor, dueAfterMinor: minor, currency: z.string().length(3), balanceMinor: minor.nullable(), appliedAt: instant,
}).strict();
/** `validation report`. */
export const validationReportSchema = z.object({
  validator: z.string(), name: z.string(), lot: z.string(), billing: z.enum(['prepaid', 'invoice']), from: z.iso.date(), to: z.iso.date(),
  currency: z.string().length(3), uses: z.number().int(), amountMinor: minor, topupsMinor: minor, balanceMinor: minor.nullable(),
  days: z.array(z.object({ day: z.iso.date(), uses: z.number().int(), amountMinor: minor }).strict()),
}).strict();

/** The resources, by the name docs/json-shapes.md gives them. */
/** `ev status --json` (issue 16): a connector of a charge point, its spot and the session plugged in. */
export const evConnectorSchema = z.object({
  chargePointId: z.string(), connectorId: z.number().int(), spotLabel: z.string(), status: z.string(), errorCode: z.string(),
  statusAt: instant.nullable(), vendor: z.string().nullable(), model: z.string().nullable(), firmwareVersion: z.string().nullable(),
  lastHeartbeatAt: instant.nullable(), hasCredentials: z.boolean(),
  session: z.object({
    transactionId: z.number().int(), idTag: z.string(), plate: z.string().nullable(), powerW: z.number().nullable(), energyWh: z.number(),
    startedAt: instant, stoppedAt: instant.nullable(), idleSince: instant.nullable(), idleMinutes: z.number().int(), chargeMinor: minor,
  }).strict().nullable(),
}).strict();

export const jsonShapes = {
  Reservation: reservationSchema, ReserveResult: reserveResultSchema, CompleteResult: completeResultSchema, CancelResult: cancelResultSchema,
  PayLink: payLinkSchema, Visit: visitSchema, VisitBalance: visitBalanceSchema, Arrival: arrivalSchema, Departure: departureSchema,
  Payment: paymentSchema, Collected: collectedSchema, HandedBack: handedBackSchema, Lot: lotSchema, LotStatus: lotStatusSchema,
  Capacity: capacitySchema, GateOpen: gateOpenSchema, Report: reportSchema, ReportExplanation: reportExplanationSchema,
  RollupRefresh: rollupRefreshSchema, Prune: pruneSchema, Error: errorSchema, EvConnector: evConnectorSchema, Sensor: sensorSchema,
  Ticket: ticketSchema, TicketPaid: ticketPaidSchema, TicketReplaced: ticketReplacedSchema, TicketPayLink: ticketPayLinkSchema,
  Validator: validatorSchema, Validation: validationSchema, ValidationReport: validationReportSchema,
} as const;
