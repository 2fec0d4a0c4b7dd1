// An HTTP endpoint Plate Recognizer (Snapshot or Stream) posts its webhook to; every plate in
// every result becomes a plate-read input. Answers fast and never throws at the server: bad JSON
// is a 400 for the sender, not a crash for the gate.
//
//   200 {"accepted":n,"duplicates":m,"skipped":k}   400 bad JSON / not a webhook body
//   401 wrong token   404 wrong path   405 not POST   413 too large   415 not JSON or multipart
// The token is taken from "Authorization: Token <t>" (as Plate Recognizer's own tooling
// sends it) or from ?token=<t>. A result that yields no read (a vehicle without a readable plate,
// no score) is reported as an 'error' event with why, which the daemon journals: never dropped unseen.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { RecentKeys } from '../../core/gate/dedupe.js';
import type { GateInputSource } from '../../core/gate/ports.js';
import { systemClock, type Clock } from '../../core/ports.js';
import { HttpGateInput } from './http-input.js';
import { multipartBoundary, multipartField } from './multipart.js';
import { parsePlateRecognizerWebhook } from './plate-recognizer.js';

export interface WebhookInputOptions {
  /** URL path to accept (default "/anpr/plate-recognizer") */
  path?: string;
  /** when set, requests must carry "Authorization: Token <token>" or ?token=<token> */
  token?: string;
  /** default 5 MiB: room for a JPEG in the multipart form */
  maxBodyBytes?: number;
  /** reads remembered for dedupe (default 1000) */
  dedupeCapacity?: number;
  clock?: Clock;
}

class HttpFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class PlateWebhookInput extends HttpGateInput implements GateInputSource {
  private readonly seen: RecentKeys;
  private readonly clock: Clock;
  private readonly path: string;
  private readonly maxBodyBytes: number;

  constructor(private readonly opts: WebhookInputOptions = {}) {
    super();
    this.seen = new RecentKeys(opts.dedupeCapacity ?? 1000);
    this.clock = opts.clock ?? systemClock;
    this.path = opts.path ?? '/anpr/plate-recognizer';
    this.maxBodyBytes = opts.maxBodyBytes ?? 5 * 1024 * 1024;
  }

  /** The request handler, usable under any node:http server. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const result = await this.accept(req);
      reply(res, 200, result);
    } catch (err) {
      const status = err instanceof HttpFailure ? err.status : 500;
      if (status === 500) this.emit('error', err instanceof Error ? err : new Error(String(err)));
      reply(res, status, { error: status === 500 ? 'internal error' : (err as Error).message });
      // An oversized or aborted upload: stop reading the rest.
      if (status === 413) res.once('finish', () => req.destroy());
    }
  }

  private async accept(req: IncomingMessage): Promise<Record<string, number>> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== this.path) throw new HttpFailure(404, 'not found');
    if (req.method !== 'POST') throw new HttpFailure(405, 'POST only');
    if (this.opts.token !== undefined && !sameSecret(givenToken(req, url), this.opts.token)) {
      throw new HttpFailure(401, 'bad token: send "Authorization: Token <token>" or ?token=<token>');
    }
    const body = await readBody(req, this.maxBodyBytes);
    const parsed = parsePlateRecognizerWebhook(parseJson(jsonText(req.headers['content-type'] ?? '', body)), this.clock.now());
    if (typeof parsed === 'string') throw new HttpFailure(400, parsed);
    let accepted = 0;
    let duplicates = 0;
    for (const read of parsed.reads) {
      if (!this.seen.firstTime(read.readId)) {
        duplicates++;
        continue;
      }
      accepted++;
      this.emit('input', read);
    }
    for (const skip of parsed.skipped) {
      if (this.seen.firstTime(skip.key)) this.emit('error', new SkippedResultError(skip.reason));
    }
    return { accepted, duplicates, skipped: parsed.skipped.length };
  }
}

/** A webhook result that yielded no plate read: journalled as an input error, with why. */
export class SkippedResultError extends Error {
  override readonly name = 'SkippedResultError';
}

/** "Authorization: Token <t>" (also "Bearer <t>"), else ?token=<t>. */
function givenToken(req: IncomingMessage, url: URL): string {
  const auth = /^\s*(?:Token|Bearer)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return auth ? auth[1]! : (url.searchParams.get('token') ?? '');
}

function jsonText(contentType: string, body: Buffer): string {
  if (/^application\/json\b/i.test(contentType) || contentType === '') return body.toString('utf8');
  if (/^multipart\/form-data\b/i.test(contentType)) {
    const boundary = multipartBoundary(contentType);
    const field = boundary ? multipartField(body, boundary, 'json') : null;
    if (field === null) throw new HttpFailure(400, 'multipart body without a "json" field');
    return field;
  }
  throw new HttpFailure(415, 'send application/json or multipart/form-data');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpFailure(400, 'body is not valid JSON');
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new HttpFailure(413, `body over ${limit} bytes`));
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new HttpFailure(413, `body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', (err) => reject(new HttpFailure(400, `request failed: ${err.message}`)));
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify(body));
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
