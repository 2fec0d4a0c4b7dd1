// Lots: the list (nearest first with ?near=lat,lon, free counts now), the availability of a type for a
// window (free count and price, never which spots) and a lot's status (occupancy by floor and type).
import { lotJson } from '../core/json/shapes.js';
import type { FastifyInstance } from 'fastify';
import { checkCapacity } from '../core/capacity.js';
import { checkWindow, parseInstant } from '../core/input.js';
import { listLotSummaries } from '../core/lots/nearby.js';
import { lotOccupancy } from '../core/occupancy.js';
import type { VehicleType } from '../core/pricing/vehicle-types.js';
import { checkLot, keyOf, scopes } from './access.js';
import { apiLot } from './config-cache.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import { errorResponses, instantSchema, lotCodeSchema, lotStatusSchema, vehicleTypeSchema } from './schemas.js';
import { selectSensedByZone, sensedSummary } from '../core/sql/sensors.js';

/** what Fastify names a JSON answer it serialises itself */
const jsonType = 'application/json; charset=utf-8';

const lotParams = { type: 'object', required: ['code'], properties: { code: lotCodeSchema } } as const;

const lotSummarySchema = {
  type: 'object',
  properties: {
    code: { type: 'string' }, name: { type: 'string' }, state: { type: 'string' }, timeZone: { type: 'string' }, currency: { type: 'string' },
    location: {
      type: ['object', 'null'],
      properties: { latitude: { type: 'number' }, longitude: { type: 'number' }, address: { type: 'string' } },
    },
    distanceMeters: { type: ['integer', 'null'] }, total: { type: 'integer' }, free: { type: 'integer' },
  },
} as const;

function parseNear(near: string): { latitude: number; longitude: number } {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(near);
  const latitude = m ? Number(m[1]) : NaN;
  const longitude = m ? Number(m[2]) : NaN;
  if (!m || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
    throw new ApiError(400, 'bad_near', `near "${near}" is not latitude,longitude`, 'e.g. ?near=51.5074,-0.1278');
  }
  return { latitude, longitude };
}

export function registerLotRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/v1/lots', {
    config: { scopes: scopes.everyone },
    schema: {
      summary: 'Lots this key may use, with free spots now; nearest first with ?near=lat,lon', tags: ['lots'],
      querystring: { type: 'object', additionalProperties: false, properties: { near: { type: 'string', maxLength: 64 } } },
      response: { 200: { type: 'object', properties: { data: { type: 'array', items: lotSummarySchema } } }, ...errorResponses() },
    },
  }, async (req) => {
    const { near } = req.query as { near?: string };
    const data = await listLotSummaries({ db: deps.pool, clock: deps.clock }, { near: near ? parseNear(near) : undefined, codes: keyOf(req).lot_codes });
    return { data };
  });

  app.get('/v1/lots/:code/availability', {
    config: { scopes: scopes.everyone },
    schema: {
      summary: 'Free spots of a vehicle type for a window, and its price (never which spots)', tags: ['lots'],
      params: lotParams,
      querystring: {
        type: 'object', additionalProperties: false, required: ['type', 'from', 'to'],
        properties: { type: vehicleTypeSchema, from: instantSchema, to: instantSchema },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            lotCode: { type: 'string' }, vehicleType: { type: 'string' }, start: { type: 'string', format: 'date-time' }, end: { type: 'string', format: 'date-time' },
            free: { type: 'integer' }, total: { type: 'integer' }, priceMinor: { type: 'integer' }, currency: { type: 'string' },
            quote: { type: 'object', additionalProperties: true, properties: { totalMinor: { type: 'integer' } } },
          },
        },
        ...errorResponses(403, 404, 422),
      },
    },
  }, async (req, reply) => {
    const { code } = req.params as { code: string };
    const q = req.query as { type: VehicleType; from: string; to: string };
    checkLot(req, code);
    const lot = await apiLot(deps, code);
    const start = parseInstant(q.from, lot.timeZone, 'from');
    const end = parseInstant(q.to, lot.timeZone, 'to');
    checkWindow(start, end, { maxWindowMinutes: lot.maxWindowMinutes, now: deps.clock.now() });
    const count = async () => {
      const a = await checkCapacity({ db: deps.pool, clock: deps.clock, cache: deps.cache }, lot, q.type, start, end);
      return { ...a, priceMinor: a.quote.totalMinor, currency: lot.currency };
    };
    if (!deps.availabilityCache) return count();
    // a shared answer is kept as the JSON this route's schema makes of it (reply.serialize: the serializer the
    // answer would go through), so the many reads that reuse it skip serialising the same object again
    const json = await deps.availabilityCache.get(lot.lotId, `${q.type}|${start.getTime()}|${end.getTime()}`, async () => reply.serialize(await count()));
    reply.type(jsonType);
    return json;
  });

  app.get('/v1/lots/:code/status', {
    config: { scopes: scopes.partners },
    schema: {
      summary: 'A lot now: occupancy by floor (zone) and by vehicle type (as `lot show --json`)', tags: ['lots'],
      params: lotParams, response: { 200: lotStatusSchema, ...errorResponses(403, 404) },
    },
  }, async (req) => {
    const { code } = req.params as { code: string };
    checkLot(req, code);
    return lotStatus(deps, code);
  });
}

/** What `lot show --json` prints. */
export async function lotStatus(deps: Pick<ApiDeps, 'pool' | 'clock'>, code: string) {
  const l = await apiLot(deps, code);
  const [occ, sensedZones] = await Promise.all([lotOccupancy(deps.pool, l.lotId, deps.clock.now()), selectSensedByZone(deps.pool, l.lotId)]);
  const sensed = sensedSummary(sensedZones);
  return { ...lotJson(l, occ), byZone: occ.byZone, byType: occ.byType, ...(sensed ? { sensed } : {}) };
}
