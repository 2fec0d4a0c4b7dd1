// Ticket printers: ESC/POS over a network port (raw TCP, port 9100 on most thermal printers) or a serial
// port. The gate sees only TicketPrinter, so tests and a lane without a printer use the recording one.
import { createConnection } from 'node:net';
import type { Ticket } from '../../core/tickets/ticket.js';
import { encodeTicket } from './encode.js';

export interface TicketPrinter {
  /** resolves once the printer took every byte; rejects when it is unreachable or too slow */
  print(ticket: Ticket): Promise<void>;
}

export class NetworkTicketPrinter implements TicketPrinter {
  constructor(private readonly opts: { host: string; port?: number; timeoutMs?: number }) {}

  print(ticket: Ticket): Promise<void> {
    const bytes = encodeTicket(ticket);
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: this.opts.host, port: this.opts.port ?? 9100 });
      socket.setTimeout(this.opts.timeoutMs ?? 3000, () => socket.destroy(new Error(`printer ${this.opts.host} did not take the ticket in time`)));
      socket.once('error', reject);
      socket.once('connect', () => socket.end(bytes));
      socket.once('close', (hadError) => { if (!hadError) resolve(); });
    });
  }
}

export class SerialTicketPrinter implements TicketPrinter {
  constructor(private readonly opts: { path: string; baudRate?: number }) {}

  async print(ticket: Ticket): Promise<void> {
    const { SerialPort } = await import('serialport');
    const port = new SerialPort({ path: this.opts.path, baudRate: this.opts.baudRate ?? 19200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    try {
      await new Promise<void>((resolve, reject) => port.write(Buffer.from(encodeTicket(ticket)), (e) => (e ? reject(e) : resolve())));
      await new Promise<void>((resolve, reject) => port.drain((e) => (e ? reject(e) : resolve())));
    } finally {
      await new Promise<void>((resolve) => port.close(() => resolve()));
    }
  }
}

/** Keeps what it was asked to print (tests, a lane with no printer configured). */
export class RecordingTicketPrinter implements TicketPrinter {
  readonly printed: Ticket[] = [];
  async print(ticket: Ticket): Promise<void> {
    this.printed.push(ticket);
  }
}
