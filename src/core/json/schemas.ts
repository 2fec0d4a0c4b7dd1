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
  visit: visitSchema, overstayMinutes: z.number().int(), extensionMinor: minor, earlyEntryMinor: minor, amountDueMinor: minor,
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

/** Every command's failure under --json (exit code other than 0). */
export const errorSchema = z.object({
  error: z.object({
    code: z.string(), message: z.string(), hint: z.string().optional(), service: z.string().optional(), outcome: z.string().optional(),
    idempotencyKey: z.string().optional(), exitCode: z.number().int(),
  }).strict(),
}).strict();

/** The resources, by the name docs/json-shapes.md gives them. */
export const jsonShapes = {
  Reservation: reservationSchema, ReserveResult: reserveResultSchema, CompleteResult: completeResultSchema, CancelResult: cancelResultSchema,
  PayLink: payLinkSchema, Visit: visitSchema, VisitBalance: visitBalanceSchema, Arrival: arrivalSchema, Departure: departureSchema,
  Payment: paymentSchema, Collected: collectedSchema, HandedBack: handedBackSchema, Lot: lotSchema, LotStatus: lotStatusSchema,
  Capacity: capacitySchema, GateOpen: gateOpenSchema, Sensor: sensorSchema, Error: errorSchema,
} as const;
