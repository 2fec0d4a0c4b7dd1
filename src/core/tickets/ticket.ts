// A drive-up visitor's paper ticket (issue 15): its number, the entry, and a QR code that the exit lane
// scans. The number is the visit id's first 8 characters (what tables show); the QR holds the whole
// visit id, so the exit finds the visit without a lookup table.
export interface Ticket {
  visitId: string;
  lotName: string;
  gate: string;
  enteredAt: Date;
  /** the plate read at the entry, when there was one (kept with the ticket) */
  plate: string | null;
  timeZone: string;
}

export function ticketNumber(visitId: string): string {
  return visitId.replace(/-/g, '').slice(0, 8).toUpperCase();
}

/** The lines printed above the QR code: what a driver and a cashier read. */
export function ticketLines(t: Ticket): { title: string; lines: string[]; qr: string; footer: string } {
  const entered = new Intl.DateTimeFormat('en-GB', { timeZone: t.timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(t.enteredAt);
  return {
    title: t.lotName.slice(0, 32),
    lines: [`Ticket ${ticketNumber(t.visitId)}`, `In: ${entered}`, `Gate: ${t.gate}`.slice(0, 42), ...(t.plate ? [`Plate: ${t.plate}`] : [])],
    qr: t.visitId,
    footer: 'Keep this ticket. Pay before you leave.',
  };
}
