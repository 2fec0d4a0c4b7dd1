// A QR / barcode scanner in serial (USB-CDC) mode: one code per line. Each line becomes a
// credential input; bad lines (control bytes, overlong) are 'error' events, never a crash.

import { TypedEmitter } from '../../core/gate/emitter.js';
import { FrameParser, type FramingOptions } from '../../core/gate/frame-parser.js';
import type { GateInputEvents, GateInputSource } from '../../core/gate/ports.js';
import { systemClock, type Clock } from '../../core/ports.js';
import { closeLink, type SerialLink } from './serial-link.js';

export interface ScannerOptions {
  name: string;
  /** default: lines ending in CR (most scanners; CRLF and LF work too) */
  framing?: FramingOptions;
  clock?: Clock;
}

export class SerialScanner extends TypedEmitter<GateInputEvents> implements GateInputSource {
  private readonly parser: FrameParser;
  private readonly source: string;
  private readonly clock: Clock;

  constructor(private readonly link: SerialLink, opts: ScannerOptions) {
    super();
    this.parser = new FrameParser(opts.framing ?? { mode: 'line', delimiter: '\r', maxFrameBytes: 128 });
    this.source = `scanner:${opts.name}`;
    this.clock = opts.clock ?? systemClock;
    link.on('data', this.onData);
    link.on('error', this.onError);
  }

  private readonly onData = (chunk: Buffer): void => {
    for (const ev of this.parser.push(chunk)) {
      if (ev.type === 'error') {
        this.emit('error', new Error(`${this.source}: bad scan (${ev.reason}): ${ev.raw}`));
        continue;
      }
      const code = ev.payload.trim();
      if (code) this.emit('input', { kind: 'credential', code, source: this.source, at: this.clock.now() });
    }
  };

  private readonly onError = (err: Error): void => {
    this.emit('error', err);
  };

  async dispose(): Promise<void> {
    this.link.off('data', this.onData);
    this.link.off('error', this.onError);
    await closeLink(this.link);
    this.removeAllListeners();
  }
}
