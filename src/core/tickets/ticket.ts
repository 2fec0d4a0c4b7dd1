// A drive-up visitor's paper ticket (issue 15): its number, the entry, and a QR code that the exit lane
// scans. The number is short and printable, unique in the lot (migrations/0032): an entry lane numbers
// its tickets <lane prefix>-<journal seq>, offline. The QR holds the number and the visit id, so an exit
// lane finds the visit from its snapshot without a lookup, and a pay station from the number alone.
export interface Ticket {
  /** e.g. "NORTHIN-1042" */
  number: string;
  visitId: string;
  lotName: string;
  gate: string;
  enteredAt: Date;
  /** the plate read at the entry, when there was one (kept with the ticket) */
  plate: string | null;
  timeZone: string;
}

/** The prefix a lane numbers its tickets with: its configured one, else its gate id in capitals (A-Z, 0-9, at most 8). */
export function ticketPrefix(gateId: string, configured?: string): string {
  const p = (configured ?? gateId).toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 8);
  return p.length > 0 ? p : 'T';
}

export function ticketNumberOf(prefix: string, seq: number): string {
  return `${prefix}-${seq}`;
}

const qrPattern = /^T1\/([A-Z0-9][A-Z0-9-]{0,23})\/([0-9a-fA-F-]{36})$/;

/** What the QR code holds: `T1/<number>/<visit id>`. */
export function ticketQr(t: Pick<Ticket, 'number' | 'visitId'>): string {
  return `T1/${t.number}/${t.visitId}`;
}

/** A scanned code as a ticket: the QR form, or a number typed in (upper-cased). Null: not a ticket. */
export function parseTicketCode(code: string): { number: string; visitId: string | null } | null {
  const c = code.trim();
  const m = qrPattern.exec(c);
  if (m) return { number: m[1]!, visitId: m[2]!.toLowerCase() };
  const n = c.toUpperCase();
  return /^[A-Z0-9][A-Z0-9-]{0,23}$/.test(n) ? { number: n, visitId: null } : null;
}

/** The lines printed above the QR code: what a driver and a cashier read. */
export function ticketLines(t: Ticket): { title: string; lines: string[]; qr: string; footer: string } {
  const entered = new Intl.DateTimeFormat('en-GB', { timeZone: t.timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(t.enteredAt);
  return {
    title: t.lotName.slice(0, 32),
    lines: [`Ticket ${t.number}`, `In: ${entered}`, `Gate: ${t.gate}`.slice(0, 42), ...(t.plate ? [`Plate: ${t.plate}`] : [])],
    qr: ticketQr(t),
    footer: 'Keep this ticket. Pay before you leave.',
  };
}
