// A barrier behind a Tasmota relay. Tasmota's default topics:
//   cmnd/<topic>/POWER  ON | OFF | ""(query)      stat/<topic>/POWER  ON | OFF
//   cmnd/<topic>/PulseTime <n>                     stat/<topic>/RESULT {"POWER":"ON"}
//   tele/<topic>/LWT  Online | Offline (retained)
// The relay state stands for the barrier: ON = open signal held, OFF = closed. PulseTime makes
// the relay drop by itself, so a lost OFF never leaves a lane open.

import type { BarrierState } from '../../core/gate/ports.js';
import { MqttBarrierBase } from './barrier-base.js';
import { topicPart, type MqttLink } from './mqtt-link.js';

export interface TasmotaBarrierOptions {
  /** the device's %topic%, e.g. "gate1" */
  topic: string;
  /** default pulse when open() gets none (default 5000 ms); 0 latches until close() */
  defaultPulseMs?: number;
  /** wait for stat/POWER after a command (default 2000 ms) */
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
  private readonly cmnd: string;
  private readonly stat: string;
  private readonly lwt: string;
  private readonly defaultPulseMs: number;
  /** PulseTime is stored in the device's flash: only send it when it changes */
  private sentPulseTime: number | null = null;

  constructor(link: MqttLink, opts: TasmotaBarrierOptions) {
    const topic = topicPart(opts.topic, 'Tasmota topic');
    super(link, `tasmota ${topic}`, opts.replyTimeoutMs ?? 2000);
    this.cmnd = `cmnd/${topic}`;
    this.stat = `stat/${topic}`;
    this.lwt = `tele/${topic}/LWT`;
    this.defaultPulseMs = opts.defaultPulseMs ?? 5000;
  }

  protected topics(): string[] {
    return [`${this.stat}/POWER`, `${this.stat}/RESULT`, this.lwt];
  }

  protected onTopic(topic: string, payload: Buffer): void {
    const text = payload.toString().trim();
    if (topic === this.lwt) {
      if (/^online$/i.test(text)) this.reportAvailability('online');
      else if (/^offline$/i.test(text)) this.reportAvailability('offline');
      return;
    }
    let power = text;
    if (topic.endsWith('/RESULT')) {
      const v = JSON.parse(text) as Record<string, unknown>;
      if (typeof v.POWER !== 'string') return; // RESULT also answers PulseTime and others
      power = v.POWER;
    }
    if (/^on$/i.test(power)) this.reportState('open');
    else if (/^off$/i.test(power)) this.reportState('closed');
    else throw new Error(`unexpected POWER "${power}"`);
  }

  async open(pulseMs?: number): Promise<void> {
    const pulseTime = tasmotaPulseTime(pulseMs ?? this.defaultPulseMs);
    if (pulseTime !== this.sentPulseTime) {
      await this.link.publishAsync(`${this.cmnd}/PulseTime`, String(pulseTime), { qos: 1 });
      this.sentPulseTime = pulseTime;
    }
    await this.sendAndAwaitState(() => this.link.publishAsync(`${this.cmnd}/POWER`, 'ON', { qos: 1 }), (s) => s === 'open', 'open');
  }

  async close(): Promise<void> {
    await this.sendAndAwaitState(() => this.link.publishAsync(`${this.cmnd}/POWER`, 'OFF', { qos: 1 }), (s) => s === 'closed', 'close');
  }

  /** An empty POWER command makes Tasmota publish its state. */
  async status(): Promise<BarrierState> {
    try {
      return await this.sendAndAwaitState(() => this.link.publishAsync(`${this.cmnd}/POWER`, '', { qos: 1 }), () => true, 'status');
    } catch {
      return this.lastState;
    }
  }
}
