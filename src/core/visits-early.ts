// `visit arrive` for a booked car that comes before its entry opens (issue 19, item 3). Before, the
// attendant was told "no booking ... admit it as a walk-in", which charges the customer twice. Now: refused
// with the booking and the time entry opens in the lot's zone, pointing at the override; or let in with a
// fee when the lot's policy says so (src/core/lots/early-entry.ts); or let in by an attendant's override,
// with who and why in the audit trail. The fee is kept on the visit as owed from the start, so `visit
// depart` and the exit gate (which reads open visits' balances) ask for it with the rest.
import { RefusedError, UsageError } from './errors.js';
import { earlyEntryFee, earlyEntryPolicy, entryOpensAt, feeAllowsEntry, localTimeText } from './lots/early-entry.js';
import type { Lot } from './lots/lot.js';
import type { Queryable } from './ports.js';
import { insertEvent } from './sql/payments.js';
import type { ReservationRow } from './sql/reservations.js';
import type { VisitRow } from './sql/visits.js';

export interface EarlyArrival {
  /** when the booking's entry opened (its start less the lot's early-entry grace) */
  opensAt: Date;
  /** whole minutes before the opening */
  earlyMinutes: number;
  /** owed at the exit for those minutes, minor units */
  feeMinor: number;
  /** let in by an attendant's override, not by the lot's policy */
  override: boolean;
  /** the audit trail's why */
  reason: string;
}

/**
 * null when the car is not early; the early arrival when the policy or the override lets it in;
 * otherwise a RefusedError (code too_early) naming the booking and when entry opens.
 */
export function decideEarlyArrival(lot: Lot, r: ReservationRow, at: Date, override: { reason: string } | undefined): EarlyArrival | null {
  const opensAt = entryOpensAt(r.starts_at, lot.earlyEntryGraceMinutes);
  if (at >= opensAt) return null;
  const policy = earlyEntryPolicy(lot.policy);
  const overrideReason = override?.reason.trim();
  if (override && !overrideReason) throw new UsageError('an early entry override needs a reason', { hint: 'e.g. --early --reason "customer\'s flight landed early"' });
  if (!overrideReason && !feeAllowsEntry(policy, at, opensAt)) {
    const when = localTimeText(opensAt, lot.timeZone, at);
    const starts = localTimeText(r.starts_at, lot.timeZone, at);
    throw new RefusedError(`too early: ${r.plate}'s booking ${r.reservation_id} starts at ${starts}; entry opens at ${when} (${lot.timeZone})`, {
      hint: `ask it to come back at ${when}, or let it in now, the early time owed at exit: parkctl visit arrive --lot ${lot.code} --reservation ${r.reservation_id} --early --reason "..."`,
      code: 'too_early',
    });
  }
  const fee = earlyEntryFee(lot.pricing, {
    timeZone: lot.timeZone, vehicleType: r.vehicle_type, at, opensAt, slotMinutes: lot.overstaySlotMinutes, lotCode: lot.code,
  });
  return {
    opensAt, earlyMinutes: fee.earlyMinutes, feeMinor: fee.amountMinor, override: Boolean(overrideReason),
    reason: overrideReason ?? `early entry with a fee (lot policy, up to ${policy.maxMinutes} min before entry opens)`,
  };
}

/** The audit row of an early entry: who let it in and why, and what it owes for it. */
export async function recordEarlyArrival(tx: Queryable, actor: string, lot: Lot, visit: VisitRow, early: EarlyArrival): Promise<void> {
  await insertEvent(tx, {
    lotId: lot.lotId, kind: 'visit.early_entry', reservationId: visit.reservation_id, actor, reason: early.reason, at: visit.entered_at,
    detail: {
      plate: visit.plate, visit_id: visit.visit_id, opens_at: early.opensAt.toISOString(), early_minutes: early.earlyMinutes,
      fee_minor: early.feeMinor, currency: lot.currency, override: early.override,
    },
  });
}
