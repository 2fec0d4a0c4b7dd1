// HTTP Digest authentication (RFC 7616, qop "auth", MD5 or SHA-256) for devices that accept
// nothing else (Hikvision ISAPI). The request goes once without credentials; a 401 with a Digest
// challenge is answered once. Written here rather than taken from npm: the client side is forty
// lines of the RFC, and the npm digest clients wrap other HTTP stacks (node-fetch, axios) this
// project does not use.
import { createHash, randomBytes } from 'node:crypto';

export interface DigestRequest {
  url: string;
  method: string;
  body?: string;
  contentType?: string;
  username: string;
  password: string;
  /** ms, for each of the (at most two) round trips */
  timeoutMs: number;
}

export interface DigestResponse {
  status: number;
  text: string;
}

export async function digestFetch(r: DigestRequest): Promise<DigestResponse> {
  const first = await send(r, null);
  if (first.status !== 401) return { status: first.status, text: await first.text() };
  const challenge = first.headers.get('www-authenticate') ?? '';
  await first.arrayBuffer().catch(() => undefined);
  if (!/^Digest\s/i.test(challenge)) return { status: 401, text: 'the device asks for an authentication other than Digest' };
  const second = await send(r, authorization(r, parseChallenge(challenge)));
  return { status: second.status, text: await second.text() };
}

function send(r: DigestRequest, auth: string | null): Promise<Response> {
  const headers: Record<string, string> = {};
  if (r.body !== undefined) headers['content-type'] = r.contentType ?? 'application/xml; charset="UTF-8"';
  if (auth) headers.authorization = auth;
  return fetch(r.url, { method: r.method, headers, body: r.body, signal: AbortSignal.timeout(r.timeoutMs) });
}

/** `Digest realm="x", nonce="y", qop="auth", ...` to its fields. */
export function parseChallenge(header: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of header.replace(/^Digest\s+/i, '').matchAll(/([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    fields[m[1]!.toLowerCase()] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return fields;
}

function authorization(r: DigestRequest, c: Record<string, string>): string {
  const algorithm = (c.algorithm ?? 'MD5').toUpperCase();
  const hash = (s: string) => createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5').update(s).digest('hex');
  const uri = new URL(r.url).pathname + new URL(r.url).search;
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  let ha1 = hash(`${r.username}:${c.realm ?? ''}:${r.password}`);
  if (algorithm.endsWith('-SESS')) ha1 = hash(`${ha1}:${c.nonce ?? ''}:${cnonce}`);
  const ha2 = hash(`${r.method}:${uri}`);
  const qop = (c.qop ?? '').split(',').map((q) => q.trim()).includes('auth') ? 'auth' : null;
  const response = qop ? hash(`${ha1}:${c.nonce ?? ''}:${nc}:${cnonce}:${qop}:${ha2}`) : hash(`${ha1}:${c.nonce ?? ''}:${ha2}`);
  const parts = [
    `username="${r.username}"`, `realm="${c.realm ?? ''}"`, `nonce="${c.nonce ?? ''}"`, `uri="${uri}"`, `algorithm=${algorithm}`, `response="${response}"`,
    ...(qop ? [`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`] : []),
    ...(c.opaque !== undefined ? [`opaque="${c.opaque}"`] : []),
  ];
  return `Digest ${parts.join(', ')}`;
}
