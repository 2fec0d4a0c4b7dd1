// Overstay at the exit gate (DESIGN.md section 4): time past the reservation end, rounded up to
// the lot's slot (15 minutes by default), priced at the hourly rate. Integer minor units only.

const msPerMinute = 60_000;

export interface Overstay {
  /** billed minutes: whole slots */
  overstayMinutes: number;
  amountMinor: number;
}

/**
 * One millisecond past the end bills a whole slot; leaving at or before the end bills nothing.
 * amount = ceil(billedMinutes * ratePerHourMinor / 60), so a fractional cent rounds in the
 * lot's favour by at most one minor unit.
 */
export function computeOverstay(
  reservationEnd: Date | null,
  exitAt: Date,
  slotMinutes: number,
  ratePerHourMinor: number,
): Overstay {
  if (!reservationEnd) return { overstayMinutes: 0, amountMinor: 0 };
  const lateMs = exitAt.getTime() - reservationEnd.getTime();
  if (!(lateMs > 0)) return { overstayMinutes: 0, amountMinor: 0 };
  const slot = slotMinutes > 0 ? slotMinutes : 1;
  const overstayMinutes = Math.ceil(lateMs / (slot * msPerMinute)) * slot;
  const amountMinor = Math.ceil((overstayMinutes * Math.max(0, ratePerHourMinor)) / 60);
  return { overstayMinutes, amountMinor };
}
