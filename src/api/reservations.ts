// Reservations: create (a held spot, its price, hold expiry and payment URL), complete with a payment
// token, get, cancel (the lot's refund policy), extend (priced as the dashboard's extend), and a
// customer's bookings. The same core calls as `parkctl booking ...`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseInstant, parsePlate } from '../core/input.js';
import { extendReservation, maxExtendMinutes } from '../core/reservations/extend.js';
import { cancelReservation, completeReservation, getReservation } from '../core/reservations/lifecycle.js';
import { reserve } from '../core/reservations/reserve.js';
import type { Queryable } from '../core/ports.js';
import type { VehicleType } from '../core/pricing/vehicle-types.js';
import { selectCustomerReservations } from '../core/sql/customer-reservations.js';
import { actingCustomer, actorOf, checkBooking, checkLot, keyOf, scopes } from './access.js';
import { apiLot } from './config-cache.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import type { ApiMetrics } from './metrics.js';
import { reservationJson } from '../core/json/shapes.js';
import { completeResultSchema, errorResponses, instantSchema, lotCodeSchema, plateSchema, reservationRef, reserveResultSchema, uuidSchema, vehicleTypeSchema } from './schemas.js';

const idParams = { type: 'object', required: ['id'], properties: { id: uuidSchema } } as const;
const attendantProviders = new Set(['cash', 'manual']);
const refSchema = { type: 'string', minLength: 1, maxLength: 200 } as const;

/** The booking, after checking this key may see it. */
async function visibleBooking(deps: ApiDeps, req: FastifyRequest) {
  const { id } = req.params as { id: string };
  const r = await getReservation(deps.pool, id);
  checkBooking(req, r);
  return r;
}

