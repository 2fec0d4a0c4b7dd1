// `parkctl payments hand-back` (and the dashboard's `r`): the attendant hands a cash refund back at the
// desk. A refund of money taken in cash is recorded `due` when it is decided (cancel-refund.ts,
// late-payment.ts, the no-show refunds); this is the step that pays it out: due -> succeeded, once,
// naming who handed it over. Anything else (a Stripe refund, one already handed back) is refused.
import { lotChanged, type ChangeDeps } from '../changes.js';
import { setActor, withTransaction } from '../db.js';
import { NotFoundError, RefusedError } from '../errors.js';
import type { Clock, PoolLike } from '../ports.js';
import { insertEvent, selectDueRefunds, selectPaymentById, updatePaymentStatus, type PaymentRow } from '../sql/payments.js';
import { selectReservation } from '../sql/reservations.js';

export interface HandBackDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
}

export interface HandedBack {
  /** the refund rows paid out now, each succeeded */
  refunds: PaymentRow[];
  /** integer minor units handed over */
  amountMinor: number;
  currency: string;
  plate: string | null;
}

/** `id`: a reservation id (all its due refunds) or the payment id of one refund row. */
export async function handBackCashRefund(deps: HandBackDeps, id: string): Promise<HandedBack> {
  const now = deps.clock.now();
  const done = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, 'cash refund handed back at the desk');
    // by id alone (any lot), then locked within its lot: on Citus a locking read must name the lot
    const found = await selectPaymentById(tx, id);
    const one = found ? await selectPaymentById(tx, id, { forUpdate: true, lotId: found.lot_id }) : null;
    const reservationId = one ? one.reservation_id : id;
    const reservation = reservationId ? await selectReservation(tx, reservationId, one ? { lotId: one.lot_id } : {}) : null;
    if (!one && !reservation) throw new NotFoundError(`no reservation or payment ${id}`, { hint: 'see what is due: parkctl payments list --due', code: 'unknown_payment' });
    if (one && (one.purpose !== 'refund' || one.status !== 'due')) {
      throw new RefusedError(`payment ${one.payment_id} is a ${one.purpose} that is ${one.status}: nothing to hand back`, { hint: 'see what is due: parkctl payments list --due', code: 'nothing_due' });
    }
    const rows = one ? [one] : await selectDueRefunds(tx, reservation!.lot_id, reservationId!);
    if (rows.length === 0) {
      throw new RefusedError(`no cash refund is due for reservation ${reservationId}`, { hint: 'see what is due: parkctl payments list --due', code: 'nothing_due' });
    }
    for (const row of rows) {
      await updatePaymentStatus(tx, { lotId: row.lot_id, paymentId: row.payment_id, from: ['due'], to: 'succeeded', note: `${row.note ? `${row.note}; ` : ''}handed back by ${deps.actor}` });
      await insertEvent(tx, {
        lotId: row.lot_id, kind: 'payment.refund_handed_back', reservationId: row.reservation_id, actor: deps.actor, at: now,
        detail: { payment_id: row.payment_id, amount_minor: row.amount_minor, provider: row.provider },
      });
    }
    return { rows, plate: reservation?.plate ?? null, lotId: rows[0]!.lot_id };
  });
  await lotChanged(deps, done.lotId);
  const refunds = await Promise.all(done.rows.map(async (r) => (await selectPaymentById(deps.pool, r.payment_id, { lotId: r.lot_id }))!));
  return { refunds, amountMinor: refunds.reduce((sum, r) => sum + r.amount_minor, 0), currency: refunds[0]!.currency, plate: done.plate };
}
