// A Tasmota relay device on a real MQTT broker, written from Tasmota's documentation and its
// sources (support.ino GetTopic_P / GetPowerDevice, support_command.ino CmndPower / CmndPulsetime,
// xdrv_02_mqtt.ino MqttPublishPowerState), not from parkctl's driver:
//   - topics: FullTopic with %prefix% (cmnd/stat/tele) and %topic% replaced; "%prefix%" appended for
//     commands when the FullTopic lacks it; "//" folded; trailing "/".
//   - relay names: "POWER" with one relay, "POWER<n>" with several or with SetOption26 1.
//   - a power change publishes RESULT {"POWER<n>":"ON"} (on stat/<topic>/POWER<n> instead with
//     SetOption4 1) and the plain stat/<topic>/POWER<n> ON.
//   - PulseTime<n> <v> answers {"PulseTime<n>":{"Set":v,"Remaining":r}}; a relay switched ON with a
//     PulseTime drops by itself after it (v <= 111: tenths of a second, else v - 100 seconds).
//   - LWT: tele/<topic>/LWT "Online" retained on connect, "Offline" as the will.
// restart() reconnects as a rebooted unit does; restart({ factoryReset: true }) also forgets
// PulseTime, as a reset or a replacement unit does.
import mqtt, { type MqttClient } from 'mqtt';

export interface TasmotaSimOptions {
  url: string;
  topic: string;
  fullTopic?: string;
  relays?: number;
  setOption26?: boolean;
  setOption4?: boolean;
}

export class TasmotaSim {
  client: MqttClient | null = null;
  readonly power: boolean[];
  readonly pulseTime: number[];
  /** commands received, "<Command> <payload>" */
  readonly received: string[] = [];
  private readonly pulseTimers: Array<ReturnType<typeof setTimeout> | null>;
  private readonly fullTopic: string;

  constructor(private readonly o: TasmotaSimOptions) {
    const n = o.relays ?? 1;
    this.power = Array<boolean>(n).fill(false);
    this.pulseTime = Array<number>(8).fill(0);
    this.pulseTimers = Array<ReturnType<typeof setTimeout> | null>(n).fill(null);
    this.fullTopic = o.fullTopic ?? '%prefix%/%topic%/';
  }

  get topic(): string {
    return this.o.topic;
  }

  topicFor(prefix: 'cmnd' | 'stat' | 'tele', sub: string): string {
    let full = this.fullTopic;
    if (prefix === 'cmnd' && !full.includes('%prefix%')) full += '/%prefix%';
    full = full.replaceAll('%prefix%', prefix).replaceAll('%topic%', this.o.topic).replaceAll('#', '').replaceAll('//', '/');
    if (!full.endsWith('/')) full += '/';
    return full + sub;
  }

  async start(): Promise<this> {
    const lwt = this.topicFor('tele', 'LWT');
    const client = await mqtt.connectAsync(this.o.url, { reconnectPeriod: 0, will: { topic: lwt, payload: Buffer.from('Offline'), retain: true, qos: 1 } });
    this.client = client;
    client.on('message', (topic, payload) => void this.onCommand(topic, payload.toString()));
    await client.subscribeAsync(this.topicFor('cmnd', '#'), { qos: 1 });
    await client.publishAsync(lwt, 'Online', { retain: true, qos: 1 });
    return this;
  }

  /** A reboot (settings kept) or, with factoryReset, a reset / replaced unit (PulseTime gone, relays off). */
  async restart(opts: { factoryReset?: boolean } = {}): Promise<void> {
    await this.client?.endAsync(true);
    this.client = null;
    for (let i = 0; i < this.power.length; i++) this.setRelay(i, false, false);
    if (opts.factoryReset) this.pulseTime.fill(0);
    await this.start();
  }

  async stop(): Promise<void> {
    for (const t of this.pulseTimers) if (t) clearTimeout(t);
    const c = this.client;
    this.client = null;
    if (c) {
      await c.publishAsync(this.topicFor('tele', 'LWT'), '', { retain: true, qos: 1 }).catch(() => undefined);
      await c.endAsync();
    }
  }

  private powerName(index: number): string {
    return this.power.length + (this.o.setOption26 ? 1 : 0) > 1 ? `POWER${index}` : 'POWER';
  }

  private async onCommand(topic: string, payload: string): Promise<void> {
    const cmnd = this.topicFor('cmnd', '');
    if (!topic.startsWith(cmnd)) return;
    const command = topic.slice(cmnd.length);
    this.received.push(`${command} ${payload}`.trim());
    const m = /^(POWER|PULSETIME)(\d*)$/i.exec(command);
    if (!m) return this.answer(command, JSON.stringify({ Command: 'Unknown' }));
    const index = m[2] ? Number(m[2]) : 1;
    if (m[1]!.toUpperCase() === 'PULSETIME') return this.pulseTimeCommand(index, m[2] === '', payload);
    if (index < 1 || index > this.power.length) return this.answer(command, JSON.stringify({ Command: 'Error' }));
    const word = payload.trim().toUpperCase();
    const now = this.power[index - 1]!;
    const next = ['ON', '1', 'TRUE'].includes(word) ? true : ['OFF', '0', 'FALSE'].includes(word) ? false : ['TOGGLE', '2'].includes(word) ? !now : now;
    this.setRelay(index - 1, next, true);
  }

  private async pulseTimeCommand(index: number, noIndex: boolean, payload: string): Promise<void> {
    const set = payload.trim() === '' ? null : Number(payload);
    if (set !== null && Number.isInteger(set) && set >= 0 && set < 65536) this.pulseTime[index - 1] = set;
    // PulseTime with neither index nor value lists all timers; otherwise the one asked for.
    const indexes = noIndex && set === null ? this.pulseTime.map((_, i) => i + 1) : [index];
    const body: Record<string, unknown> = {};
    for (const i of indexes) body[`PulseTime${i}`] = { Set: this.pulseTime[i - 1], Remaining: 0 };
    await this.answer('PULSETIME', JSON.stringify(body));
  }

  private setRelay(i: number, on: boolean, publish: boolean): void {
    const timer = this.pulseTimers[i];
    if (timer) clearTimeout(timer);
    this.pulseTimers[i] = null;
    this.power[i] = on;
    const pulse = this.pulseTime[i] ?? 0;
    if (on && pulse > 0) {
      const ms = pulse <= 111 ? pulse * 100 : (pulse - 100) * 1000;
      this.pulseTimers[i] = setTimeout(() => this.setRelay(i, false, true), ms);
    }
    if (publish) void this.publishPower(i + 1);
  }

  private async publishPower(index: number): Promise<void> {
    const name = this.powerName(index);
    const word = this.power[index - 1] ? 'ON' : 'OFF';
    await this.answer(name, JSON.stringify({ [name]: word }));
    await this.client?.publishAsync(this.topicFor('stat', name), word, { qos: 1 }).catch(() => undefined);
  }

  /** A command's JSON answer: stat/<topic>/RESULT, or stat/<topic>/<COMMAND> with SetOption4 1. */
  private async answer(command: string, json: string): Promise<void> {
    const topic = this.topicFor('stat', this.o.setOption4 ? command.toUpperCase() : 'RESULT');
    await this.client?.publishAsync(topic, json, { qos: 1 }).catch(() => undefined);
  }
}
