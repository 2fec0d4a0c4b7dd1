// Issue 15: a drive-up visitor's ticket on an ESC/POS thermal printer. The bytes are pinned against
// Epson's ESC/POS reference (initialise, centre, bold and double size, QR model 2 by GS ( k, feed and
// partial cut), and a network printer (raw TCP, port 9100) receives exactly them.
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseTicketCode, ticketQr, type Ticket } from '../src/core/tickets/ticket.js';
import { encodeTicket, qrCommands } from '../src/drivers/escpos/encode.js';
import { NetworkTicketPrinter } from '../src/drivers/escpos/printer.js';

const ticket: Ticket = {
  number: 'NORTHIN-1042', visitId: '3f2a9c1e-7b44-4d2e-9a10-5c6d7e8f9a0b', lotName: 'City Garage', gate: 'north-in',
  enteredAt: new Date('2026-07-01T07:05:00Z'), plate: 'AB12CDE', timeZone: 'Europe/London',
};
const hex = (b: Uint8Array | number[]) => Buffer.from(b).toString('hex');
const text = (s: string) => Buffer.from(s, 'ascii').toString('hex');

describe('ESC/POS ticket', () => {
  it('is byte for byte what the reference says', () => {
    // the QR holds "T1/NORTHIN-1042/<visit id>": 52 bytes, so fn 180's length is 52 + 3 = 55 (0x37 0x00)
    const data = `T1/NORTHIN-1042/${ticket.visitId}`;
    expect(ticketQr(ticket)).toBe(data);
    const qr = '1d286b0400314132001d286b030031430' + '61d286b030031453' + '1' + '1d286b' + '3700' + '315030' + text(data) + '1d286b0300315130';
    expect(hex(qrCommands(data))).toBe(qr);
    expect(hex(encodeTicket(ticket))).toBe([
      '1b40', '1b6101', '1b4501', '1d2111', text('City Garage'), '0a', '1d2100', '1b4500',
      text('Ticket NORTHIN-1042'), '0a', text('In: 01/07/2026, 08:05'), '0a', text('Gate: north-in'), '0a', text('Plate: AB12CDE'), '0a',
      '0a', qr, '0a', text('Keep this ticket. Pay before you leave.'), '0a', '1d564203',
    ].join(''));
    expect(parseTicketCode(data)).toEqual({ number: 'NORTHIN-1042', visitId: ticket.visitId });
    expect(parseTicketCode(' northin-1042 ')).toEqual({ number: 'NORTHIN-1042', visitId: null });
  });

  it('sends no control bytes from the text it is given', () => {
    const bytes = encodeTicket({ ...ticket, lotName: 'Bad\x1b@\nName', gate: 'g\x00' });
    expect(hex(bytes)).toContain(text('Bad@Name')); // ESC and LF dropped, the printable @ kept
    expect(hex(bytes)).not.toContain(hex([0x1b, 0x40, 0x0a, 0x4e]));
  });

  it('a network printer on port 9100 receives exactly the ticket; an absent one is an error', async () => {
    const received: Buffer[] = [];
    const server = createServer((s) => s.on('data', (d) => received.push(d)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new NetworkTicketPrinter({ host: '127.0.0.1', port }).print(ticket);
    await new Promise<void>((r) => server.close(() => r()));
    expect(hex(Buffer.concat(received))).toBe(hex(encodeTicket(ticket)));
    await expect(new NetworkTicketPrinter({ host: '127.0.0.1', port, timeoutMs: 2000 }).print(ticket)).rejects.toThrow();
  });
});
