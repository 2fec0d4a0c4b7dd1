// ESC/POS bytes for a ticket, from Epson's ESC/POS command reference: ESC @ (initialise), ESC a
// (justification), ESC E (emphasis), GS ! (character size), GS ( k functions 165/167/169/180/181 (QR
// code model 2: model, module size, error correction, store, print), GS V 66 (feed and partial cut).
// Hand-written, not a package: a ticket needs these eight commands, and the tests pin them byte for
// byte; the npm ESC/POS packages bring their own USB and image stacks a gate lane does not use.
import { ticketLines, type Ticket } from '../../core/tickets/ticket.js';

const ESC = 0x1b;
const GS = 0x1d;
const LF = 0x0a;

/** Printable ASCII only: thermal printers' default code page is not UTF-8, and a driver must not send control bytes. */
function ascii(text: string): number[] {
  return [...text.normalize('NFKD')].map((c) => c.charCodeAt(0)).filter((b) => b >= 0x20 && b < 0x7f);
}

export function qrCommands(data: string, moduleSize = 6): number[] {
  const bytes = ascii(data);
  const len = bytes.length + 3;
  return [
    GS, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00, // fn 165: model 2
    GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, moduleSize, // fn 167: module size (dots)
    GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, 0x31, // fn 169: error correction M
    GS, 0x28, 0x6b, len & 0xff, len >> 8, 0x31, 0x50, 0x30, ...bytes, // fn 180: store the data
    GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30, // fn 181: print it
  ];
}

export function encodeTicket(t: Ticket): Uint8Array {
  const { title, lines, qr, footer } = ticketLines(t);
  return Uint8Array.from([
    ESC, 0x40, // initialise
    ESC, 0x61, 0x01, // centre
    ESC, 0x45, 0x01, GS, 0x21, 0x11, ...ascii(title), LF, GS, 0x21, 0x00, ESC, 0x45, 0x00, // title: bold, double size
    ...lines.flatMap((l) => [...ascii(l), LF]),
    LF, ...qrCommands(qr), LF,
    ...ascii(footer), LF,
    GS, 0x56, 0x42, 0x03, // feed 3 and partial cut
  ]);
}
