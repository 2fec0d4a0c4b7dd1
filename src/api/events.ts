// GET /v1/lots/:code/events: a Server-Sent Events stream of the lot's status (as GET .../status), sent
// once when the stream opens and again after every change the database NOTIFYs (parkctl_events).
// After the LISTEN connection comes back from an outage the status is sent again (nothing is missed).
import type { FastifyInstance } from 'fastify';
import { checkLot, scopes } from './access.js';
import { apiLot } from './config-cache.js';
import type { ApiDeps } from './deps.js';
import { errorResponses, lotCodeSchema } from './schemas.js';
import { lotStatus } from './lots.js';
import type { LotEventHub } from './lot-events.js';

/** ms between comment lines that keep proxies from closing an idle stream */
const keepAliveMs = 15_000;

export function registerEventRoutes(app: FastifyInstance, deps: ApiDeps, hub: LotEventHub): void {
  const open = new Set<() => void>();
  // before the server stops taking connections: end the streams (a hijacked one would hold close() up)
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
    await hub.stop();
  });
  app.get('/v1/lots/:code/events', {
    config: { scopes: scopes.partners },
    schema: {
      summary: 'Server-Sent Events: `status` events with the lot\'s occupancy, at once and after each change', tags: ['lots'],
      params: { type: 'object', required: ['code'], properties: { code: lotCodeSchema } },
      response: { 200: { description: 'text/event-stream of `event: status` messages', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errorResponses(403, 404) },
    },
  }, async (req, reply) => {
    const { code } = req.params as { code: string };
    checkLot(req, code);
    const lot = await apiLot(deps, code);
    const raw = reply.raw;
    let closed = false;
    let sending: Promise<void> = Promise.resolve();
    let seq = 0;
    const send = () => {
      sending = sending.then(async () => {
        if (closed) return;
        try {
          const status = await lotStatus(deps, lot.code);
          if (!closed) raw.write(`id: ${++seq}\nevent: status\ndata: ${JSON.stringify(status)}\n\n`);
        } catch (err) {
          deps.logger.warn('event stream could not read the lot', { lot: lot.code, error: String(err) });
        }
      });
    };
    const sub = hub.subscribe((c) => {
      if ('lotId' in c ? c.lotId === lot.lotId || c.lotId === null : c.connected) send();
    });
    reply.hijack();
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), keepAliveMs);
    const close = () => {
      if (closed) return;
      closed = true;
      open.delete(end);
      clearInterval(keepAlive);
      void sub.unsubscribe();
    };
    const end = () => {
      close();
      raw.end();
    };
    open.add(end);
    req.raw.on('close', close);
    await sub.ready;
    send();
  });
}
