// What the plate readers that push over HTTP (Plate Recognizer's webhook, a Hikvision camera's ANPR
// alarm) share: a node:http server of their own on the lane's host, closed with its connections.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TypedEmitter } from '../../core/gate/emitter.js';
import type { GateInputEvents } from '../../core/gate/ports.js';

export abstract class HttpGateInput extends TypedEmitter<GateInputEvents> {
  private server: Server | null = null;

  /** The request handler, usable under any node:http server. */
  abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** Starts a server; returns the port actually bound (pass port 0 for a free one). */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async dispose(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.removeAllListeners();
  }
}
