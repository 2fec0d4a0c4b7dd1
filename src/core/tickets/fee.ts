// What a ticket owes at an instant: one rule for the exit lane (offline, from its snapshot) and for the
// desk (`parkctl ticket pay|show`), so the two never disagree.
//
// Not paid yet: the stay priced from the entry (or a replacement's flat lost-ticket fee). Paid: nothing
// until exit_by (the lot's grace); after it, the fee paid plus the time since the payment. What was
// taken, waived or validated comes off, and the answer is never below zero.

export interface TicketMoney {
  enteredAt: Date;
  /** the fee the last payment was against; null: never paid */
  feeMinor: number | null;
  paidAt: Date | null;
  exitBy: Date | null;
  /** a replacement priced flat (no proven entry); null: priced from the entry */
  lostFeeMinor: number | null;
  /** taken + waived + validated, minor units */
  creditsMinor: number;
}

/** Prices a stay [start, end) by the lot's rules; null when they cannot. */
export type PriceStay = (start: Date, end: Date) => number | null;

/** What the stay costs at `now`, before credits; null when the rules cannot price it. */
export function ticketCharge(t: TicketMoney, now: Date, price: PriceStay): number | null {
  if (t.paidAt && t.feeMinor !== null) {
    if (t.exitBy && now.getTime() <= t.exitBy.getTime()) return t.feeMinor;
    const extra = price(t.paidAt, now);
    return extra === null ? null : t.feeMinor + extra;
  }
  if (t.lostFeeMinor !== null) return t.lostFeeMinor;
  return now.getTime() > t.enteredAt.getTime() ? price(t.enteredAt, now) : 0;
}

/** Owed at `now`: the charge less credits, never negative; null when the rules cannot price it. */
export function ticketDue(t: TicketMoney, now: Date, price: PriceStay): number | null {
  const charge = ticketCharge(t, now, price);
  return charge === null ? null : Math.max(0, charge - t.creditsMinor);
}
