// A Modbus TCP relay board as the barrier (issue 12 item 10), through modbus-serial: one coil
// drives the barrier's "open" contact, one discrete input wired to the barrier's open-position
// switch says where the arm is. open() sets the coil, reads the input back until the arm is up
// (verifyTimeoutMs) and only then confirms; with a pulse the driver releases the coil after it.
// The coil is released when the driver starts as well: a daemon killed mid-pulse must not leave
// the contact made (and the barrier up) until someone notices.
// Without a position input (`positionInput` unset) the coil is read back instead: that proves the
// relay switched, not that the barrier moved, and the config says so (`verify: coil`).
// modbus-serial is CommonJS: its module.exports is the client class and also `.default` of itself,
// and `.default` is the class to TypeScript too.
import modbus from 'modbus-serial';
import { ExternalError } from '../../core/errors.js';
import { TypedEmitter } from '../../core/gate/emitter.js';
import type { Availability, Barrier, BarrierEvents, BarrierState } from '../../core/gate/ports.js';

export interface ModbusRelayOptions {
  host: string;
  port?: number;
  /** Modbus unit (slave) id, default 1 */
  unitId?: number;
  /** coil address (0-based) of the barrier's open contact */
  coil: number;
  /** discrete input address (0-based) of the open-position switch; null: confirm by reading the coil back */
  positionInput: number | null;
  /** the input's value when the arm is up (default true) */
  openWhen?: boolean;
  /** ms to see the arm up after the coil is set (default 3000) */
  verifyTimeoutMs?: number;
  /** ms between reads (default 100) */
  pollMs?: number;
  /** ms per Modbus request (default 1000) */
  requestTimeoutMs?: number;
  /** used when open() is given no pulse (default 5000); 0 latches */
  defaultPulseMs?: number;
}

type Client = InstanceType<typeof modbus.default>;

export class ModbusRelayBarrier extends TypedEmitter<BarrierEvents> implements Barrier {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private lastState: BarrierState = 'unknown';
  private availability: Availability | null = null;
  private release: ReturnType<typeof setTimeout> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(private readonly opts: ModbusRelayOptions) {
    super();
  }

  /** Connects and releases the coil (see above); resolves even when the board is unreachable (it goes offline). */
  async start(): Promise<this> {
    await this.serial(() => this.writeCoil(false)).catch((err: Error) => this.emit('error', err));
    return this;
  }

  open(pulseMs?: number): Promise<void> {
    const pulse = pulseMs ?? this.opts.defaultPulseMs ?? 5000;
    return this.serial(async () => {
      if (this.release) clearTimeout(this.release);
      this.release = null;
      await this.writeCoil(true);
      if (pulse > 0) {
        this.release = setTimeout(() => {
          this.release = null;
          this.serial(() => this.writeCoil(false)).catch((err: Error) => this.emit('error', err));
        }, pulse);
      }
      try {
        await this.verifyOpen();
      } catch (err) {
        // Not confirmed, so the decision is void: the contact must not open the barrier later (a
        // jam clearing mid-pulse) for a car that is not counted.
        if (this.release) clearTimeout(this.release);
        this.release = null;
        await this.writeCoil(false).catch(() => undefined);
        throw err;
      }
    });
  }

  close(): Promise<void> {
    return this.serial(async () => {
      if (this.release) clearTimeout(this.release);
      this.release = null;
      await this.writeCoil(false);
    });
  }

  async status(): Promise<BarrierState> {
    try {
      return await this.serial(() => this.readState());
    } catch {
      return this.lastState;
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.release) {
      clearTimeout(this.release);
      this.release = null;
      // a pulse under way: release the contact before going
      await this.serial(() => this.writeCoil(false)).catch(() => undefined);
    }
    const client = this.client;
    this.client = null;
    if (client?.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()));
    this.removeAllListeners();
  }

  private async verifyOpen(): Promise<void> {
    const timeoutMs = this.opts.verifyTimeoutMs ?? 3000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.readState()) === 'open') return;
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 100));
    }
    throw this.failure(this.opts.positionInput === null
      ? `coil ${this.opts.coil} did not read back on within ${timeoutMs} ms: not confirmed`
      : `coil ${this.opts.coil} set, but input ${this.opts.positionInput} never showed the barrier open within ${timeoutMs} ms: not confirmed`);
  }

  private async readState(): Promise<BarrierState> {
    const client = await this.connected();
    let open: boolean;
    if (this.opts.positionInput === null) {
      open = (await this.call(() => client.readCoils(this.opts.coil, 1), `read coil ${this.opts.coil}`)).data[0] === true;
    } else {
      const value = (await this.call(() => client.readDiscreteInputs(this.opts.positionInput!, 1), `read input ${this.opts.positionInput}`)).data[0] === true;
      open = value === (this.opts.openWhen ?? true);
    }
    const state: BarrierState = open ? 'open' : 'closed';
    if (state !== this.lastState) {
      this.lastState = state;
      this.emit('state', state);
    }
    return state;
  }

  private async writeCoil(on: boolean): Promise<void> {
    const client = await this.connected();
    await this.call(() => client.writeCoil(this.opts.coil, on), `write coil ${this.opts.coil} ${on ? 'on' : 'off'}`);
  }

  /** One request at a time on the one connection. */
  private serial<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async call<T>(request: () => Promise<T>, what: string): Promise<T> {
    try {
      const result = await request();
      this.setAvailability('online');
      return result;
    } catch (err) {
      const message = (err as Error).message;
      // A dead connection is dropped, so the next command dials again.
      if (!this.client?.isOpen || /port not open|timed out|ECONN|EPIPE/i.test(message)) this.drop();
      this.setAvailability('offline');
      throw this.failure(`${what}: ${message}`);
    }
  }

  private connected(): Promise<Client> {
    if (this.disposed) return Promise.reject(this.failure('driver disposed'));
    if (this.client?.isOpen) return Promise.resolve(this.client);
    if (this.connecting) return this.connecting;
    const client = new modbus.default();
    const connecting: Promise<Client> = client.connectTCP(this.opts.host, { port: this.opts.port ?? 502 })
      .then(() => {
        client.setID(this.opts.unitId ?? 1);
        client.setTimeout(this.opts.requestTimeoutMs ?? 1000);
        this.client = client;
        return client;
      }, (err: Error) => {
        this.setAvailability('offline');
        throw this.failure(`cannot connect: ${err.message}`);
      })
      .finally(() => (this.connecting = null));
    this.connecting = connecting;
    return connecting;
  }

  private drop(): void {
    const client = this.client;
    this.client = null;
    if (client?.isOpen) client.close(() => undefined);
  }

  private setAvailability(next: Availability): void {
    if (this.availability === next) return;
    this.availability = next;
    this.emit('availability', next);
  }

  private failure(message: string): ExternalError {
    return new ExternalError(`modbus relay ${this.opts.host}`, `modbus ${this.opts.host}:${this.opts.port ?? 502} unit ${this.opts.unitId ?? 1}: ${message}`);
  }
}
