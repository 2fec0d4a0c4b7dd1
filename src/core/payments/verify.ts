// Does a verified payment prove this reservation is paid? The provider only reports; this compares.
import type { PaymentVerification } from '../ports.js';
import type { ReservationRow } from '../sql/reservations.js';

/** Reasons the payment does not pay for this reservation, for people; empty when it does. */
export function paymentProblems(r: ReservationRow, paid: PaymentVerification): string[] {
  if (!paid.paid) return [paid.reason ?? 'not paid'];
  const problems: string[] = [];
  if (paid.amountMinor !== r.price_minor) problems.push(`amount ${paid.amountMinor} is not the price ${r.price_minor}`);
  if (paid.currency.toUpperCase() !== r.currency) problems.push(`currency ${paid.currency} is not ${r.currency}`);
  if (paid.reservationId !== r.reservation_id) problems.push(`the payment is for reservation ${paid.reservationId ?? '(none)'}`);
  return problems;
}
