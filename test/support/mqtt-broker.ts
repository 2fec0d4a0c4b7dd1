// The broker for MQTT device tests: PARKCTL_TEST_MQTT_URL when set (Mosquitto in CI: must pass),
// else an in-process aedes broker on 127.0.0.1 with a random port. Clients made here are closed,
// and retained topics noted here are cleared, by close().
import { createServer, type Server } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';

export class TestBroker {
  url = '';
  /** unique per run: a shared broker must not mix runs */
  readonly run = `parkctl-test-${randomUUID().slice(0, 8)}`;
  readonly retained: string[] = [];
  private readonly clients: MqttClient[] = [];
  private broker: Aedes | null = null;
  private server: Server | null = null;

  async open(): Promise<this> {
    const external = process.env.PARKCTL_TEST_MQTT_URL;
    if (external) {
      this.url = external;
      return this;
    }
    this.broker = await Aedes.createBroker();
    const server = createServer(this.broker.handle);
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    this.url = `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  async connect(): Promise<MqttClient> {
    const client = await mqtt.connectAsync(this.url, { reconnectPeriod: 0, connectTimeout: 5000 });
    this.clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    const cleaner = this.clients.find((c) => c.connected) ?? (this.retained.length ? await this.connect() : undefined);
    for (const t of this.retained) await cleaner?.publishAsync(t, '', { retain: true, qos: 1 });
    await Promise.all(this.clients.map((c) => c.endAsync()));
    const server = this.server;
    if (server) await new Promise((r) => server.close(r));
    const broker = this.broker;
    if (broker) await new Promise<void>((r) => broker.close(() => r()));
  }
}
