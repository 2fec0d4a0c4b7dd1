// The control port of `parkctl ev serve` (loopback by default): the CLI and the dashboard ask the running
// central system to send a call to a connected charge point (RemoteStartTransaction, RemoteStopTransaction,
// ChangeAvailability, UnlockConnector) and get the charge point's answer back, and read its figures.
//   POST /v1/call    {"chargePointId": "CP-1", "method": "UnlockConnector", "params": {"connectorId": 1}}
//   GET  /v1/status  {"connected": [...], "rssBytes": ..., "answers": {"MeterValues": {"count", "p50Ms", "p99Ms"}, ...}}
import { createServer, type Server } from 'node:http';
import { ChargePointOffline, type OcppCentralServer } from './server.js';

export const controlMethods = ['RemoteStartTransaction', 'RemoteStopTransaction', 'ChangeAvailability', 'UnlockConnector'] as const;
export type ControlMethod = (typeof controlMethods)[number];

export interface ControlStatus {
  connected: string[];
  rssBytes: number;
  heapUsedBytes: number;
  /** handler times per OCPP action (BootNotification, MeterValues, ...) */
  answers: Record<string, { count: number; p50Ms: number | null; p99Ms: number | null }>;
}

const maxBody = 16_384;

export async function listenControl(central: OcppCentralServer, port: number, host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && req.url === '/v1/status') {
      const mem = process.memoryUsage();
      const status: ControlStatus = { connected: central.connected(), rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, answers: Object.fromEntries([...central.latencies].map(([name, l]) => [name, l.summary()])) };
      return reply(200, status);
    }
    if (req.method !== 'POST' || req.url !== '/v1/call') return reply(404, { error: 'not_found', message: 'POST /v1/call or GET /v1/status' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let body: { chargePointId?: unknown; method?: unknown; params?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        return reply(400, { error: 'bad_json', message: 'the body is not JSON' });
      }
      if (typeof body.chargePointId !== 'string' || !controlMethods.includes(body.method as ControlMethod)) {
        return reply(400, { error: 'bad_call', message: `chargePointId and one of ${controlMethods.join(', ')}` });
      }
      central.callChargePoint(body.chargePointId, body.method as string, body.params ?? {}).then(
        (answer) => reply(200, { answer }),
        (err: unknown) => (err instanceof ChargePointOffline
          ? reply(409, { error: 'offline', message: err.message })
          : reply(502, { error: 'charge_point_error', message: err instanceof Error ? err.message : String(err) })),
      );
    });
  });
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(port, host, () => ok()));
  return { server, port: (server.address() as { port: number }).port };
}

/** The CLI's side: one call through a running `ev serve`. Errors carry the server's `error` code. */
export async function controlCall(baseUrl: string, call: { chargePointId: string; method: ControlMethod; params: unknown }): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL('/v1/call', baseUrl), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call), signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function controlStatus(baseUrl: string): Promise<ControlStatus> {
  const res = await fetch(new URL('/v1/status', baseUrl), { signal: AbortSignal.timeout(5_000) });
  return (await res.json()) as ControlStatus;
}
