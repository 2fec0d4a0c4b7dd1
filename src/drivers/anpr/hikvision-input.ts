// The HTTP listener a Hikvision ANPR camera pushes its alarms to (Configuration > Event > Alarm
// Server / "HTTP listening": host, port, URL). Each ANPR alarm becomes a plate read, once however
// often the camera posts it. The camera treats anything but 200 as "not delivered" and posts again,
// so everything this listener understood, including alarms it ignores (heartbeats, other events,
// unreadable plates, repeats), is answered 200 with an ISAPI ResponseStatus; only a body that is
// not an alarm at all is a 400, for a person to notice.
//
//   200 ResponseStatus OK   400 not an alarm   401 wrong token   404 wrong path   405 not POST   413 too large
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { RecentKeys } from '../../core/gate/dedupe.js';
import type { GateInputSource } from '../../core/gate/ports.js';
import { systemClock, type Clock } from '../../core/ports.js';
import { HttpGateInput } from './http-input.js';
import { parseHikvisionBody } from './hikvision-anpr.js';

export interface HikvisionInputOptions {
  /** URL path the camera is told to post to (default "/anpr/hikvision") */
  path?: string;
  /** when set, the camera's URL must carry ?token=<token> (the camera sends no credentials of its own) */
  token?: string;
  /** default 8 MiB: the pictures ride along in the multipart body */
  maxBodyBytes?: number;
  dedupeCapacity?: number;
  clock?: Clock;
}

/** Counts since start (tests, status). */
export interface HikvisionCounts {
  accepted: number;
  duplicates: number;
  ignored: number;
}

export class HikvisionAnprInput extends HttpGateInput implements GateInputSource {
  private readonly seen: RecentKeys;
  private readonly clock: Clock;
  private readonly path: string;
  readonly counts: HikvisionCounts = { accepted: 0, duplicates: 0, ignored: 0 };

  constructor(private readonly opts: HikvisionInputOptions = {}) {
    super();
    this.seen = new RecentKeys(opts.dedupeCapacity ?? 2000);
    this.clock = opts.clock ?? systemClock;
    this.path = opts.path ?? '/anpr/hikvision';
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== this.path) return done(res, 404, 'not found');
    if (req.method !== 'POST' && req.method !== 'PUT') return done(res, 405, 'POST only');
    if (this.opts.token !== undefined && !sameSecret(url.searchParams.get('token') ?? '', this.opts.token)) return done(res, 401, 'bad token');
    let body: Buffer;
    try {
      body = await readBody(req, this.opts.maxBodyBytes ?? 8 * 1024 * 1024);
    } catch (err) {
      done(res, (err as { status?: number }).status ?? 400, (err as Error).message);
      res.once('finish', () => req.destroy());
      return;
    }
    const alert = parseHikvisionBody(String(req.headers['content-type'] ?? ''), body, this.clock.now());
    if (typeof alert === 'string') {
      this.emit('error', new Error(`hikvision ${this.path}: ${alert}`));
      return done(res, 400, alert);
    }
    // A repeat matches any key of the first post; remember all of them either way.
    let repeat = false;
    for (const k of alert.keys) if (!this.seen.firstTime(k)) repeat = true;
    if (alert.read && !repeat) {
      this.counts.accepted++;
      this.emit('input', alert.read);
    } else if (alert.read) {
      this.counts.duplicates++;
    } else {
      this.counts.ignored++;
    }
    done(res, 200, 'OK');
  }
}

/** An ISAPI ResponseStatus: what the camera expects back. */
function done(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return;
  const code = status === 200 ? 1 : 4;
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<ResponseStatus version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">'
    + `<requestURL></requestURL><statusCode>${code}</statusCode><statusString>${status === 200 ? 'OK' : escapeXml(message)}</statusString>`
    + `<subStatusCode>${status === 200 ? 'ok' : 'badParameters'}</subStatusCode></ResponseStatus>`;
  res.writeHead(status, { 'content-type': 'application/xml; charset="UTF-8"', connection: 'close' });
  res.end(xml);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = Object.assign(new Error(`body over ${limit} bytes`), { status: 413 });
    if (Number(req.headers['content-length'] ?? 0) > limit) return reject(tooLarge);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(tooLarge);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (err) => reject(err));
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
