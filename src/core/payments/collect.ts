// What the attendant takes at the exit (`parkctl payments collect`): cash or a card terminal, for an
// overstay or a walk-in's stay. The key `collect:<visit id>:<paid so far>` makes a double-pressed
// collect land once, while a second, later part-payment still gets its own row.
import { setActor, withTransaction } from '../db.js';
import { NotFoundError, RefusedError, UsageError } from '../errors.js';
import type { Clock, Logger, PaymentProvider, PoolLike } from '../ports.js';
import { retryPendingCharges } from './overstay-settle.js';
import { addVisitPaid, insertPayment, selectPayments, selectVisitMoney, selectVisitMoneyByPlate, type PaymentRow, type VisitMoneyRow } from '../sql/payments.js';

export type CollectMethod = 'cash' | 'card';

export interface CollectRequest {
  /** a visit id, or a plate in a lot */
  visitId?: string;
  lotId?: number;
  plate?: string;
  method: CollectMethod;
  /** integer minor units; default: everything still due */
  amountMinor?: number;
}

export interface Collected {
  payment: PaymentRow;
  visit: VisitMoneyRow;
  /** what is still due after this, minor units */
  outstandingMinor: number;
}

export interface CollectDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
  /** the provider of card charges made at the exit: a charge whose answer was lost is retried first */
  payments?: PaymentProvider | undefined;
  logger?: Logger | undefined;
}

export async function collectPayment(deps: CollectDeps, req: CollectRequest): Promise<Collected> {
  if (req.amountMinor !== undefined && (!Number.isSafeInteger(req.amountMinor) || req.amountMinor <= 0)) {
    throw new UsageError(`amount ${req.amountMinor} is not a positive whole number of minor units`, { hint: 'e.g. --amount 450 for 4.50', code: 'bad_amount' });
  }
  const now = deps.clock.now();
  if (deps.payments && req.visitId) await retryPendingCharges({ ...deps, payments: deps.payments }, { visitId: req.visitId });
  else if (deps.payments) {
    const found = await selectVisitMoneyByPlate(deps.pool, req.lotId!, req.plate!);
    if (found) await retryPendingCharges({ ...deps, payments: deps.payments }, { visitId: found.visit_id });
  }
  return withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor);
    const found = req.visitId
      ? await selectVisitMoney(tx, req.visitId)
      : await selectVisitMoneyByPlate(tx, req.lotId!, req.plate!);
    if (!found) throw new NotFoundError(`no visit ${req.visitId ?? `of ${req.plate}`}`, { hint: 'check the plate or visit id', code: 'unknown_visit' });
    const visit = (await selectVisitMoney(tx, found.visit_id, { forUpdate: true, lotId: found.lot_id }))!;
    const inDoubt = await selectPayments(tx, { visitId: visit.visit_id, status: 'pending', purpose: 'overstay', limit: 1 });
    if (inDoubt[0]) {
      throw new RefusedError(`a card charge of ${inDoubt[0].amount_minor} for ${visit.plate} is not confirmed yet: it may have gone through, so nothing is taken twice`, {
        hint: 'wait for Stripe (its webhook settles it) or run parkctl payments settle-refunds, then collect what is still due', code: 'charge_in_doubt',
      });
    }
    const outstanding = visit.amount_due_minor - visit.amount_paid_minor;
    if (outstanding <= 0) {
      const hint = visit.exited_at ? undefined : 'the car is still inside: the amount is priced when it departs (parkctl visit depart)';
      throw new RefusedError(`nothing is due for ${visit.plate} (visit ${visit.visit_id})`, { hint, code: 'nothing_due' });
    }
    const amountMinor = req.amountMinor ?? outstanding;
    if (amountMinor > outstanding) {
      throw new RefusedError(`only ${outstanding} is due for ${visit.plate}, not ${amountMinor}`, { hint: 'leave out --amount to take what is due', code: 'amount_over_due' });
    }
    const payment = await insertPayment(tx, {
      lotId: visit.lot_id, reservationId: visit.reservation_id, visitId: visit.visit_id, purpose: visit.reservation_id ? 'overstay' : 'walk_in',
      amountMinor, currency: visit.currency, provider: req.method, status: 'succeeded',
      idempotencyKey: `collect:${visit.visit_id}:${visit.amount_paid_minor}`, note: `taken by ${deps.actor}`, now,
    });
    if (!payment) throw new RefusedError(`that payment for ${visit.plate} was already recorded`, { code: 'already_collected' });
    await addVisitPaid(tx, { lotId: visit.lot_id, visitId: visit.visit_id, amountMinor });
    return { payment, visit: { ...visit, amount_paid_minor: visit.amount_paid_minor + amountMinor }, outstandingMinor: outstanding - amountMinor };
  });
}
