// A lane controller on a serial line or a TCP connection: one device that is both the barrier
// (open/close/status/display) and an input source (loops, buttons, cards). What it speaks is a
// profile (core/gate/lane-profile): parkctl's own protocol by default, or a relay board's.
// Commands go one at a time. Where the board answers (parkctl: "ST ..." or "NAK ..."), we wait for
// the answer at most replyTimeoutMs, so a dead controller is an ExternalError in a bounded time,
// not a hang. open() resolves only once the profile's confirmation came: the answer, an input
// (the car passed) within its timeout, or, where configured, the command's write.

import { ExternalError } from '../../core/errors.js';
import { TypedEmitter } from '../../core/gate/emitter.js';
import { FrameParser, encodeFrame, type FramingOptions } from '../../core/gate/frame-parser.js';
import {
  defaultInputConfirmMs, laneCommandPayload, laneProfiles, normaliseLanePayload, readLaneMessage, type LaneCommandKind, type LaneEvent, type LaneProfile,
} from '../../core/gate/lane-profile.js';
import {
  UnreadableFrameError, type Availability, type Barrier, type BarrierEvents, type BarrierState, type GateInputEvents, type GateInputSource,
} from '../../core/gate/ports.js';
import { systemClock, type Clock } from '../../core/ports.js';
import { closeLink, writeLink, type SerialLink } from './serial-link.js';

export interface LaneControllerOptions {
  /** names the device in errors and in input.source, e.g. "lane1" */
  name: string;
  /** names the link in input.source and errors: "serial:lane1", "tcp:lane1" (default serial) */
  transport?: 'serial' | 'tcp';
  /** the protocol (default: parkctl's own) */
  profile?: LaneProfile;
  /** replaces the profile's framing */
  framing?: FramingOptions;
  /** how long to wait for the answer to a command (default: the profile's, 500 ms) */
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

interface AwaitingConfirmation {
  /** still to come, in order */
  messages: string[];
  done(err: Error | null): void;
}

export const defaultLaneFraming: FramingOptions = { mode: 'stx-etx', checksum: 'xor-hex' };

export class LaneController extends TypedEmitter<LaneControllerEvents> implements Barrier, GateInputSource {
  private readonly parser: FrameParser;
  private readonly profile: LaneProfile;
  private readonly framing: FramingOptions;
  private readonly replyTimeoutMs: number;
  private readonly defaultPulseMs: number;
  private readonly clock: Clock;
  private readonly source: string;
  private lastState: BarrierState = 'unknown';
  private availability: Availability | null = null;
  private awaiting: AwaitingReply | null = null;
  private confirming: AwaitingConfirmation | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(private readonly link: SerialLink, opts: LaneControllerOptions) {
    super();
    this.profile = opts.profile ?? laneProfiles.parkctl;
    this.framing = opts.framing ?? this.profile.framing;
    this.parser = new FrameParser(this.framing);
    this.replyTimeoutMs = opts.replyTimeoutMs ?? this.profile.replyTimeoutMs;
    this.defaultPulseMs = opts.defaultPulseMs ?? 5000;
    this.clock = opts.clock ?? systemClock;
    this.source = `${opts.transport ?? 'serial'}:${opts.name}`;
    link.on('data', this.onData);
    link.on('error', this.onLinkError);
    link.on('close', this.onLinkClose);
    link.on('open', this.onLinkOpen);
    if (this.profile.askStatusOnConnect && link.isOpen) this.askStatus();
  }

  /** The profile in force (status, config report). */
  get protocol(): string {
    return this.profile.name;
  }

  /** Last state reported by the controller, without asking. */
  get state(): BarrierState {
    return this.lastState;
  }

  open(pulseMs?: number): Promise<void> {
    const pulse = pulseMs ?? this.defaultPulseMs;
    const confirm = this.profile.confirm;
    const run = async () => {
      const waiting = typeof confirm === 'object' ? this.awaitConfirmation(confirm.messages, confirm.timeoutMs ?? defaultInputConfirmMs) : null;
      let state: BarrierState;
      try {
        state = await this.send('open', { pulseMs: pulse });
      } catch (err) {
        this.confirming?.done(null);
        waiting?.catch(() => undefined);
        throw err;
      }
      if (state === 'fault') {
        this.confirming?.done(null);
        waiting?.catch(() => undefined);
        throw this.failure('reports FAULT after OPEN');
      }
      await waiting;
    };
    return this.enqueue(run);
  }

