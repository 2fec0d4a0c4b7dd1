// A barrier behind a Tasmota relay. With the default FullTopic "%prefix%/%topic%/":
//   cmnd/<topic>/POWER<n>  ON | OFF | ""(query)    stat/<topic>/POWER<n>  ON | OFF
//   cmnd/<topic>/PulseTime<n> <v>                 stat/<topic>/RESULT {"POWER<n>":"ON"} | {"PulseTime<n>":{"Set":v,"Remaining":r}}
//   tele/<topic>/LWT  Online | Offline (retained)
// The device names its relay "POWER" when it has one relay, and "POWER1".."POWERn" when it has
// several or runs SetOption26 1; with SetOption4 1 the JSON answer comes on stat/<topic>/<COMMAND>
// instead of RESULT. Both forms are read (tasmota-topics.ts).
//
// The relay state stands for the barrier: ON = open signal held, OFF = closed. PulseTime makes the
// relay drop by itself, so a lost OFF never leaves a lane open; it lives in the device's settings,
// which a reset or a replaced unit loses. So it is set again on every "Online" the device announces
// and on open() until the device's own answer confirms it: an open() whose PulseTime the device did
// not confirm is refused (the relay could latch ON and hold the barrier open).

import type { BarrierState } from '../../core/gate/ports.js';
import { MqttBarrierBase } from './barrier-base.js';
import { topicPart, type MqttLink } from './mqtt-link.js';
import { defaultFullTopic, parseTasmotaStat, tasmotaTopic } from './tasmota-topics.js';

export interface TasmotaBarrierOptions {
  /** the device's %topic%, e.g. "gate1" */
  topic: string;
  /** the device's FullTopic (default "%prefix%/%topic%/") */
  fullTopic?: string;
  /** relay 1..32 on a multi-relay device; unset: the device's first (or only) relay */
  relay?: number;
  /** default pulse when open() gets none (default 5000 ms); 0 latches until close() */
  defaultPulseMs?: number;
  /** wait for the device's answer after a command (default 2000 ms) */
  replyTimeoutMs?: number;
}

/**
 * Tasmota's PulseTime encoding: 1..111 are tenths of a second (0.1 s .. 11.1 s), 112..64900 are
 * whole seconds plus 100. 0 switches pulsing off.
 */
export function tasmotaPulseTime(pulseMs: number): number {
  if (!(pulseMs > 0)) return 0;
  if (pulseMs <= 11_100) return Math.max(1, Math.round(pulseMs / 100));
  return Math.min(64_900, Math.max(112, Math.round(pulseMs / 1000) + 100));
}

export class TasmotaBarrier extends MqttBarrierBase {
  private readonly topic: string;
  private readonly fullTopic: string;
  private readonly relay: number;
  /** the command we send: POWER on a one-relay set-up, POWER<n> when a relay is named */
  private readonly powerCommand: string;
  private readonly defaultPulseMs: number;
  /** PulseTime the device confirmed since it last came online; null: not confirmed */
  private armedPulseTime: number | null = null;
  private arming: { value: number; done: Promise<void> } | null = null;
  private readonly pulseWaiters = new Set<(set: number) => void>();

  constructor(link: MqttLink, opts: TasmotaBarrierOptions) {
    const topic = topicPart(opts.topic, 'Tasmota topic');
    super(link, `tasmota ${topic}`, opts.replyTimeoutMs ?? 2000);
    this.topic = topic;
    this.fullTopic = opts.fullTopic ?? defaultFullTopic;
    if (opts.relay !== undefined && !(Number.isInteger(opts.relay) && opts.relay >= 1 && opts.relay <= 32)) {
      throw new RangeError(`Tasmota relay ${opts.relay} must be 1..32`);
    }
    this.relay = opts.relay ?? 1;
    this.powerCommand = opts.relay === undefined ? 'POWER' : `POWER${opts.relay}`;
    this.defaultPulseMs = opts.defaultPulseMs ?? 5000;
  }

