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

/** `booking show --json`: a reservation row. */
export const reservationSchema = {
  $id: 'Reservation',
  type: 'object',
  properties: {
    lot_id: { type: 'integer' }, lot_code: { type: 'string' }, time_zone: { type: 'string' }, reservation_id: { type: 'string' },
    customer_ref: { type: 'string' }, plate: { type: 'string' }, vehicle_type: { type: 'string' }, spot_id: { type: 'integer' },
    spot_label: { type: 'string' }, starts_at: dateTime, ends_at: dateTime, status: { type: 'string', enum: [...reservationStatuses] },
    hold_expires_at: nullableDateTime, price_minor: { type: 'integer' }, extension_minor: { type: 'integer' }, currency: { type: 'string' },
    payment_status: { type: 'string' }, payment_provider: nullableString, payment_ref: nullableString, external_ref: nullableString,
    created_at: dateTime, updated_at: dateTime,
  },
} as const;

export const reservationRef = { $ref: 'Reservation#' } as const;

/** `booking reserve --json`. */
export const reserveResultSchema = {
  type: 'object',
  properties: {
    reservationId: { type: 'string' }, lotCode: { type: 'string' }, spotLabel: { type: 'string' }, vehicleType: { type: 'string' },
    plate: { type: 'string' }, customerRef: { type: 'string' }, start: dateTime, end: dateTime, status: { type: 'string' },
    priceMinor: { type: 'integer' }, currency: { type: 'string' }, holdExpiresAt: nullableDateTime, paymentUrl: nullableString,
    paymentProvider: { type: 'string' }, created: { type: 'boolean' }, retries: { type: 'integer' },
  },
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
  },
} as const;

export const visitSchema = {
  type: 'object',
  properties: {
    lot_id: { type: 'integer' }, visit_id: { type: 'string' }, reservation_id: nullableString, plate: { type: 'string' },
    vehicle_type: { type: 'string' }, spot_id: { type: ['integer', 'null'] }, entry_gate: nullableString, entered_at: dateTime,
    exit_gate: nullableString, exited_at: nullableDateTime, overstay_minutes: { type: 'integer' }, amount_due_minor: { type: 'integer' },
    amount_paid_minor: { type: 'integer' },
  },
} as const;

/** Shared schemas, added to the app once so routes can $ref them. */
export const sharedSchemas = [errorSchema, reservationSchema];
