// Shared by the gate daemon tests: a closable TCP proxy in front of PostgreSQL (the "database
// down" switch), reservations inserted directly, and bounded waiting.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Queryable } from '../../src/core/ports.js';
import { gateRoleTestUrl } from './db.js';

/** A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused) and restored on the same port. */
export class PgProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** `url` with host:port pointed at the proxy and user parkctl_gate. */
  gateUrl(url: string): string {
    const u = new URL(gateRoleTestUrl(url));
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }
}

export function pgTarget(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 5432) };
}

/** A CONFIRMED reservation on spot `spotId` from `from` to `to`; returns its id. */
export async function insertConfirmed(db: Queryable, lotId: number, spotId: number, plate: string, from: Date, to: Date): Promise<string> {
  const { rows } = await db.query<{ reservation_id: string }>(
    `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
     values ($1, 'test', $2, 'regular', $3, tstzrange($4, $5, '[)'), 'CONFIRMED', 500, 'GBP', now(), now()) returning reservation_id::text`,
    [lotId, plate, spotId, from, to],
  );
  return rows[0]!.reservation_id;
}

/** Waits (bounded: 30 s against a hang, seconds are normal at load 20) until `check` is true; throws with `what` otherwise. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
