// Framing for ASCII serial devices (lane controllers, scanners): a tiny pure parser fed chunks as
// they arrive, in any split, returning whole frames and errors. It never throws on line data:
// noise on an RS-485 pair is normal and must not stop the gate.
//
// Two framings:  'stx-etx'  <STX> payload [*HH] <ETX>   (bytes between frames are garbage)
//                'line'     payload [*HH] <delimiter>
// Optional checksum 'xor-hex': '*' then two upper-case hex digits, the XOR of every payload byte
// (NMEA style), so the checksum stays printable and inside the frame.

export type FramingOptions =
  | { mode: 'stx-etx'; stx?: number; etx?: number; checksum?: ChecksumKind; maxFrameBytes?: number; ignoreWhitespace?: boolean }
  | { mode: 'line'; delimiter?: string; checksum?: ChecksumKind; maxFrameBytes?: number };
export type ChecksumKind = 'none' | 'xor-hex';

export type FrameEvent =
  | { type: 'frame'; payload: string }
  | { type: 'error'; reason: 'garbage' | 'overflow' | 'unterminated' | 'checksum' | 'encoding'; raw: string };

const STX = 0x02;
const ETX = 0x03;

export function xorChecksum(payload: string): string {
  let x = 0;
  for (const byte of Buffer.from(payload, 'latin1')) x ^= byte;
  return x.toString(16).toUpperCase().padStart(2, '0');
}

/** Wraps a payload for the wire with the same options the parser uses. */
export function encodeFrame(payload: string, opts: FramingOptions): Buffer {
  const body = (opts.checksum ?? 'none') === 'xor-hex' ? `${payload}*${xorChecksum(payload)}` : payload;
  if (opts.mode === 'line') return Buffer.from(body + (opts.delimiter ?? '\r\n'), 'latin1');
  return Buffer.concat([Buffer.from([opts.stx ?? STX]), Buffer.from(body, 'latin1'), Buffer.from([opts.etx ?? ETX])]);
}

export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);
  /** stx-etx: inside a frame (saw STX, waiting for ETX) */
  private inFrame = false;
  private readonly maxFrameBytes: number;

  constructor(private readonly opts: FramingOptions) {
    this.maxFrameBytes = opts.maxFrameBytes ?? 256;
  }

  /** Feed bytes as they arrive; returns every frame or error completed by this chunk. */
  push(chunk: Buffer | string): FrameEvent[] {
    this.buf = Buffer.concat([this.buf, typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk]);
    return this.opts.mode === 'line' ? this.drainLines() : this.drainStxEtx();
  }

  /** Drops any partial frame (after a reconnect). */
  reset(): void {
    this.buf = Buffer.alloc(0);
    this.inFrame = false;
  }

  private drainLines(): FrameEvent[] {
    const out: FrameEvent[] = [];
    const delimiter = Buffer.from(this.opts.mode === 'line' ? (this.opts.delimiter ?? '\r\n') : '\n', 'latin1');
    for (;;) {
      const at = this.buf.indexOf(delimiter);
      if (at < 0) break;
      const raw = trimCrLf(this.buf.subarray(0, at));
      this.buf = this.buf.subarray(at + delimiter.length);
      // Blank lines (a lone CR/LF between frames) are not frames and not worth an error.
      if (raw.length === 0) continue;
      out.push(raw.length > this.maxFrameBytes ? overflow(raw) : this.finish(raw));
    }
    if (this.buf.length > this.maxFrameBytes) {
      out.push(overflow(this.buf));
      this.buf = Buffer.alloc(0);
    }
    return out;
  }

  private drainStxEtx(): FrameEvent[] {
    const out: FrameEvent[] = [];
    const stx = this.opts.mode === 'stx-etx' ? (this.opts.stx ?? STX) : STX;
    const etx = this.opts.mode === 'stx-etx' ? (this.opts.etx ?? ETX) : ETX;
    for (;;) {
      if (!this.inFrame) {
        const start = this.buf.indexOf(stx);
        const junk = start < 0 ? this.buf : this.buf.subarray(0, start);
        if (junk.length > 0 && !this.ignorable(junk)) out.push({ type: 'error', reason: 'garbage', raw: printable(junk) });
        if (start < 0) {
          this.buf = Buffer.alloc(0);
          break;
        }
        this.buf = this.buf.subarray(start + 1);
        this.inFrame = true;
      }
      const end = this.buf.indexOf(etx);
      const restart = this.buf.indexOf(stx);
      if (restart >= 0 && (end < 0 || restart < end)) {
        // A new STX before the ETX: the previous frame was cut short (line noise, device reset).
        out.push({ type: 'error', reason: 'unterminated', raw: printable(this.buf.subarray(0, restart)) });
        this.buf = this.buf.subarray(restart);
        this.inFrame = false;
        continue;
      }
      if (end < 0) {
        if (this.buf.length > this.maxFrameBytes) {
          out.push(overflow(this.buf));
          this.buf = Buffer.alloc(0);
          this.inFrame = false;
        }
        break;
      }
      const raw = this.buf.subarray(0, end);
      this.buf = this.buf.subarray(end + 1);
      this.inFrame = false;
      out.push(raw.length > this.maxFrameBytes ? overflow(raw) : this.finish(raw));
    }
    return out;
  }

  /** Boards that end each frame with CR/LF (ignoreWhitespace): those bytes between frames are not noise. */
  private ignorable(junk: Buffer): boolean {
    if (this.opts.mode !== 'stx-etx' || !this.opts.ignoreWhitespace) return false;
    return junk.every((b) => b === 0x0d || b === 0x0a || b === 0x20 || b === 0x09);
  }

  private finish(raw: Buffer): FrameEvent {
    // Control bytes or 8-bit bytes inside a frame: not our ASCII protocol.
    for (const byte of raw) {
      if (byte < 0x20 || byte > 0x7e) return { type: 'error', reason: 'encoding', raw: printable(raw) };
    }
    const text = raw.toString('latin1');
    if ((this.opts.checksum ?? 'none') === 'none') return { type: 'frame', payload: text };
    const star = text.lastIndexOf('*');
    if (star < 0 || text.length - star !== 3) return { type: 'error', reason: 'checksum', raw: text };
    const payload = text.slice(0, star);
    if (text.slice(star + 1).toUpperCase() !== xorChecksum(payload)) return { type: 'error', reason: 'checksum', raw: text };
    return { type: 'frame', payload };
  }
}

/** Line mode tolerates CR/LF around a line whichever delimiter is set (scanners send CR, CRLF or LF). */
function trimCrLf(raw: Buffer): Buffer {
  let start = 0;
  let end = raw.length;
  while (start < end && (raw[start] === 0x0d || raw[start] === 0x0a)) start++;
  while (end > start && (raw[end - 1] === 0x0d || raw[end - 1] === 0x0a)) end--;
  return raw.subarray(start, end);
}

function overflow(raw: Buffer): FrameEvent {
  return { type: 'error', reason: 'overflow', raw: printable(raw.subarray(0, 64)) };
}

/** For error messages and logs: control bytes shown as \xNN. */
function printable(raw: Buffer): string {
  return raw.toString('latin1').replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
