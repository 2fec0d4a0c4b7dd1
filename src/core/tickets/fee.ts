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

/** A validation on a ticket: what its validator gives, and what it was last settled at (minor units). */
export interface TicketValidation {
  kind: 'percent' | 'amount' | 'hours';
  value: number;
  amountMinor: number;
}

/**
 * What each validation takes off a charge at `now` (issue 15): free hours leave only the stay after the
 * first N hours priced (the charge less the price of the stay shortened by N hours from the entry), a
 * percent is of the charge, an amount is fixed; in the order applied, together never more than the charge.
 * A flat lost-ticket fee has no stay to shorten: free hours there keep what they were settled at.
 */
export function validationWorths(vs: readonly TicketValidation[], chargeMinor: number, t: { enteredAt: Date; lostFeeMinor: number | null }, now: Date, price: PriceStay): number[] {
  let left = Math.max(0, chargeMinor);
  return vs.map((v) => {
    let off: number;
    if (v.kind === 'percent') off = Math.floor((chargeMinor * v.value) / 100);
    else if (v.kind === 'amount') off = v.value;
    else if (t.lostFeeMinor !== null) off = v.amountMinor;
    else {
      const freeUntil = new Date(t.enteredAt.getTime() + v.value * 3_600_000);
      const rest = now.getTime() > freeUntil.getTime() ? price(freeUntil, now) : 0;
      off = rest === null ? v.amountMinor : chargeMinor - rest;
    }
    const taken = Math.max(0, Math.min(off, left));
    left -= taken;
    return taken;
  });
}
