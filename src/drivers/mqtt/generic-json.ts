// A barrier behind any controller speaking JSON over configurable topics (ESPHome, Node-RED, PLC
// gateways):
//   commandTopic  <- {"command":"open","pulseMs":5000} | {"command":"close"} | {"command":"status"}
//   stateTopic    -> {"state":"open"|"closed"|"fault"}  (or the bare word)
//   availabilityTopic (optional) -> online | offline | true | false

import type { BarrierState } from '../../core/gate/ports.js';
import { MqttBarrierBase } from './barrier-base.js';
import type { MqttLink } from './mqtt-link.js';

export interface GenericJsonBarrierOptions {
  name: string;
  commandTopic: string;
  stateTopic: string;
  availabilityTopic?: string;
  defaultPulseMs?: number;
  /** wait for the state topic after a command (default 2000 ms) */
  replyTimeoutMs?: number;
}

const knownStates = new Set<BarrierState>(['open', 'closed', 'fault', 'unknown']);

export class GenericJsonBarrier extends MqttBarrierBase {
  private readonly defaultPulseMs: number;

  constructor(link: MqttLink, private readonly opts: GenericJsonBarrierOptions) {
    super(link, `json ${opts.name}`, opts.replyTimeoutMs ?? 2000);
    this.defaultPulseMs = opts.defaultPulseMs ?? 5000;
  }

  protected topics(): string[] {
    return this.opts.availabilityTopic ? [this.opts.stateTopic, this.opts.availabilityTopic] : [this.opts.stateTopic];
  }

  protected onTopic(topic: string, payload: Buffer): void {
    const text = payload.toString().trim();
    if (topic === this.opts.availabilityTopic) {
      if (/^(online|true)$/i.test(text)) this.reportAvailability('online');
      else if (/^(offline|false)$/i.test(text)) this.reportAvailability('offline');
      return;
    }
    const raw = text.startsWith('{') ? (JSON.parse(text) as { state?: unknown }).state : text;
    const state = typeof raw === 'string' ? raw.toLowerCase() : '';
    if (!knownStates.has(state as BarrierState)) throw new Error(`unexpected state ${JSON.stringify(raw)}`);
    this.reportState(state as BarrierState);
  }

  async open(pulseMs?: number): Promise<void> {
    const pulse = pulseMs ?? this.defaultPulseMs;
    await this.command({ command: 'open', ...(pulse > 0 ? { pulseMs: pulse } : {}) }, (s) => s === 'open' || s === 'fault').then((s) => {
      if (s === 'fault') throw this.failure('reports fault after open');
    });
  }

  async close(): Promise<void> {
    await this.command({ command: 'close' }, (s) => s === 'closed' || s === 'fault');
  }

  async status(): Promise<BarrierState> {
    try {
      return await this.command({ command: 'status' }, () => true);
    } catch {
      return this.lastState;
    }
  }

  private command(body: Record<string, unknown>, accept: (s: BarrierState) => boolean): Promise<BarrierState> {
    const send = () => this.link.publishAsync(this.opts.commandTopic, JSON.stringify(body), { qos: 1 });
    return this.sendAndAwaitState(send, accept, String(body.command));
  }
}