  async close(): Promise<void> {
    await this.command('close');
  }

  async status(): Promise<BarrierState> {
    if (!this.profile.replies) return this.lastState;
    try {
      return await this.command('status');
    } catch {
      return this.lastState;
    }
  }

  async display(text: string): Promise<void> {
    await this.command('display', { text });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.failAwaiting(this.failure('driver disposed'));
    this.confirming?.done(this.failure('driver disposed'));
    this.link.off('data', this.onData);
    this.link.off('open', this.onLinkOpen);
    this.link.off('error', this.onLinkError);
    this.link.off('close', this.onLinkClose);
    await closeLink(this.link);
    this.removeAllListeners();
  }

  /** Queues a command; resolves with the state the controller answered (the last known one for a board that does not answer). */
  private command(kind: LaneCommandKind, arg: { pulseMs?: number; text?: string } = {}): Promise<BarrierState> {
    return this.enqueue(() => this.send(kind, arg));
  }

  private enqueue<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private send(kind: LaneCommandKind, arg: { pulseMs?: number; text?: string }): Promise<BarrierState> {
    const payload = laneCommandPayload(this.profile, kind, arg);
    if (payload === null) return Promise.reject(this.failure(`the ${this.profile.name} protocol has no ${kind.toUpperCase()} command`));
    if (this.disposed || !this.link.isOpen) return Promise.reject(this.failure(`${this.transport} is not open`));
    const bytes = encodeFrame(payload, this.framing);
    if (!this.profile.replies) {
      return writeLink(this.link, bytes).then(() => this.lastState, (err: Error) => {
        throw this.failure(`write failed: ${err.message}`);
      });
    }
    return new Promise<BarrierState>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.awaiting = null;
        this.setAvailability('offline');
        reject(this.failure(`no status reply to ${kind.toUpperCase()} within ${this.replyTimeoutMs} ms`));
      }, this.replyTimeoutMs);
      this.awaiting = { resolve, reject, timer };
      writeLink(this.link, bytes).catch((err: Error) => {
        this.failAwaiting(this.failure(`write failed: ${err.message}`));
      });
    });
  }

  /** Resolves when `messages` arrived in order, rejects after timeoutMs: set before the command is written. */
  private awaitConfirmation(messages: readonly string[], timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(this.failure(`no ${messages.join(' then ')} within ${timeoutMs} ms of OPEN: the barrier is not confirmed`)), timeoutMs);
      const finish = (err: Error | null) => {
        clearTimeout(timer);
        if (this.confirming === waiter) this.confirming = null;
        if (err) reject(err);
        else resolve();
      };
      const waiter: AwaitingConfirmation = { messages: messages.map(normaliseLanePayload), done: finish };
      this.confirming = waiter;
    });
  }

  private askStatus(): void {
    if (!this.profile.commands.status) return;
    this.command('status').catch((err: Error) => this.emit('error', err));
  }

  private get transport(): string {
    return this.source.startsWith('tcp:') ? 'connection' : 'serial port';
  }

  private readonly onData = (chunk: Buffer): void => {
    for (const ev of this.parser.push(chunk)) {
      if (ev.type === 'error') {
        this.emit('error', new UnreadableFrameError(`${this.source}: bad frame (${ev.reason}): ${ev.raw}`));
        continue;
      }
      const confirming = this.confirming;
      if (confirming && confirming.messages[0] === normaliseLanePayload(ev.payload)) {
        confirming.messages.shift();
        if (confirming.messages.length === 0) confirming.done(null);
      }
      const msg = readLaneMessage(this.profile, ev.payload);
      if (!msg) {
        this.emit('error', new UnreadableFrameError(`${this.source}: unknown message: ${ev.payload}`));
        continue;
      }
      this.setAvailability('online');
      this.handle(msg);
    }
  };

  private handle(msg: LaneEvent): void {
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
      case 'card':
        this.emit('input', { kind: 'credential', code: msg.code, source: this.source, at });
        return;
      case 'ack':
        this.takeAwaiting()?.resolve(this.lastState);
        return;
      case 'ignore':
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
    this.failAwaiting(this.failure(`${this.transport} closed`));
    this.confirming?.done(this.failure(`${this.transport} closed before the barrier was confirmed`));
    this.parser.reset();
    this.setAvailability('offline');
  };

  /** A link that reconnects (TCP): ask the board where its loops are, as after a restart. */
  private readonly onLinkOpen = (): void => {
    if (this.profile.askStatusOnConnect) this.askStatus();
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
