// The slice of an MQTT.js client the gate drivers use; an mqtt.MqttClient fits as is, and
// MockMqttLink (below) fits for unit tests (the real-broker tests use a real client).

export type Qos = 0 | 1 | 2;
export type MessageListener = (topic: string, payload: Buffer) => void;

export interface MqttLink {
  publishAsync(topic: string, message: string | Buffer, opts?: { qos?: Qos; retain?: boolean }): Promise<unknown>;
  subscribeAsync(topic: string | string[], opts?: { qos: Qos }): Promise<unknown>;
  unsubscribeAsync(topic: string | string[]): Promise<unknown>;
  on(event: 'message', listener: MessageListener): unknown;
  removeListener(event: 'message', listener: MessageListener): unknown;
}

export interface PublishedMessage {
  topic: string;
  payload: string;
  qos: Qos;
  retain: boolean;
}

/** An MqttLink with test controls: emitMessage, published / lastPublish, reset. No broker, no wildcards. */
export class MockMqttLink implements MqttLink {
  published: PublishedMessage[] = [];
  subscriptions = new Set<string>();
  private readonly listeners = new Set<MessageListener>();

  async publishAsync(topic: string, message: string | Buffer, opts: { qos?: Qos; retain?: boolean } = {}): Promise<void> {
    this.published.push({ topic, payload: message.toString(), qos: opts.qos ?? 0, retain: opts.retain ?? false });
  }
  async subscribeAsync(topic: string | string[]): Promise<void> {
    for (const t of [topic].flat()) this.subscriptions.add(t);
  }
  async unsubscribeAsync(topic: string | string[]): Promise<void> {
    for (const t of [topic].flat()) this.subscriptions.delete(t);
  }
  on(_event: 'message', listener: MessageListener): void {
    this.listeners.add(listener);
  }
  removeListener(_event: 'message', listener: MessageListener): void {
    this.listeners.delete(listener);
  }
  /** test control: a message arrives on a subscribed topic (exact match) */
  emitMessage(topic: string, payload: string | Buffer): void {
    if (!this.subscriptions.has(topic)) return;
    const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
    for (const l of [...this.listeners]) l(topic, buf);
  }
  get lastPublish(): PublishedMessage | undefined {
    return this.published.at(-1);
  }
  reset(): void {
    this.published = [];
  }
}

/** Rejects topic parts that would change the topic's shape (wildcards, separators, NUL). */
export function topicPart(name: string, what: string): string {
  if (!name || /[+#/\0]/.test(name)) throw new RangeError(`${what} "${name}" cannot be used in an MQTT topic`);
  return name;
}
