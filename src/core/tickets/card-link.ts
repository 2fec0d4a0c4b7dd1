// Paying a ticket by card from a link (issue 15): `parkctl ticket pay N --card-link` makes a Stripe
// Checkout for what the ticket owes now; the provider's webhook settles it (re-verified with the
// provider, never trusting the event): the payment is recorded once per provider payment, and the car
// has the lot's grace to leave from the moment it was paid.
import { setActor, withTransaction } from '../db.js';
import { RefusedError } from '../errors.js';
import type { Lot } from '../lots/lot.js';
import type { PaymentDeps } from '../payments/deps.js';
import type { PaymentVerification } from '../ports.js';
import { addVisitPaid, insertEvent, insertPayment, selectLotMoneyPolicy } from '../sql/payments.js';
import { markTicketPaid, selectTicketByIdForUpdate, selectTicketLot, setVisitDue } from '../sql/tickets.js';
import { lotChanged } from '../changes.js';
import { lotTicketPolicy } from './policy.js';
import { showTicket, ticketMoney } from './tickets.js';

export interface PayLink {
  number: string;
  paymentUrl: string;
  providerRef: string | null;
  amountMinor: number;
  currency: string;
}

/** How long a ticket's payment link stays good (the provider's floor is 30 minutes). */
const linkMinutes = 30;

export async function ticketPayLink(deps: PaymentDeps, lot: Lot, number: string): Promise<PayLink> {
  const view = await showTicket(deps, lot, number);
  const t = view.ticket;
  if (t.status === 'used' || t.status === 'lost') throw new RefusedError(`ticket ${t.number} is ${t.status}`, { code: `ticket_${t.status}` });
  if (view.dueMinor === null) throw new RefusedError(`${lot.code}'s prices do not cover this stay`, { hint: 'take what the attendant decides: parkctl payments collect', code: 'not_priced' });
  if (view.dueMinor <= 0) throw new RefusedError(`nothing is owed on ticket ${t.number} now`, { code: 'nothing_due' });
  if (deps.payments.name !== 'stripe') throw new RefusedError('a card link needs Stripe', { hint: 'set STRIPE_SECRET_KEY, or take it with --card or --cash', code: 'no_card_links' });
  const now = deps.clock.now();
  const credits = ticketMoney(t).creditsMinor;
  const checkout = await deps.payments.createCheckout({
    reservationId: t.ticket_id, lotId: lot.lotId, lotCode: lot.code, amountMinor: view.dueMinor, currency: lot.currency,
    expiresAt: new Date(now.getTime() + linkMinutes * 60_000), customerRef: `ticket:${t.number}`,
    // the same ticket owing the same amount gets the same link, however often asked
    idempotencyKey: `ticket-link:${t.ticket_id}:${credits}:${view.dueMinor}`,
    ticket: { ticketId: t.ticket_id, number: t.number, visitId: t.visit_id },
  });
  return { number: t.number, paymentUrl: checkout.paymentUrl, providerRef: checkout.providerRef, amountMinor: view.dueMinor, currency: lot.currency };
}

/** A ticket's link was paid (a webhook, after verifying with the provider). Once per provider payment. */
export async function settleTicketPayment(deps: PaymentDeps, ticketId: string, paid: PaymentVerification): Promise<string> {
  if (!paid.paid) return `ticket ${ticketId}: not paid (${paid.reason ?? 'unknown'})`;
  if (paid.ticketId !== ticketId) return `ignored: the payment names ticket ${paid.ticketId ?? '(none)'}, not ${ticketId}`;
  const lotId = await selectTicketLot(deps.pool, ticketId);
  if (lotId === null) return `ignored: no ticket ${ticketId}`;
  const now = deps.clock.now();
  const outcome = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor);
    const lot = await selectLotMoneyPolicy(tx, lotId);
    const t = (await selectTicketByIdForUpdate(tx, lotId, ticketId))!;
    if (paid.currency !== lot.currency) {
      await insertEvent(tx, { lotId, kind: 'payment.rejected', reservationId: null, actor: deps.actor, reason: `paid in ${paid.currency}, the lot charges ${lot.currency}`, detail: { ticket: t.number, payment_ref: paid.providerRef }, at: now });
      return `rejected: ticket ${t.number} paid in ${paid.currency}`;
    }
    const payment = await insertPayment(tx, {
      lotId, visitId: t.visit_id, purpose: 'walk_in', amountMinor: paid.amountMinor, currency: paid.currency, provider: 'stripe', providerRef: paid.providerRef,
      status: 'succeeded', idempotencyKey: `stripe-ticket:${paid.providerRef}`, note: `ticket ${t.number}, card link`, now,
    });
    if (!payment) return `ticket ${t.number}: payment ${paid.providerRef} recorded before`;
    await addVisitPaid(tx, { lotId, visitId: t.visit_id, amountMinor: paid.amountMinor });
    if (t.status !== 'open' && t.status !== 'paid') return `ticket ${t.number} was ${t.status}: ${paid.amountMinor} recorded on its visit`;
    // what is covered now: the fee at the moment of payment, up to what was paid, waived and validated
    const covered = ticketMoney(t).creditsMinor + paid.amountMinor;
    const { exitGraceMinutes } = lotTicketPolicy(lot.policy);
    await markTicketPaid(tx, { lotId, ticketId, feeMinor: covered, paidAt: now, exitBy: new Date(now.getTime() + exitGraceMinutes * 60_000), waivedMinor: 0, waiveReason: null });
    await setVisitDue(tx, lotId, t.visit_id, covered - t.waived_minor - t.validated_minor);
    return `ticket ${t.number} paid ${paid.amountMinor}`;
  });
  await lotChanged(deps, lotId);
  return outcome;
}
