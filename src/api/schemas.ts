// JSON schemas shared by the routes: they validate requests, shape responses and make /v1/openapi.json.
// A resource has the shape the CLI's --json prints for it (DESIGN.md invariant 11).
import { vehicleTypes } from '../core/pricing/vehicle-types.js';
import { reservationStatuses } from '../core/sql/reservations.js';

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const nullableString = { type: ['string', 'null'] } as const;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } },
    },
  },
} as const;

export const errorRef = { $ref: 'Error#' } as const;

/** The error answers a route may give, besides its own. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorRef> {
  return Object.fromEntries([400, 401, 429, 503, ...statuses].map((s) => [s, errorRef]));
}

export const vehicleTypeSchema = { type: 'string', enum: [...vehicleTypes] } as const;
export const uuidSchema = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' } as const;
export const lotCodeSchema = { type: 'string', minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$' } as const;
export const plateSchema = { type: 'string', minLength: 1, maxLength: 20 } as const;
/** ISO 8601; lot time unless it carries a zone (as the CLI's --from/--to) */
export const instantSchema = { type: 'string', minLength: 10, maxLength: 40 } as const;

/** A reservation: `booking show --json` (src/core/json/shapes.ts; test/json-shapes.test.ts holds the two to the same fields). */
export const reservationSchema = {
  $id: 'Reservation',
  type: 'object',
  properties: {
    reservationId: { type: 'string' }, lotCode: { type: 'string' }, timeZone: { type: 'string' }, spotLabel: { type: 'string' },
    plate: { type: 'string' }, vehicleType: { type: 'string' }, customerRef: { type: 'string' }, externalRef: nullableString,
    start: dateTime, end: dateTime, status: { type: 'string', enum: [...reservationStatuses] }, holdExpiresAt: nullableDateTime,
    priceMinor: { type: 'integer' }, extensionMinor: { type: 'integer' }, currency: { type: 'string' }, paymentStatus: { type: 'string' },
    paymentProvider: nullableString, paymentRef: nullableString, createdAt: dateTime, updatedAt: dateTime,
  },
} as const;

export const reservationRef = { $ref: 'Reservation#' } as const;

/** `booking reserve --json`: a Reservation and what the call adds. */
export const reserveResultSchema = {
  type: 'object',
  properties: {
    ...reservationSchema.properties, paymentUrl: nullableString,
    paymentError: {
      type: ['object', 'null'],
      properties: { kind: { type: 'string' }, service: { type: 'string' }, message: { type: 'string' }, hint: nullableString },
    },
    created: { type: 'boolean' }, retries: { type: 'integer' },
  },
} as const;

/** `booking complete --json`. */
export const completeResultSchema = {
  type: 'object',
  properties: { ...reservationSchema.properties, rebookedFrom: nullableString },
} as const;

const counts = {
  total: { type: 'integer' }, free: { type: 'integer' }, held: { type: 'integer' }, reserved: { type: 'integer' },
  occupied: { type: 'integer' }, outOfService: { type: 'integer' },
} as const;

export const occupancyGroupSchema = {
  type: 'object',
  properties: { key: { type: 'string' }, label: { type: 'string' }, floor: { type: ['integer', 'null'] }, ...counts },
} as const;

/** `lot show --json`. */
export const lotStatusSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' }, name: { type: 'string' }, state: { type: 'string' }, timeZone: { type: 'string' }, currency: { type: 'string' },
    holdMinutes: { type: 'integer' }, noShowGraceMinutes: { type: 'integer' }, earlyEntryGraceMinutes: { type: 'integer' },
    maxWindowMinutes: { type: 'integer' }, at: dateTime, totals: { type: 'object', properties: counts },
    byZone: { type: 'array', items: occupancyGroupSchema }, byType: { type: 'array', items: occupancyGroupSchema },
    /** a lot with spot sensors: what they sense (issue 16) */
    sensed: {
      type: 'object',
      properties: { sensed: { type: 'integer' }, occupied: { type: 'integer' }, free: { type: 'integer' }, unknown: { type: 'integer' }, faults: { type: 'integer' }, unconfirmed: { type: 'integer' } },
    },
  },
} as const;

/** A visit (`visit arrive --json`'s visit). */
export const visitSchema = {
  type: 'object',
  properties: {
    visitId: { type: 'string' }, reservationId: nullableString, plate: { type: 'string' }, vehicleType: { type: 'string' },
    entryGate: nullableString, enteredAt: dateTime, exitGate: nullableString, exitedAt: nullableDateTime,
    overstayMinutes: { type: 'integer' }, amountDueMinor: { type: 'integer' }, amountPaidMinor: { type: 'integer' },
  },
} as const;

/** What a visit owes and has paid. */
export const visitBalanceSchema = {
  type: 'object',
  properties: {
    visitId: { type: 'string' }, reservationId: nullableString, plate: { type: 'string' }, exitedAt: nullableDateTime,
    amountDueMinor: { type: 'integer' }, amountPaidMinor: { type: 'integer' }, outstandingMinor: { type: 'integer' }, currency: { type: 'string' },
  },
} as const;

/** A payments row (`payments list --json`). */
export const paymentSchema = {
  type: 'object',
  properties: {
    paymentId: { type: 'string' }, reservationId: nullableString, visitId: nullableString, purpose: { type: 'string' },
    amountMinor: { type: 'integer' }, currency: { type: 'string' }, provider: { type: 'string' }, providerRef: nullableString,
    status: { type: 'string' }, refundOfRef: nullableString, note: nullableString, createdAt: dateTime,
  },
} as const;

/** Shared schemas, added to the app once so routes can $ref them. */
export const sharedSchemas = [errorSchema, reservationSchema];
