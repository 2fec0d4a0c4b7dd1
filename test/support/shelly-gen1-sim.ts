// A Shelly Gen1 relay device (Shelly 1 / 2.5 / Plug S) on a real MQTT broker, written from Shelly's
// Gen1 API documentation ("MQTT" sections), not from parkctl's driver:
//   shellies/<id>/relay/<i>/command  accepts on, off or toggle and applies accordingly
//   shellies/<id>/relay/<i>          reports status: on, off (published on a change and on "update")
//   shellies/<id>/command, shellies/command  accept announce (-> shellies/announce) and
//                                    update ("will cause all Shellies to publish their state")
//   shellies/<id>/online             true on connect (retained); false is the last will
// A relay's Auto OFF (a device setting, seconds) turns it off by itself after that long.
import mqtt, { type MqttClient } from 'mqtt';

export interface ShellyGen1SimOptions {
  url: string;
  /** MQTT id, "<model>-<deviceid>" */
  id: string;
  relays?: number;
  /** Auto OFF per relay, seconds (0: none) */
  autoOffSeconds?: number;
}

export class ShellyGen1Sim {
  client: MqttClient | null = null;
  readonly ison: boolean[];
  readonly received: string[] = [];
  private readonly timers: Array<ReturnType<typeof setTimeout> | null>;

  constructor(private readonly o: ShellyGen1SimOptions) {
    this.ison = Array<boolean>(o.relays ?? 1).fill(false);
    this.timers = Array<ReturnType<typeof setTimeout> | null>(o.relays ?? 1).fill(null);
  }

  get base(): string {
    return `shellies/${this.o.id}`;
  }

  async start(): Promise<this> {
    const client = await mqtt.connectAsync(this.o.url, { reconnectPeriod: 0, will: { topic: `${this.base}/online`, payload: Buffer.from('false'), retain: true, qos: 1 } });
    this.client = client;
    client.on('message', (topic, payload) => void this.onMessage(topic, payload.toString()));
    await client.subscribeAsync([`${this.base}/relay/+/command`, `${this.base}/command`, 'shellies/command'], { qos: 1 });
    await client.publishAsync(`${this.base}/online`, 'true', { retain: true, qos: 1 });
    return this;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) if (t) clearTimeout(t);
    const c = this.client;
    this.client = null;
    if (c) {
      await c.publishAsync(`${this.base}/online`, '', { retain: true, qos: 1 }).catch(() => undefined);
      await c.endAsync();
    }
  }

  private async onMessage(topic: string, text: string): Promise<void> {
    this.received.push(`${topic.slice(this.base.length + 1) || topic} ${text}`);
    const relay = new RegExp(`^${this.base}/relay/(\\d+)/command$`).exec(topic);
    if (relay) {
      const i = Number(relay[1]);
      if (i >= this.ison.length) return;
      const next = text === 'on' ? true : text === 'off' ? false : text === 'toggle' ? !this.ison[i] : null;
      if (next !== null) this.set(i, next);
      return;
    }
    if (text === 'update') for (let i = 0; i < this.ison.length; i++) await this.publishRelay(i);
    if (text === 'announce') await this.client?.publishAsync('shellies/announce', JSON.stringify({ id: this.o.id, model: 'SHSW-1', mac: 'A4CF12B929CC', ip: '127.0.0.1', new_fw: false, fw_ver: '20230913-112003/v1.14.0-gcb84623' }));
  }

  private set(i: number, on: boolean): void {
    const t = this.timers[i];
    if (t) clearTimeout(t);
    this.timers[i] = null;
    const changed = this.ison[i] !== on;
    this.ison[i] = on;
    if (on && this.o.autoOffSeconds) this.timers[i] = setTimeout(() => this.set(i, false), this.o.autoOffSeconds * 1000);
    if (changed) void this.publishRelay(i);
  }

  private async publishRelay(i: number): Promise<void> {
    await this.client?.publishAsync(`${this.base}/relay/${i}`, this.ison[i] ? 'on' : 'off', { qos: 1 }).catch(() => undefined);
  }
}
