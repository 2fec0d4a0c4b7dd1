// A TCP proxy between parkctl and PostgreSQL that breaks one connection at a chosen point (issue 21):
// it reads the client's half of the wire protocol just enough to see statements ('Q' simple query,
// 'P' parse of the extended protocol, which 'B','E','S' follow) and COMMIT among them.
import { createServer, connect, type Server, type Socket } from 'node:net';

/** Where the cut lands. */
export type CutPoint =
  /** the nth connection is dropped as soon as it is accepted (the server "refuses") */
  | 'connect'
  /** the nth statement never reaches the server */
  | 'before_query'
  /** the nth statement reaches the server; its answer never comes back */
  | 'after_query'
  /** the nth COMMIT reaches the server; its answer never comes back */
  | 'after_commit';

/** How the cut looks from the client: a reset (RST), a clean close (FIN), or a stall then a reset. */
export type CutAction = 'reset' | 'close' | 'stall';

export interface Cut {
  point: CutPoint;
  /** 1-based: which connection, statement or COMMIT */
  nth: number;
  action: CutAction;
  /** after the cut, PostgreSQL stays gone: every new connection is dropped until the next arm() */
  persist?: boolean;
}

export interface Traffic {
  connections: number;
  statements: number;
  commits: number;
  /** the statements' SQL, in order (the nth is texts[n - 1]) */
  texts: string[];
}

const stallMs = 30;

export class FaultProxy {
  private server: Server | null = null;
  private cut: Cut | null = null;
  private seen: Traffic = { connections: 0, statements: 0, commits: 0, texts: [] };
  private sockets = new Set<Socket>();
  /** the armed cut happened */
  fired = false;
  private down = false;
  /** local ports of the connections made to PostgreSQL since the last released(): pg_stat_activity.client_port */
  private upstreamPorts: number[] = [];

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  /** A database URL that goes through this proxy. */
  urlFor(databaseUrl: string): string {
    const u = new URL(databaseUrl);
    u.hostname = '127.0.0.1';
    u.port = String((this.server!.address() as { port: number }).port);
    return u.toString();
  }

  /** Arms one cut (null: pass everything through) and starts counting afresh. */
  arm(cut: Cut | null): void {
    this.cut = cut;
    this.fired = false;
    this.down = false;
    this.seen = { connections: 0, statements: 0, commits: 0, texts: [] };
  }

  /**
   * Waits until PostgreSQL has let go of every session this proxy opened since the last call. A cut
   * session's transaction keeps its row locks until its backend sees the reset; a re-run's FOR UPDATE
   * SKIP LOCKED would pass those rows over, as the next cron run would not.
   */
  async released(db: { query: (sql: string, values: unknown[]) => Promise<{ rowCount: number | null }> }, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await db.query(`select 1 from pg_stat_activity where client_addr is not null and client_port = any($1::int[])`, [this.upstreamPorts]);
      if (!r.rowCount) {
        this.upstreamPorts = [];
        return;
      }
      if (Date.now() > deadline) throw new Error(`PostgreSQL kept ${r.rowCount} cut session(s) for ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** What went through since the last arm(). */
  traffic(): Traffic {
    return { ...this.seen, texts: [...this.seen.texts] };
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private matches(point: CutPoint, count: number): boolean {
    if (this.fired || !this.cut || this.cut.point !== point || this.cut.nth !== count) return false;
    this.fired = true;
    return true;
  }

  private kill(client: Socket, server: Socket): void {
    const action = this.cut?.action ?? 'reset';
    const end = () => {
      if (this.cut?.persist) {
        // PostgreSQL is gone: every connection open now goes too, and new ones are dropped
        this.down = true;
        for (const s of this.sockets) if (s !== client && s !== server) s.resetAndDestroy();
      }
      for (const s of [client, server]) {
        if (action === 'close') s.end(() => s.destroy());
        else s.resetAndDestroy();
      }
    };
    if (action === 'stall') setTimeout(end, stallMs);
    else end();
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => {});
    const n = ++this.seen.connections;
    const server = connect(this.target.port, this.target.host);
    server.once('connect', () => { if (server.localPort) this.upstreamPorts.push(server.localPort); });
    this.sockets.add(server);
    server.on('close', () => { this.sockets.delete(server); client.destroy(); });
    server.on('error', () => client.destroy());
    client.on('close', () => server.destroy());
    if (this.down || this.matches('connect', n)) {
      this.kill(client, server);
      return;
    }
    let started = false;
    let pending = Buffer.alloc(0);
    /** the server's next bytes are the answer to lose */
    let dropAnswer = false;
    let dead = false;

    server.on('data', (chunk: Buffer) => {
      if (dead) return;
      if (dropAnswer) {
        dead = true;
        this.kill(client, server);
        return;
      }
      client.write(chunk);
    });

    client.on('data', (chunk: Buffer) => {
      if (dead) return;
      pending = Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      for (;;) {
        if (!started) {
          if (pending.length < 4) break;
          const len = pending.readInt32BE(0);
          if (pending.length < len) break;
          out.push(pending.subarray(0, len));
          pending = pending.subarray(len);
          // an SSLRequest (80877103) is followed by the real startup message
          if (len !== 8 || pending.length > 0 || out[out.length - 1]!.readInt32BE(4) !== 80877103) started = true;
          continue;
        }
        if (pending.length < 5) break;
        const type = String.fromCharCode(pending[0]!);
        const len = pending.readInt32BE(1) + 1;
        if (pending.length < len) break;
        const message = pending.subarray(0, len);
        pending = pending.subarray(len);
        if (type === 'Q' || type === 'P') {
          const statement = ++this.seen.statements;
          const text = queryText(type, message);
          this.seen.texts.push(text);
          const isCommit = /^\s*(commit|end)\b/i.test(text);
          const commit = isCommit ? ++this.seen.commits : 0;
          if (this.matches('before_query', statement)) {
            dead = true;
            if (out.length > 0) server.write(Buffer.concat(out));
            this.kill(client, server);
            return;
          }
          if (this.matches('after_query', statement) || (isCommit && this.matches('after_commit', commit))) dropAnswer = true;
        }
        out.push(message);
      }
      if (out.length > 0) server.write(Buffer.concat(out));
    });
  }
}

/** The SQL of a 'Q' (text) or 'P' (statement name, then text) message. */
function queryText(type: string, message: Buffer): string {
  const body = message.subarray(5);
  if (type === 'Q') return body.toString('utf8', 0, Math.max(0, body.indexOf(0)));
  const nameEnd = body.indexOf(0);
  const textEnd = body.indexOf(0, nameEnd + 1);
  return body.toString('utf8', nameEnd + 1, textEnd);
}
