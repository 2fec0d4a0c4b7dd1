// A simulated Modbus TCP relay board wired to a barrier, on modbus-serial's own ServerTCP (the
// Modbus spec's function codes 1, 2 and 5: read coils, read discrete inputs, write single coil).
// Coil 0 is the barrier's "open" contact; discrete input 0 its open-position switch, which follows
// the contact after `moveMs` (the arm rising) unless the barrier is jammed.
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import modbus from 'modbus-serial';

export class ModbusRelaySim {
  readonly coils: boolean[] = new Array<boolean>(8).fill(false);
  readonly inputs: boolean[] = new Array<boolean>(8).fill(false);
  /** the arm does not move whatever the relay does */
  jammed = false;
  moveMs = 50;
  /** every coil write, in order: "0:on", "0:off" */
  readonly writes: string[] = [];
  port = 0;
  private server: InstanceType<typeof modbus.ServerTCP> | null = null;

  async listen(port?: number): Promise<this> {
    this.port = port ?? (await freePort());
    const vector = {
      getCoil: (addr: number) => this.coils[addr] ?? false,
      getDiscreteInput: (addr: number) => this.inputs[addr] ?? false,
      setCoil: (addr: number, value: boolean) => {
        this.coils[addr] = value;
        this.writes.push(`${addr}:${value ? 'on' : 'off'}`);
        // the arm moves to where this write sent it (a later write schedules its own move); a jammed arm stays
        if (addr === 0 && !this.jammed) setTimeout(() => (this.inputs[0] = value), this.moveMs);
      },
    };
    const server = new modbus.ServerTCP(vector, { host: '127.0.0.1', port: this.port, unitID: 1 });
    await new Promise<void>((resolve, reject) => {
      server.on('initialized', () => resolve());
      server.on('serverError', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
    });
    this.server = server;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const sock of server.socks.keys()) sock.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
