// A barrier behind a Shelly Gen2+ relay, over its MQTT RPC channel:
//   <prefix>/rpc                 <- {"id":7,"src":"<our id>","method":"Switch.Set","params":{"id":0,"on":true,"toggle_after":5}}
//   <src>/rpc                    -> {"id":7,"src":"<prefix>","dst":"<src>","result":{...}} or {"error":{code,message}}
//   <prefix>/status/switch:<id>  -> {"id":0,"output":true,...}   (with "generic status update over MQTT" on)
//   <prefix>/events/rpc          -> {"method":"NotifyStatus","params":{"switch:0":{"output":true}}}
//   <prefix>/online              -> true | false  (retained)
// toggle_after (seconds) flips the relay back by itself: the pulse.

import { randomUUID } from 'node:crypto';
import type { BarrierState } from '../../core/gate/ports.js';
import { MqttBarrierBase } from './barrier-base.js';
import { topicPart, type MqttLink } from './mqtt-link.js';

export interface ShellyBarrierOptions {
  /** the device's MQTT prefix, by default its id: "shellyplus1-a8032ab12345" */
  prefix: string;
  /** switch component id (default 0) */
  switchId?: number;
  /** our RPC source id; answers come on <src>/rpc (default "parkctl-<random>") */
  src?: string;
  defaultPulseMs?: number;
  replyTimeoutMs?: number;
}

interface RpcAnswer {
  id?: unknown;
  result?: { output?: unknown };
  error?: { code?: unknown; message?: unknown };
}

export class ShellyBarrier extends MqttBarrierBase {
  private readonly prefix: string;
  private readonly switchKey: string;
  private readonly switchId: number;
  private readonly src: string;
  private readonly defaultPulseMs: number;
  private nextId = 1;
  private readonly calls = new Map<number, (answer: RpcAnswer) => void>();

  constructor(link: MqttLink, opts: ShellyBarrierOptions) {
    const prefix = topicPart(opts.prefix, 'Shelly prefix');
    super(link, `shelly ${prefix}`, opts.replyTimeoutMs ?? 2000);
    this.prefix = prefix;
    this.switchId = opts.switchId ?? 0;
    this.switchKey = `switch:${this.switchId}`;
    this.src = topicPart(opts.src ?? `parkctl-${randomUUID().slice(0, 8)}`, 'Shelly RPC source');
    this.defaultPulseMs = opts.defaultPulseMs ?? 5000;
  }

  protected topics(): string[] {
    return [`${this.src}/rpc`, `${this.prefix}/status/${this.switchKey}`, `${this.prefix}/events/rpc`, `${this.prefix}/online`];
  }

  protected onTopic(topic: string, payload: Buffer): void {
    const text = payload.toString().trim();
    if (topic === `${this.prefix}/online`) {
      if (text === 'true') this.reportAvailability('online');
      else if (text === 'false') this.reportAvailability('offline');
      return;
    }
    const v = JSON.parse(text) as Record<string, unknown>;
    if (topic === `${this.src}/rpc`) {
      const answer = v as RpcAnswer;
      if (typeof answer.id === 'number') this.calls.get(answer.id)?.(answer);
      return;
    }
    const status = topic.endsWith('/events/rpc')
      ? v.method === 'NotifyStatus' ? (v.params as Record<string, unknown> | undefined)?.[this.switchKey] : undefined
      : v;
    const output = (status as { output?: unknown } | undefined)?.output;
    if (typeof output === 'boolean') this.reportState(output ? 'open' : 'closed');
  }

  async open(pulseMs?: number): Promise<void> {
    const pulse = pulseMs ?? this.defaultPulseMs;
    const params: Record<string, unknown> = { id: this.switchId, on: true };
    if (pulse > 0) params.toggle_after = pulse / 1000;
    await this.call('Switch.Set', params);
    this.reportState('open');
  }

  async close(): Promise<void> {
    await this.call('Switch.Set', { id: this.switchId, on: false });
    this.reportState('closed');
  }

  async status(): Promise<BarrierState> {
    try {
      const answer = await this.call('Switch.GetStatus', { id: this.switchId });
      const output = answer.result?.output;
      if (typeof output === 'boolean') this.reportState(output ? 'open' : 'closed');
    } catch {
      // keep the last known state
    }
    return this.lastState;
  }

  /** One RPC call; rejects on an RPC error or no answer within replyTimeoutMs. */
  private call(method: string, params: Record<string, unknown>): Promise<RpcAnswer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(this.failure(`no answer to ${method} within ${this.replyTimeoutMs} ms`));
      }, this.replyTimeoutMs);
      this.calls.set(id, (answer) => {
        clearTimeout(timer);
        this.calls.delete(id);
        if (answer.error) reject(this.failure(`${method} failed: ${String(answer.error.message ?? answer.error.code)}`));
        else resolve(answer);
      });
      const frame = JSON.stringify({ id, src: this.src, method, params });
      this.link.publishAsync(`${this.prefix}/rpc`, frame, { qos: 1 }).catch((err: unknown) => {
        clearTimeout(timer);
        this.calls.delete(id);
        reject(this.failure(`publish failed: ${(err as Error).message}`, err));
      });
    });
  }
}
