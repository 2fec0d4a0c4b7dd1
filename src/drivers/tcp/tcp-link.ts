// A lane controller reached over TCP (a serial server, or a board with an Ethernet port), seen
// by the drivers as the same SerialLink a serial port is. The connection is re-dialled while the
// link is in use: a board that reboots or a switch that flaps must not need a daemon restart.
// 'close' fires on every loss (the driver goes offline and fails what it waited for), 'open' on
// every (re)connection, 'data' with the bytes.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { ExternalError } from '../../core/errors.js';
import type { SerialLink } from '../serial/serial-link.js';

export interface TcpLinkOptions {
  host: string;
  port: number;
  /** wait between a loss and the next dial (default 2000 ms) */
  reconnectMs?: number;
  /** a dial that takes longer fails (default 5000 ms) */
  connectTimeoutMs?: number;
}

export class TcpLink extends EventEmitter implements SerialLink {
  private socket: Socket | null = null;
  private connected = false;
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: TcpLinkOptions) {
    super();
  }

  get isOpen(): boolean {
    return this.connected;
  }

  /** Dials once; resolves when connected, rejects with an ExternalError naming the address (the link keeps re-dialling). */
  open(): Promise<this> {
    return new Promise((resolve, reject) => {
      const onOpen = () => {
        this.off('dial-failed', onFail);
        resolve(this);
      };
      const onFail = (err: Error) => {
        this.off('open', onOpen);
        reject(new ExternalError(`lane controller tcp ${this.address}`, `cannot connect to ${this.address}: ${err.message}`, {
          hint: 'check the address, the port and that the board accepts one client at a time', cause: err,
        }));
      };
      this.once('open', onOpen);
      this.once('dial-failed', onFail);
      this.dial();
    });
  }

  get address(): string {
    return `${this.opts.host}:${this.opts.port}`;
  }

  write(chunk: Buffer, cb?: (error: Error | null | undefined) => void): boolean {
    const socket = this.socket;
    if (!socket || !this.connected) {
      queueMicrotask(() => cb?.(new Error(`not connected to ${this.address}`)));
      return false;
    }
    return socket.write(chunk, (err) => cb?.(err ?? null));
  }

  close(callback?: (err: Error | null) => void): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const socket = this.socket;
    this.socket = null;
    if (!socket || socket.destroyed) {
      this.connected = false;
      callback?.(null);
      return;
    }
    socket.once('close', () => callback?.(null));
    socket.destroy();
  }

  private dial(): void {
    if (this.closed) return;
    const socket = connect({ host: this.opts.host, port: this.opts.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.opts.connectTimeoutMs ?? 5000, () => socket.destroy(new Error('connect timed out')));
    let failure: Error | null = null;
    socket.on('connect', () => {
      socket.setTimeout(0);
      socket.setKeepAlive(true, 10_000);
      this.connected = true;
      this.emit('open');
    });
    socket.on('data', (chunk: Buffer) => this.emit('data', chunk));
    socket.on('error', (err) => {
      failure = err;
    });
    socket.on('close', () => {
      const wasConnected = this.connected;
      this.connected = false;
      if (this.socket === socket) this.socket = null;
      if (wasConnected) {
        if (failure && this.listenerCount('error') > 0) this.emit('error', failure);
        this.emit('close');
      } else {
        this.emit('dial-failed', failure ?? new Error('connection closed'));
      }
      if (!this.closed) this.retry = setTimeout(() => this.dial(), this.opts.reconnectMs ?? 2000);
    });
  }
}
