// The OCPP 1.6J central system on the wire (issue 16): ocpp-rpc's RPCServer in strict mode (every call and
// answer validated against the official OCPP 1.6 JSON schemas), charge points at ws://host/ocpp/{id} with
// the subprotocol ocpp1.6 and HTTP Basic auth (security profile 1). The decisions are core's
// (src/core/ev/central-system.ts); this file only connects, routes and measures.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { RPCServer } from 'ocpp-rpc';
import type { CentralSystem, ChargePointRef } from '../../core/ev/central-system.js';
import type { Logger } from '../../core/ports.js';

/** What this file uses of ocpp-rpc's RPCServerClient. */
interface ServerClient {
  identity: string;
  session: ChargePointRef;
  handle(method: string, fn: (call: { params: unknown }) => Promise<unknown>): void;
  call(method: string, params?: unknown, options?: Record<string, unknown>): Promise<unknown>;
  close(options?: Record<string, unknown>): Promise<unknown>;
  on(event: string, fn: (...args: unknown[]) => void): unknown;
}

export const ocppPath = '/ocpp';

/** Answer times of the inbound calls, ms, in a ring (the control port reports percentiles). */
export class Latencies {
  private readonly ring = new Float64Array(20_000);
  private n = 0;
  add(ms: number): void {
    this.ring[this.n % this.ring.length] = ms;
    this.n++;
  }
  summary(): { count: number; p50Ms: number | null; p99Ms: number | null } {
    const xs = Array.from(this.ring.subarray(0, Math.min(this.n, this.ring.length))).sort((a, b) => a - b);
    const at = (q: number) => (xs.length ? Math.round(xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]! * 100) / 100 : null);
    return { count: this.n, p50Ms: at(0.5), p99Ms: at(0.99) };
  }
}

export interface OcppServerOptions {
  system: CentralSystem;
  logger: Logger;
  pingIntervalMs?: number;
}

export class OcppCentralServer {
  readonly rpc: RPCServer;
  private readonly clients = new Map<string, ServerClient>();
  /** answer times per OCPP action */
  readonly latencies = new Map<string, Latencies>();
  private http: Server | null = null;

  constructor(private readonly o: OcppServerOptions) {
    this.rpc = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true, pingIntervalMs: o.pingIntervalMs ?? 30_000 });
    this.rpc.auth((accept, reject, handshake) => {
      if (handshake.endpoint !== ocppPath) return reject(404, 'charge points connect at /ocpp/{chargePointId}');
      if (!handshake.protocols.has('ocpp1.6')) return reject(400, 'subprotocol ocpp1.6 required');
      o.system.authenticate(handshake.identity, handshake.password).then((cp) => {
        if (!cp) {
          o.logger.warn('charge point refused: bad credentials', { chargePoint: handshake.identity, remote: handshake.remoteAddress });
          reject(401, 'Unauthorized');
        } else accept(cp as unknown as Record<string, unknown>, 'ocpp1.6');
      }, (err: unknown) => {
        o.logger.error('charge point not checked: database', { chargePoint: handshake.identity, error: String(err) });
        reject(503, 'try again');
      });
    });
    this.rpc.on('client', (c: unknown) => this.attach(c as ServerClient));
  }

  private attach(client: ServerClient): void {
    const cp = client.session;
    const previous = this.clients.get(cp.chargePointId);
    this.clients.set(cp.chargePointId, client);
    if (previous) void previous.close({ code: 1000, reason: 'replaced by a new connection' }).catch(() => undefined);
    this.o.logger.info('charge point connected', { chargePoint: cp.chargePointId, lotId: cp.lotId });
    client.on('close', () => {
      if (this.clients.get(cp.chargePointId) === client) this.clients.delete(cp.chargePointId);
      this.o.logger.info('charge point disconnected', { chargePoint: cp.chargePointId });
    });
    client.on('strictValidationFailure', (e: unknown) => {
      this.o.logger.warn('OCPP message failed schema validation', { chargePoint: cp.chargePointId, error: String((e as { error?: unknown }).error ?? e) });
    });
    const s = this.o.system;
    const timed = <P, R>(name: string, fn: (p: P) => Promise<R>) => client.handle(name, async ({ params }: { params: unknown }) => {
      const started = performance.now();
      try {
        return await fn(params as P);
      } catch (err) {
        this.o.logger.error(`${name} failed`, { chargePoint: cp.chargePointId, error: String(err) });
        throw err; // ocpp-rpc answers a CALLERROR (InternalError): the charge point retries transaction messages
      } finally {
        let l = this.latencies.get(name);
        if (!l) this.latencies.set(name, (l = new Latencies()));
        l.add(performance.now() - started);
      }
    });
    timed('BootNotification', (p: Parameters<CentralSystem['bootNotification']>[1]) => s.bootNotification(cp, p));
    timed('Heartbeat', () => s.heartbeat(cp));
    timed('StatusNotification', (p: Parameters<CentralSystem['statusNotification']>[1]) => s.statusNotification(cp, p));
    timed('Authorize', (p: Parameters<CentralSystem['authorize']>[1]) => s.authorize(cp, p));
    timed('StartTransaction', (p: Parameters<CentralSystem['startTransaction']>[1]) => s.startTransaction(cp, p));
    timed('MeterValues', (p: Parameters<CentralSystem['meterValues']>[1]) => s.meterValues(cp, p));
    timed('StopTransaction', (p: Parameters<CentralSystem['stopTransaction']>[1]) => s.stopTransaction(cp, p));
  }

  /** Listens on host:port; port 0 picks a free one (returned). */
  async listen(port: number, host: string): Promise<number> {
    const http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('OCPP 1.6J: connect by WebSocket at /ocpp/{chargePointId}\n');
    });
    http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => void this.rpc.handleUpgrade(req, socket, head));
    await new Promise<void>((ok, fail) => http.once('error', fail).listen(port, host, () => ok()));
    this.http = http;
    return (http.address() as { port: number }).port;
  }

  connected(): string[] {
    return [...this.clients.keys()];
  }

  /** A call to a connected charge point (RemoteStartTransaction, ...); throws when it is not connected. */
  async callChargePoint(chargePointId: string, method: string, params: unknown): Promise<unknown> {
    const client = this.clients.get(chargePointId);
    if (!client) throw new ChargePointOffline(chargePointId);
    return client.call(method, params, { callTimeoutMs: 15_000 });
  }

  async close(): Promise<void> {
    await this.rpc.close({ code: 1001, reason: 'central system stopping', awaitPending: false, force: false }).catch(() => undefined);
    await new Promise<void>((ok) => (this.http ? this.http.close(() => ok()) : ok()));
    this.http?.closeAllConnections();
  }
}

export class ChargePointOffline extends Error {
  constructor(readonly chargePointId: string) {
    super(`charge point ${chargePointId} is not connected`);
  }
}