function encodeCursor(r: { created_at: Date; reservation_id: string }): string {
  return Buffer.from(`${r.created_at.toISOString()}|${r.reservation_id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; reservationId: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(createdAt.getTime())) throw new ApiError(400, 'bad_cursor', 'the cursor is not one this API gave', 'pass nextCursor from the previous page as is');
  return { createdAt, reservationId: id };
}

/** `reserveDb`: where parkctl_reserve goes (the pool, or the group-commit batcher) */
export function registerReservationRoutes(app: FastifyInstance, deps: ApiDeps, metrics: ApiMetrics, reserveDb: Queryable): void {
  app.post('/v1/reservations', {
    config: { scopes: scopes.everyone },
    schema: {
      summary: 'Hold a spot for a window (TENTATIVE for the lot\'s hold minutes) and get the payment link', tags: ['reservations'],
      body: {
        type: 'object', additionalProperties: false, required: ['lot', 'type', 'from', 'to', 'plate'],
        properties: {
          lot: lotCodeSchema, type: vehicleTypeSchema, from: instantSchema, to: instantSchema, plate: plateSchema,
          customerRef: refSchema, externalRef: refSchema,
        },
      },
      response: { 200: reserveResultSchema, 201: reserveResultSchema, ...errorResponses(403, 404, 409, 422) },
    },
  }, async (req, reply) => {
    const b = req.body as { lot: string; type: VehicleType; from: string; to: string; plate: string; customerRef?: string; externalRef?: string };
    checkLot(req, b.lot);
    const customer = actingCustomer(req);
    if (customer !== null && b.customerRef !== undefined && b.customerRef !== customer) {
      throw new ApiError(403, 'forbidden', 'a customer key books only for the customer it acts for', 'leave customerRef out; the Parkctl-Customer header names the customer');
    }
    const plate = parsePlate(b.plate);
    const lot = await apiLot(deps, b.lot);
    const start = parseInstant(b.from, lot.timeZone, 'from');
    const end = parseInstant(b.to, lot.timeZone, 'to');
    const r = await reserve(
      { db: reserveDb, clock: deps.clock, payments: deps.payments, actor: actorOf(req), cache: deps.cache, notifier: deps.notifier, occupancy: deps.occupancy, logger: deps.logger, lotRoutes: deps.lotRoutes },
      lot, { vehicleType: b.type, start, end, plate, customerRef: customer ?? b.customerRef ?? 'walk-up', externalRef: b.externalRef ?? null },
    );
    metrics.reservations.inc({ outcome: r.created ? 'created' : 'existing' });
    return reply.code(r.created ? 201 : 200).send(r);
  });

  app.get('/v1/reservations', {
    config: { scopes: scopes.everyone },
    schema: {
      summary: 'A customer\'s bookings, newest first, a page at a time', tags: ['reservations'],
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { customer: refSchema, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, cursor: { type: 'string', maxLength: 200 } },
      },
      response: {
        200: { type: 'object', properties: { data: { type: 'array', items: reservationRef }, nextCursor: { type: ['string', 'null'] } } },
        ...errorResponses(403),
      },
    },
  }, async (req) => {
    const q = req.query as { customer?: string; limit: number; cursor?: string };
    const acting = actingCustomer(req);
    if (acting !== null && q.customer !== undefined && q.customer !== acting) throw new ApiError(403, 'forbidden', 'a customer key lists only its own customer\'s bookings');
    const customerRef = acting ?? q.customer;
    if (!customerRef) throw new ApiError(400, 'customer_required', 'say whose bookings: ?customer=REF', 'operator tools list every booking with: parkctl booking list');
    const rows = await selectCustomerReservations(deps.pool, { customerRef, lotCodes: keyOf(req).lot_codes, limit: q.limit + 1, after: q.cursor ? decodeCursor(q.cursor) : null });
    const page = rows.slice(0, q.limit);
    return { data: page.map(reservationJson), nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!) : null };
  });

  app.get('/v1/reservations/:id', {
    config: { scopes: scopes.everyone },
    schema: { summary: 'One reservation', tags: ['reservations'], params: idParams, response: { 200: reservationRef, ...errorResponses(403, 404) } },
  }, async (req) => reservationJson(await visibleBooking(deps, req)));

  app.post('/v1/reservations/:id/complete', {
    config: { scopes: scopes.everyone },
    schema: {
      summary: 'Confirm a reservation once its payment token is verified with the provider', tags: ['reservations'], params: idParams,
      body: { type: 'object', additionalProperties: false, required: ['paymentToken'], properties: { paymentToken: { type: 'string', minLength: 1, maxLength: 500 } } },
      response: {
        200: completeResultSchema,
        ...errorResponses(403, 404, 409, 422),
      },
    },
  }, async (req) => {
    const before = await visibleBooking(deps, req);
    const { paymentToken } = req.body as { paymentToken: string };
    // a cash or manual receipt is an attendant's word (src/drivers/cash-payments.ts): never a customer's or a partner's
    if (attendantProviders.has(deps.payments.name) && keyOf(req).scope !== 'operator') {
      throw new ApiError(403, 'forbidden', `payments are taken by the attendant here (${deps.payments.name}): only an operator key may confirm them`, 'pay at the desk, or configure Stripe');
    }
    const r = await completeReservation({ pool: deps.pool, clock: deps.clock, payments: deps.payments, actor: actorOf(req), cache: deps.cache, notifier: deps.notifier, logger: deps.logger }, before.reservation_id, paymentToken);
    return { ...reservationJson(r), rebookedFrom: r.reservation_id !== before.reservation_id ? before.reservation_id : null };
  });

  app.post('/v1/reservations/:id/cancel', {
    config: { scopes: scopes.everyone },
    schema: {
      summary: 'Cancel a held or confirmed reservation; a paid one is refunded as the lot\'s refund policy says', tags: ['reservations'], params: idParams,
      body: { type: ['object', 'null'], additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } } },
      response: { 200: reservationRef, ...errorResponses(403, 404, 409) },
    },
  }, async (req) => {
    const before = await visibleBooking(deps, req);
    const reason = (req.body as { reason?: string } | null)?.reason ?? `cancelled through the API by ${keyOf(req).name}`;
    return reservationJson(await cancelReservation({ pool: deps.pool, clock: deps.clock, actor: actorOf(req), payments: deps.payments, logger: deps.logger, cache: deps.cache, notifier: deps.notifier }, before.reservation_id, reason));
  });

  app.post('/v1/reservations/:id/extend', {
    config: { scopes: scopes.everyone },
    schema: {
      summary: 'Move a live reservation\'s end later; the added time is priced as an overstay and owed at the exit', tags: ['reservations'], params: idParams,
      body: { type: 'object', additionalProperties: false, required: ['minutes'], properties: { minutes: { type: 'integer', minimum: 1, maximum: maxExtendMinutes } } },
      response: { 200: reservationRef, ...errorResponses(403, 404, 409, 422) },
    },
  }, async (req) => {
    const before = await visibleBooking(deps, req);
    const { minutes } = req.body as { minutes: number };
    const lot = await apiLot(deps, before.lot_code);
    return reservationJson(await extendReservation({ pool: deps.pool, clock: deps.clock, actor: actorOf(req), cache: deps.cache, notifier: deps.notifier }, lot, before.reservation_id, minutes));
  });
}
