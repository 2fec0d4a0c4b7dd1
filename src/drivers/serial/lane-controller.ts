// A lane controller on a serial line: one device that is both the barrier (open/close/status/
// display) and an input source (loops and buttons). Commands go one at a time; the controller
// answers each with its status ("ST ...") or a refusal ("NAK ..."), and we wait for that answer
// at most replyTimeoutMs, so a dead controller is an ExternalError in a bounded time, not a hang.

import { ExternalError } from '../../core/errors.js';
import { TypedEmitter } from '../../core/gate/emitter.js';
import { FrameParser, encodeFrame, type FramingOptions } from '../../core/gate/frame-parser.js';
import {
  UnreadableFrameError, type Availability, type Barrier, type BarrierEvents, type BarrierState, type GateInputEvents, type GateInputSource,
} from '../../core/gate/ports.js';
import { systemClock, type Clock } from '../../core/ports.js';
import { encodeLaneCommand, parseLaneMessage, type LaneCommand, type LaneMessage } from './lane-protocol.js';
import { closeLink, writeLink, type SerialLink } from './serial-link.js';

export interface LaneControllerOptions {
  /** names the device in errors and in input.source, e.g. "lane1" */
  name: string;
  /** default: STX/ETX with XOR checksum */
  framing?: FramingOptions;
  /** how long to wait for the status answer to a command (default 500 ms) */
  replyTimeoutMs?: number;
  /** pulse used when open() is called without one (default 5000 ms); 0 means latch open */
  defaultPulseMs?: number;
  clock?: Clock;
}

export type LaneControllerEvents = BarrierEvents & GateInputEvents;

interface AwaitingReply {
  resolve(state: BarrierState): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export const defaultLaneFraming: FramingOptions = { mode: 'stx-etx', checksum: 'xor-hex' };

export class LaneController extends TypedEmitter<LaneControllerEvents> implements Barrier, GateInputSource {
  private readonly parser: FrameParser;
  private readonly framing: FramingOptions;
  private readonly replyTimeoutMs: number;
  private readonly defaultPulseMs: number;
  private readonly clock: Clock;
  private readonly source: string;
  private lastState: BarrierState = 'unknown';
  private availability: Availability | null = null;
  private awaiting: AwaitingReply | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(private readonly link: SerialLink, opts: LaneControllerOptions) {
    super();
    this.framing = opts.framing ?? defaultLaneFraming;
    this.parser = new FrameParser(this.framing);
    this.replyTimeoutMs = opts.replyTimeoutMs ?? 500;
    this.defaultPulseMs = opts.defaultPulseMs ?? 5000;
    this.clock = opts.clock ?? systemClock;
    this.source = `serial:${opts.name}`;
    link.on('data', this.onData);
    link.on('error', this.onLinkError);
    link.on('close', this.onLinkClose);
  }

  /** Last state reported by the controller, without asking. */
  get state(): BarrierState {
    return this.lastState;
  }

  open(pulseMs?: number): Promise<void> {
    const pulse = pulseMs ?? this.defaultPulseMs;
    return this.command(pulse > 0 ? { kind: 'open', pulseMs: pulse } : { kind: 'open' }).then((state) => {
      if (state === 'fault') throw this.failure('reports FAULT after OPEN');
    });
  }

  async close(): Promise<void> {
    await this.command({ kind: 'close' });
  }

  async status(): Promise<BarrierState> {
    try {
      return await this.command({ kind: 'status' });
    } catch {
      return this.lastState;
    }
  }

  async display(text: string): Promise<void> {
    await this.command({ kind: 'display', text });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.failAwaiting(this.failure('driver disposed'));
    this.link.off('data', this.onData);
    this.link.off('error', this.onLinkError);
    this.link.off('close', this.onLinkClose);
    await closeLink(this.link);
    this.removeAllListeners();
  }

  /** Queues a command; resolves with the state the controller answered. */
  private command(cmd: LaneCommand): Promise<BarrierState> {
    const run = () => this.send(cmd);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private send(cmd: LaneCommand): Promise<BarrierState> {
    if (this.disposed || !this.link.isOpen) return Promise.reject(this.failure('serial port is not open'));
    return new Promise<BarrierState>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.awaiting = null;
        this.setAvailability('offline');
        reject(this.failure(`no status reply to ${cmd.kind.toUpperCase()} within ${this.replyTimeoutMs} ms`));
      }, this.replyTimeoutMs);
      this.awaiting = { resolve, reject, timer };
      writeLink(this.link, encodeFrame(encodeLaneCommand(cmd), this.framing)).catch((err: Error) => {
        this.failAwaiting(this.failure(`write failed: ${err.message}`));
      });
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    for (const ev of this.parser.push(chunk)) {
      if (ev.type === 'error') {
        this.emit('error', new UnreadableFrameError(`${this.source}: bad frame (${ev.reason}): ${ev.raw}`));
        continue;
      }
      const msg = parseLaneMessage(ev.payload);
      if (!msg) {
        this.emit('error', new UnreadableFrameError(`${this.source}: unknown message: ${ev.payload}`));
        continue;
      }
      this.setAvailability('online');
      this.handle(msg);
    }
  };

  private handle(msg: LaneMessage): void {
    const at = this.clock.now();
    switch (msg.kind) {
      case 'status': {
        if (msg.state !== this.lastState) {
          this.lastState = msg.state;
          this.emit('state', msg.state);
        }
        const awaiting = this.takeAwaiting();
        awaiting?.resolve(msg.state);
        return;
      }
      case 'nak': {
        const awaiting = this.takeAwaiting();
        const err = this.failure(`refused the command: ${msg.reason}`);
        if (awaiting) awaiting.reject(err);
        else this.emit('error', err);
        return;
      }
      case 'loop':
        this.emit('input', { kind: 'loop', loop: msg.loop, on: msg.on, source: this.source, at });
        return;
      case 'button':
        this.emit('input', { kind: 'button', button: msg.button, source: this.source, at });
        return;
    }
  }

  private takeAwaiting(): AwaitingReply | null {
    const awaiting = this.awaiting;
    if (awaiting) clearTimeout(awaiting.timer);
    this.awaiting = null;
    return awaiting;
  }

  private failAwaiting(err: Error): void {
    this.takeAwaiting()?.reject(err);
  }

  private readonly onLinkError = (err: Error): void => {
    this.emit('error', this.failure(err.message));
  };

  private readonly onLinkClose = (): void => {
    this.failAwaiting(this.failure('serial port closed'));
    this.setAvailability('offline');
  };

  private setAvailability(next: Availability): void {
    if (this.availability === next) return;
    this.availability = next;
    this.emit('availability', next);
  }

  private failure(message: string): ExternalError {
    return new ExternalError(`lane controller ${this.source}`, `${this.source}: ${message}`);
  }
}
