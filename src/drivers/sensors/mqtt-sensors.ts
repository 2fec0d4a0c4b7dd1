// Spot sensors over MQTT: subscribes to the uplink topics of The Things Stack v3, ChirpStack v4 and the lot's
// generic JSON prefix, hands every message to the core listener, and runs its clocks: a flush of the batched
// writes every `flushMs`, the heartbeat check every few seconds, the reconciliation every 30 s, and the
// floor free-count signs (retained) from sensed occupancy once a second when something changed.
import type { Logger } from '../../core/ports.js';
import type { SensorListener } from '../../core/sensors/listener.js';
import { uplinkTopics } from '../../core/sensors/uplink.js';
import type { Sign } from '../../core/gate/ports.js';
import type { MqttLink } from '../mqtt/mqtt-link.js';

export interface MqttSensorFeedOptions {
  genericPrefix: string | null;
  /** ms between flushes (default 100) */
  flushMs?: number;
  /** ms between heartbeat checks (default 5,000) */
  heartbeatCheckMs?: number;
  /** ms between reconciliations (default 30,000) */
  reconcileMs?: number;
  /** floor signs to drive from sensed occupancy; null: none */
  signs?: { sign: Sign; read: () => Promise<{ floor: number; free: number }[]> } | null;
  logger: Logger;
}

export class MqttSensorFeed {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onMessage = (topic: string, payload: Buffer) => {
    try {
      this.listener.handle(topic, payload);
    } catch (err) {
      this.o.logger.error('sensor message not handled', { topic: topic.slice(0, 120), error: (err as Error).message });
    }
  };
  private signsDue = false;
  private lastSigns = new Map<number, number>();
  private stopped = false;

  constructor(private readonly link: MqttLink, private readonly listener: SensorListener, private readonly o: MqttSensorFeedOptions) {}

  async start(): Promise<this> {
    this.link.on('message', this.onMessage);
    // QoS 0: what The Things Stack's MQTT server supports; a lost reading is repaired by the next one
    await this.link.subscribeAsync(uplinkTopics(this.o.genericPrefix), { qos: 0 });
    const every = (ms: number, fn: () => Promise<unknown> | unknown, what: string) => {
      let running = false;
      const t = setInterval(() => {
        if (running || this.stopped) return;
        running = true;
        Promise.resolve().then(fn).catch((err: Error) => this.o.logger.error(`${what} failed`, { error: err.message })).finally(() => (running = false));
      }, ms);
      t.unref?.();
      this.timers.push(t);
    };
    every(this.o.flushMs ?? 100, async () => {
      const before = this.listener.stats.flushes;
      await this.listener.flush({ reconcile: 'background' });
      if (this.listener.stats.flushes > before) this.signsDue = true;
    }, 'sensor flush');
    every(this.o.heartbeatCheckMs ?? 5_000, () => this.listener.checkHeartbeats(), 'heartbeat check');
    every(this.o.reconcileMs ?? 30_000, () => this.listener.reconcile(), 'reconciliation');
    if (this.o.signs) every(1_000, () => this.updateSigns(), 'floor signs');
    return this;
  }

  private async updateSigns(): Promise<void> {
    if (!this.signsDue || !this.o.signs) return;
    this.signsDue = false;
    for (const f of await this.o.signs.read()) {
      if (this.lastSigns.get(f.floor) === f.free) continue;
      await this.o.signs.sign.showFloor(String(f.floor), { freeSpots: f.free, full: f.free <= 0, message: null });
      this.lastSigns.set(f.floor, f.free);
    }
  }

  /** Stops listening and writes what is pending. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.link.removeListener('message', this.onMessage);
    await this.link.unsubscribeAsync(uplinkTopics(this.o.genericPrefix)).catch(() => undefined);
    await this.listener.flush();
  }
}
