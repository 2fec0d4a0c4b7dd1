// What every MQTT barrier shares: subscribing its topics, routing messages, reporting state and
// availability as typed events, and waiting (bounded) for the device to confirm a state.

import { ExternalError } from '../../core/errors.js';
import { TypedEmitter } from '../../core/gate/emitter.js';
import type { Availability, Barrier, BarrierEvents, BarrierState } from '../../core/gate/ports.js';
import type { MessageListener, MqttLink } from './mqtt-link.js';

export abstract class MqttBarrierBase extends TypedEmitter<BarrierEvents> implements Barrier {
  protected lastState: BarrierState = 'unknown';
  protected lastAvailability: Availability | null = null;
  private readonly waiters = new Set<(state: BarrierState) => void>();
  private started = false;

  protected constructor(
    protected readonly link: MqttLink,
    /** names the device in errors: "tasmota gate1" */
    protected readonly deviceName: string,
    protected readonly replyTimeoutMs: number,
  ) {
    super();
  }

  /** Topics this barrier listens to. */
  protected abstract topics(): string[];
  /** Handle one message on one of topics(). */
  protected abstract onTopic(topic: string, payload: Buffer): void;

  abstract open(pulseMs?: number): Promise<void>;
  abstract status(): Promise<BarrierState>;

  /** Subscribes; call once before use. Retained LWT / state messages arrive right after. */
  async start(): Promise<this> {
    if (this.started) return this;
    this.started = true;
    this.link.on('message', this.onMessage);
    try {
      await this.link.subscribeAsync(this.topics(), { qos: 1 });
    } catch (err) {
      throw this.failure(`cannot subscribe: ${(err as Error).message}`, err);
    }
    return this;
  }

  get state(): BarrierState {
    return this.lastState;
  }

  /** The device's last reported availability (a retained LWT may come before anyone listens); null: none yet. */
  get availability(): Availability | null {
    return this.lastAvailability;
  }

  async dispose(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.link.removeListener('message', this.onMessage);
    await this.link.unsubscribeAsync(this.topics()).catch(() => undefined);
    for (const w of this.waiters) w('unknown');
    this.removeAllListeners();
  }

  private readonly onMessage: MessageListener = (topic, payload) => {
    if (!this.topics().includes(topic)) return;
    try {
      this.onTopic(topic, payload);
    } catch (err) {
      this.emit('error', this.failure(`bad message on ${topic}: ${(err as Error).message}`, err));
    }
  };

  protected reportState(state: BarrierState): void {
    const changed = state !== this.lastState;
    this.lastState = state;
    for (const w of [...this.waiters]) w(state);
    if (changed) this.emit('state', state);
  }

  protected reportAvailability(availability: Availability): void {
    if (availability === this.lastAvailability) return;
    this.lastAvailability = availability;
    this.emit('availability', availability);
  }

  /**
   * Runs `send` and resolves with the next state the device reports that `accept` takes,
   * or rejects after replyTimeoutMs. The waiter is registered before sending so a fast device
   * cannot answer before we listen.
   */
  protected sendAndAwaitState(send: () => Promise<unknown>, accept: (s: BarrierState) => boolean, what: string): Promise<BarrierState> {
    return new Promise((resolve, reject) => {
      const waiter = (s: BarrierState) => {
        if (!accept(s)) return;
        cleanup();
        resolve(s);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(this.failure(`no ${what} confirmation within ${this.replyTimeoutMs} ms`));
      }, this.replyTimeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
      send().catch((err: unknown) => {
        cleanup();
        reject(this.failure(`publish failed: ${(err as Error).message}`, err));
      });
    });
  }

  protected failure(message: string, cause?: unknown): ExternalError {
    return new ExternalError(`MQTT ${this.deviceName}`, `${this.deviceName}: ${message}`, { cause });
  }
}