  private at(prefix: 'cmnd' | 'stat' | 'tele', command: string): string {
    return tasmotaTopic(this.fullTopic, prefix, this.topic, command);
  }

  protected topics(): string[] {
    const stat = ['RESULT', 'POWER', `POWER${this.relay}`, 'PULSETIME', `PULSETIME${this.relay}`];
    return [...new Set(stat)].map((c) => this.at('stat', c)).concat(this.at('tele', 'LWT'));
  }

  protected onTopic(topic: string, payload: Buffer): void {
    const text = payload.toString().trim();
    if (topic === this.at('tele', 'LWT')) {
      if (/^online$/i.test(text)) this.onOnline();
      else if (/^offline$/i.test(text)) {
        this.armedPulseTime = null;
        this.reportAvailability('offline');
      }
      return;
    }
    const subtopic = topic.slice(topic.lastIndexOf('/') + 1);
    const stat = parseTasmotaStat(subtopic, text, this.relay);
    if (stat.pulseTimeSet !== null) for (const w of [...this.pulseWaiters]) w(stat.pulseTimeSet);
    if (stat.power === 'ON') this.reportState('open');
    else if (stat.power === 'OFF') this.reportState('closed');
    else if (stat.power !== null) throw new Error(`unexpected ${subtopic} "${stat.power}"`);
  }

  /** Every Online (a reboot, a reset, a replaced unit): PulseTime may be gone, so set it again now. */
  private onOnline(): void {
    this.armedPulseTime = null;
    this.reportAvailability('online');
    this.armPulse(tasmotaPulseTime(this.defaultPulseMs)).catch((err: unknown) => this.emit('error', err as Error));
  }

  /** Sends PulseTime<n> and resolves once the device's answer shows it set; shared by concurrent callers. */
  private armPulse(value: number): Promise<void> {
    if (this.armedPulseTime === value) return Promise.resolve();
    if (this.arming?.value === value) return this.arming.done;
    const command = `PulseTime${this.relay}`;
    const done = new Promise<void>((resolve, reject) => {
      const waiter = (set: number) => {
        if (set !== value) return;
        cleanup();
        this.armedPulseTime = value;
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(this.failure(`${command} ${value} not confirmed within ${this.replyTimeoutMs} ms`));
      }, this.replyTimeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.pulseWaiters.delete(waiter);
        if (this.arming?.done === done) this.arming = null;
      };
      this.pulseWaiters.add(waiter);
      this.link.publishAsync(this.at('cmnd', command), String(value), { qos: 1 }).catch((err: unknown) => {
        cleanup();
        reject(this.failure(`publish failed: ${(err as Error).message}`, err));
      });
    });
    this.arming = { value, done };
    return done;
  }

  async open(pulseMs?: number): Promise<void> {
    const pulseTime = tasmotaPulseTime(pulseMs ?? this.defaultPulseMs);
    try {
      await this.armPulse(pulseTime);
    } catch (err) {
      throw this.failure(`not opened: the relay did not confirm PulseTime ${pulseTime}, and without it could latch ON (${(err as Error).message})`, err);
    }
    await this.sendAndAwaitState(() => this.publishPower('ON'), (s) => s === 'open', 'open');
  }

  async close(): Promise<void> {
    await this.sendAndAwaitState(() => this.publishPower('OFF'), (s) => s === 'closed', 'close');
  }

  /** An empty POWER command makes Tasmota publish its state. */
  async status(): Promise<BarrierState> {
    try {
      return await this.sendAndAwaitState(() => this.publishPower(''), () => true, 'status');
    } catch {
      return this.lastState;
    }
  }

  override async dispose(): Promise<void> {
    this.pulseWaiters.clear();
    await super.dispose();
  }

  private publishPower(payload: string): Promise<unknown> {
    return this.link.publishAsync(this.at('cmnd', this.powerCommand), payload, { qos: 1 });
  }
}
