// The barrier output of a Hikvision entrance/exit camera (ISAPI, Digest authentication):
//   PUT /ISAPI/Parking/channels/<ch>/barrierGate
//       <BarrierGate><ctrlMode>open|close|lock|unlock</ctrlMode></BarrierGate>
//       -> 200 <ResponseStatus><statusCode>1</statusCode><statusString>OK</statusString>...
//   GET /ISAPI/Parking/channels/<ch>/barrierGate/barrierGateStatus
//       -> <BarrierGateStatus><barrierGateStatus>0|1|2</barrierGateStatus></BarrierGateStatus>
//          (0 no signal, 1 closed in place, 2 open in place)
// A unit whose barrier is locked answers the open command OK and fires nothing, so "OK" proves
// nothing: after each command the position is read back until it is open (verifyTimeoutMs), and
// only then is the open confirmed. A unit wired without a position signal (status 0) cannot
// confirm; `verify: commanded` accepts the OK alone, where a site chooses that.
import { ExternalError } from '../../core/errors.js';
import { TypedEmitter } from '../../core/gate/emitter.js';
import type { Availability, Barrier, BarrierEvents, BarrierState } from '../../core/gate/ports.js';
import { digestFetch, type DigestResponse } from '../http/digest.js';

export interface HikvisionBarrierOptions {
  /** "http://192.168.1.64" (the camera) */
  baseUrl: string;
  channel?: number;
  username: string;
  password: string;
  /** 'status' (default): confirmed once barrierGateStatus reads open; 'commanded': the OK is enough */
  verify?: 'status' | 'commanded';
  /** ms to see the barrier open after the command (default 3000) */
  verifyTimeoutMs?: number;
  /** ms between position reads (default 150) */
  pollMs?: number;
  /** ms per HTTP round trip (default 2000) */
  requestTimeoutMs?: number;
}

const positions: Record<string, BarrierState> = { '0': 'unknown', '1': 'closed', '2': 'open' };

export class HikvisionBarrier extends TypedEmitter<BarrierEvents> implements Barrier {
  private lastState: BarrierState = 'unknown';
  private availability: Availability | null = null;
  private readonly base: string;
  private readonly channel: number;

  constructor(private readonly opts: HikvisionBarrierOptions) {
    super();
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.channel = opts.channel ?? 1;
  }

  async open(): Promise<void> {
    await this.command('open');
    if ((this.opts.verify ?? 'status') === 'commanded') return;
    const timeoutMs = this.opts.verifyTimeoutMs ?? 3000;
    const deadline = Date.now() + timeoutMs;
    let seen: BarrierState = 'unknown';
    for (;;) {
      seen = await this.readPosition();
      if (seen === 'open') return;
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 150));
    }
    throw this.failure(seen === 'unknown'
      ? `answered OK to open but reports no barrier position (barrierGateStatus 0) within ${timeoutMs} ms: not confirmed (wire the position signal, or set verify: commanded)`
      : `answered OK to open but the barrier stayed ${seen} for ${timeoutMs} ms (locked?): not confirmed`);
  }

  async close(): Promise<void> {
    await this.command('close');
  }

  async status(): Promise<BarrierState> {
    try {
      return await this.readPosition();
    } catch {
      return this.lastState;
    }
  }

  async dispose(): Promise<void> {
    this.removeAllListeners();
  }

  private async command(mode: 'open' | 'close'): Promise<void> {
    const body = `<?xml version="1.0" encoding="UTF-8"?><BarrierGate version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema"><ctrlMode>${mode}</ctrlMode></BarrierGate>`;
    const res = await this.request('PUT', `/ISAPI/Parking/channels/${this.channel}/barrierGate`, body);
    const code = tag(res.text, 'statusCode');
    if (res.status !== 200 || (code !== null && code !== '1')) {
      const why = [tag(res.text, 'statusString'), tag(res.text, 'subStatusCode')].filter(Boolean).join(' / ');
      throw this.failure(`refused ${mode}: HTTP ${res.status}${why ? ` (${why})` : ''}`);
    }
  }

  private async readPosition(): Promise<BarrierState> {
    const res = await this.request('GET', `/ISAPI/Parking/channels/${this.channel}/barrierGate/barrierGateStatus`);
    if (res.status !== 200) throw this.failure(`barrierGateStatus: HTTP ${res.status}`);
    const value = tag(res.text, 'barrierGateStatus');
    const state = (value !== null ? positions[value] : undefined) ?? 'unknown';
    if (state !== this.lastState) {
      this.lastState = state;
      this.emit('state', state);
    }
    return state;
  }

  private async request(method: string, path: string, body?: string): Promise<DigestResponse> {
    let res: DigestResponse;
    try {
      res = await digestFetch({ url: this.base + path, method, body, username: this.opts.username, password: this.opts.password, timeoutMs: this.opts.requestTimeoutMs ?? 2000 });
    } catch (err) {
      this.setAvailability('offline');
      const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      throw this.failure(`${method} ${path}: ${cause}`);
    }
    this.setAvailability('online');
    if (res.status === 401) throw this.failure('401: wrong user name or password (Digest)');
    return res;
  }

  private setAvailability(next: Availability): void {
    if (this.availability === next) return;
    this.availability = next;
    this.emit('availability', next);
  }

  private failure(message: string): ExternalError {
    return new ExternalError(`hikvision barrier ${this.base}`, `hikvision ${this.base} channel ${this.channel}: ${message}`);
  }
}

/** The text of the first <name> element (namespace prefixes ignored); null when absent. */
function tag(xml: string, name: string): string | null {
  const m = new RegExp(`<(?:[A-Za-z0-9_]+:)?${name}(?:\\s[^>]*)?>([^<]*)<`).exec(xml);
  return m ? m[1]!.trim() : null;
}
