// Entries and exits for third-party gates (the same core calls as `parkctl visit arrive|depart`), the
// fee of a visit and paying it (`parkctl payments collect`).
import type { FastifyInstance } from 'fastify';
import { parsePlate } from '../core/input.js';
import { collectPayment, type CollectMethod } from '../core/payments/collect.js';
import type { VehicleType } from '../core/pricing/vehicle-types.js';
import { selectLotCode } from '../core/sql/lot-codes.js';
import { selectVisitMoney } from '../core/sql/payments.js';
import { arrive, depart } from '../core/visits.js';
import { actorOf, checkLot, keyOf, scopes } from './access.js';
import { apiLot } from './config-cache.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import { paymentJson, visitBalanceJson, visitJson } from '../core/json/shapes.js';
import { errorResponses, lotCodeSchema, paymentSchema, plateSchema, uuidSchema, vehicleTypeSchema, visitBalanceSchema, visitSchema } from './schemas.js';

const lotParams = { type: 'object', required: ['code'], properties: { code: lotCodeSchema } } as const;
const gateSchema = { type: 'string', minLength: 1, maxLength: 64 } as const;
const nullableInt = { type: ['integer', 'null'] } as const;


export function registerVisitRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/v1/lots/:code/arrivals', {
    config: { scopes: scopes.partners },
    schema: {
      summary: 'A car came in: a confirmed booking of this lot inside its window (by plate or reservation id), or a walk-in', tags: ['visits'],
      params: lotParams,
      body: {
        type: 'object', additionalProperties: false,
        properties: { plate: plateSchema, reservationId: uuidSchema, walkIn: { type: 'boolean' }, type: vehicleTypeSchema, gate: gateSchema },
      },
      response: {
        201: {
          type: 'object',
          properties: {
            visit: visitSchema, spotLabel: { type: ['string', 'null'] }, reservationEnd: { type: ['string', 'null'], format: 'date-time' },
            earlyEntry: { type: ['object', 'null'], additionalProperties: true },
          },
        },
        ...errorResponses(403, 404, 409, 422),
      },
    },
  }, async (req, reply) => {
    const { code } = req.params as { code: string };
    const b = req.body as { plate?: string; reservationId?: string; walkIn?: boolean; type?: VehicleType; gate?: string };
    checkLot(req, code);
    if (!b.plate && !b.reservationId) throw new ApiError(422, 'no_credential', 'say which car: plate or reservationId');
    const lot = await apiLot(deps, code);
    const a = await arrive({ pool: deps.pool, clock: deps.clock, actor: actorOf(req), cache: deps.cache, notifier: deps.notifier }, lot, {
      plate: b.plate ? parsePlate(b.plate) : undefined, reservationId: b.reservationId?.toLowerCase(), walkIn: b.walkIn,
      vehicleType: b.type ?? 'regular', gate: b.gate ?? `api:${keyOf(req).name}`,
    });
    return reply.code(201).send({ ...a, visit: visitJson(a.visit) });
  });

  app.post('/v1/lots/:code/departures', {
    config: { scopes: scopes.partners },
    schema: {
      summary: 'A car left: early departure releases the rest of the window; extensions and overstay are due', tags: ['visits'],
      params: lotParams,
      body: { type: 'object', additionalProperties: false, required: ['plate'], properties: { plate: plateSchema, gate: gateSchema } },
      response: {
        200: {
          type: 'object',
          properties: {
            visit: visitSchema, overstayMinutes: { type: 'integer' }, extensionMinor: { type: 'integer' }, earlyEntryMinor: { type: 'integer' },
            chargingMinor: { type: 'integer' }, amountDueMinor: { type: 'integer' }, currency: { type: 'string' }, releasedEarly: { type: 'boolean' },
            charge: { type: ['object', 'null'], additionalProperties: true }, amountOutstandingMinor: { type: 'integer' },
          },
        },
        ...errorResponses(403, 404, 409, 422),
      },
    },
  }, async (req) => {
    const { code } = req.params as { code: string };
    const b = req.body as { plate: string; gate?: string };
    checkLot(req, code);
    const lot = await apiLot(deps, code);
    const d = await depart({ pool: deps.pool, clock: deps.clock, actor: actorOf(req), payments: deps.payments, logger: deps.logger, cache: deps.cache, notifier: deps.notifier }, lot, {
      plate: parsePlate(b.plate), gate: b.gate ?? `api:${keyOf(req).name}`,
    });
    return { ...d, visit: visitJson(d.visit) };
  });

  app.get('/v1/visits/:id', {
    config: { scopes: scopes.partners },
    schema: {
      summary: 'A visit\'s fee: what is due, paid and still to pay (a car inside is priced when it leaves)', tags: ['visits'],
      params: { type: 'object', required: ['id'], properties: { id: uuidSchema } },
      response: { 200: visitBalanceSchema, ...errorResponses(403, 404) },
    },
  }, async (req) => {
    const { id } = req.params as { id: string };
    const v = await selectVisitMoney(deps.pool, id.toLowerCase());
    if (!v) throw new ApiError(404, 'unknown_visit', `no visit ${id}`);
    checkLot(req, (await selectLotCode(deps.pool, v.lot_id)) ?? '');
    return visitBalanceJson(v);
  });

  app.post('/v1/visits/:id/payments', {
    config: { scopes: scopes.partners },
    schema: {
      summary: 'Record a payment of a visit\'s fee taken at the gate (cash or a card terminal)', tags: ['visits'],
      params: { type: 'object', required: ['id'], properties: { id: uuidSchema } },
      body: {
        type: 'object', additionalProperties: false, required: ['method'],
        properties: { method: { type: 'string', enum: ['cash', 'card'] }, amountMinor: { type: 'integer', minimum: 1, maximum: 1e12 } },
      },
      response: {
        201: {
          type: 'object',
          properties: {
            payment: paymentSchema, visit: visitBalanceSchema, outstandingMinor: nullableInt,
          },
        },
        ...errorResponses(403, 404, 409, 422),
      },
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = req.body as { method: CollectMethod; amountMinor?: number };
    const v = await selectVisitMoney(deps.pool, id.toLowerCase());
    if (!v) throw new ApiError(404, 'unknown_visit', `no visit ${id}`);
    checkLot(req, (await selectLotCode(deps.pool, v.lot_id)) ?? '');
    const c = await collectPayment({ pool: deps.pool, clock: deps.clock, actor: actorOf(req) }, { visitId: v.visit_id, method: b.method, amountMinor: b.amountMinor });
    return reply.code(201).send({ payment: paymentJson(c.payment), visit: visitBalanceJson(c.visit), outstandingMinor: c.outstandingMinor });
  });
}
