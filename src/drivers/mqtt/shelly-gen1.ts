// A barrier behind a Shelly Gen1 relay (Shelly 1, 1PM, 2.5, Plug S, UNI, EM), over its MQTT topics:
//   shellies/<id>/relay/<n>/command  <- on | off | toggle
//   shellies/<id>/relay/<n>          -> on | off | overpower   (on change, and periodically)
//   shellies/<id>/command            <- update  (the device publishes its state now)
//   shellies/<id>/online             -> true | false (retained; false is the device's last will)
// <id> is the device's MQTT id, "<model>-<deviceid>" unless set on the device ("shelly1-B929CC").
// The MQTT command takes no timer, so the pulse is an "off" sent pulseMs later; set the relay's
// Auto OFF on the device to the same pulse so a daemon that dies mid-pulse cannot leave it on.

import type { BarrierState } from '../../core/gate/ports.js';
import { MqttBarrierBase } from './barrier-base.js';
import { topicPart, type MqttLink } from './mqtt-link.js';

export interface ShellyGen1BarrierOptions {
  /** the device's MQTT id, e.g. "shelly1-B929CC" */
  id: string;
  /** relay channel (default 0) */
  relay?: number;
  defaultPulseMs?: number;
  replyTimeoutMs?: number;
}

export class ShellyGen1Barrier extends MqttBarrierBase {
  private readonly base: string;
  private readonly relayTopic: string;
  private readonly defaultPulseMs: number;
  private pulseTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(link: MqttLink, opts: ShellyGen1BarrierOptions) {
    const id = topicPart(opts.id, 'Shelly id');
    super(link, `shelly ${id}`, opts.replyTimeoutMs ?? 2000);
    const relay = opts.relay ?? 0;
    if (!(Number.isInteger(relay) && relay >= 0 && relay <= 3)) throw new RangeError(`Shelly relay ${relay} must be 0..3`);
    this.base = `shellies/${id}`;
    this.relayTopic = `${this.base}/relay/${relay}`;
    this.defaultPulseMs = opts.defaultPulseMs ?? 5000;
  }

  protected topics(): string[] {
    return [this.relayTopic, `${this.base}/online`];
  }

  protected onTopic(topic: string, payload: Buffer): void {
    const text = payload.toString().trim();
    if (topic === `${this.base}/online`) {
      if (text === 'true') this.reportAvailability('online');
      else if (text === 'false') this.reportAvailability('offline');
      return;
    }
    if (text === 'on') this.reportState('open');
    else if (text === 'off') this.reportState('closed');
    else if (text === 'overpower') this.reportState('fault');
    else throw new Error(`unexpected relay state "${text}"`);
  }

  async open(pulseMs?: number): Promise<void> {
    const pulse = pulseMs ?? this.defaultPulseMs;
    this.cancelPulse();
    const state = await this.command('on', (s) => s === 'open' || s === 'fault', 'open');
    if (state === 'fault') throw this.failure('reports overpower after on');
    if (pulse > 0) {
      this.pulseTimer = setTimeout(() => {
        this.pulseTimer = null;
        this.link.publishAsync(`${this.relayTopic}/command`, 'off', { qos: 1 })
          .catch((err: unknown) => this.emit('error', this.failure(`pulse end "off" not sent: ${(err as Error).message}`, err)));
      }, pulse);
    }
  }

  async close(): Promise<void> {
    this.cancelPulse();
    await this.command('off', (s) => s === 'closed', 'close');
  }

  /** "update" makes the device publish its relay state. */
  async status(): Promise<BarrierState> {
    try {
      return await this.sendAndAwaitState(() => this.link.publishAsync(`${this.base}/command`, 'update', { qos: 1 }), () => true, 'status');
    } catch {
      return this.lastState;
    }
  }

  override async dispose(): Promise<void> {
    this.cancelPulse();
    await super.dispose();
  }

  /**
   * The device publishes relay/<n> on a change: "on" to a relay already on (a second car within
   * the pulse) changes nothing, so "update" follows to have the state published either way.
   */
  private command(word: 'on' | 'off', accept: (s: BarrierState) => boolean, what: string): Promise<BarrierState> {
    return this.sendAndAwaitState(async () => {
      await this.link.publishAsync(`${this.relayTopic}/command`, word, { qos: 1 });
      await this.link.publishAsync(`${this.base}/command`, 'update', { qos: 1 });
    }, accept, what);
  }

  private cancelPulse(): void {
    if (this.pulseTimer) clearTimeout(this.pulseTimer);
    this.pulseTimer = null;
  }
}
