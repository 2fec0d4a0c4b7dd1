// SQL of the payments aggregate: money received, refunds owed or sent, what a visit paid at the exit.
// Every row carries an idempotency key unique per lot: a retried decision finds its row and stops.
import type { Queryable } from '../ports.js';

export type PaymentPurpose = 'reservation' | 'overstay' | 'walk_in' | 'refund' | 'permit';

/**
 * Row statuses. `pending`: decided, not yet sent to the provider (settle-refunds sends it);
 * `due`: an attendant must hand it over (cash); `processing`: the provider accepted it and is still
 * working; `succeeded` / `failed`: final.
 */
export type PaymentRowStatus = 'pending' | 'due' | 'processing' | 'succeeded' | 'failed';

export interface PaymentRow {
  lot_id: number;
  payment_id: string;
  reservation_id: string | null;
  visit_id: string | null;
  purpose: PaymentPurpose;
  /** integer minor units, always positive (a refund row says "given back") */
  amount_minor: number;
  currency: string;
  /** stripe | cash | card | manual: who moves (or moved) the money */
  provider: string;
  /** the provider's id of this movement (pi_..., re_...), once known */
  provider_ref: string | null;
  status: PaymentRowStatus;
  idempotency_key: string;
  /** refund rows: the provider's reference of the payment given back */
  refund_of_ref: string | null;
  /** why, for people */
  note: string | null;
  created_at: Date;
}

const paymentColumns = `lot_id, payment_id, reservation_id, visit_id, purpose, amount_minor, currency, provider, provider_ref, status,
  idempotency_key, refund_of_ref, note, created_at`;

export interface NewPayment {
  lotId: number;
  reservationId?: string | null;
  visitId?: string | null;
  purpose: PaymentPurpose;
  amountMinor: number;
  currency: string;
  provider: string;
  providerRef?: string | null;
  status: PaymentRowStatus;
  idempotencyKey: string;
  refundOfRef?: string | null;
  note?: string | null;
  now: Date;
}

/** Insert unless the key is taken; null when it was (the earlier decision stands). */
export async function insertPayment(db: Queryable, p: NewPayment): Promise<PaymentRow | null> {
  const { rows } = await db.query<PaymentRow & Record<string, unknown>>(
    `insert into payments (lot_id, reservation_id, visit_id, purpose, amount_minor, currency, provider, provider_ref, status, idempotency_key,
                           refund_of_ref, note, created_at)
     values ($1::integer, $2::uuid, $3::uuid, $4::text, $5::bigint, $6::char(3), $7::text, $8::text, $9::text, $10::text,
             $11::text, $12::text, $13::timestamptz)
     on conflict (lot_id, idempotency_key) do nothing
     returning ${paymentColumns}`,
    [p.lotId, p.reservationId ?? null, p.visitId ?? null, p.purpose, p.amountMinor, p.currency, p.provider, p.providerRef ?? null, p.status,
      p.idempotencyKey, p.refundOfRef ?? null, p.note ?? null, p.now],
  );
  return rows[0] ?? null;
}

export async function selectPaymentByKey(db: Queryable, lotId: number, idempotencyKey: string, opts: { forUpdate?: boolean } = {}): Promise<PaymentRow | null> {
  const { rows } = await db.query<PaymentRow & Record<string, unknown>>(
    `select ${paymentColumns} from payments where lot_id = $1::integer and idempotency_key = $2::text${opts.forUpdate ? ' for update' : ''}`,
    [lotId, idempotencyKey],
  );
  return rows[0] ?? null;
}

/** By id; a locking read must name the lot (on Citus, FOR UPDATE runs only on one shard). */
export async function selectPaymentById(db: Queryable, paymentId: string, opts: { forUpdate?: boolean; lotId?: number } = {}): Promise<PaymentRow | null> {
  const inLot = opts.lotId === undefined ? '' : ' and lot_id = $2::integer';
  const { rows } = await db.query<PaymentRow & Record<string, unknown>>(
    `select ${paymentColumns} from payments where payment_id = $1::uuid${inLot}${opts.forUpdate ? ' for update' : ''}`,
    opts.lotId === undefined ? [paymentId] : [paymentId, opts.lotId],
  );
  return rows[0] ?? null;
}

/** Refunds an attendant still owes in cash (status due) for one reservation, locked: who hands it back moves it. */
export async function selectDueRefunds(db: Queryable, lotId: number, reservationId: string): Promise<PaymentRow[]> {
  const { rows } = await db.query<PaymentRow & Record<string, unknown>>(
    `select ${paymentColumns} from payments
      where lot_id = $1::integer and reservation_id = $2::uuid and purpose = 'refund' and status = 'due' order by created_at for update`,
    [lotId, reservationId],
  );
  return rows;
}

/** Cash refunds an attendant owes at the desk (status due), oldest first, with the plate: the dashboard's alerts. */
export async function selectRefundsDueAtDesk(db: Queryable, lotId: number, limit: number): Promise<{ reservation_id: string; plate: string; amount_minor: number; currency: string; created_at: Date }[]> {
  const { rows } = await db.query<{ reservation_id: string; plate: string; amount_minor: number; currency: string; created_at: Date }>(
    `select p.reservation_id::text, r.plate, p.amount_minor, p.currency::text, p.created_at
       from payments p join reservations r on r.lot_id = p.lot_id and r.reservation_id = p.reservation_id
      where p.lot_id = $1::integer and p.purpose = 'refund' and p.status = 'due'
      order by p.created_at limit $2::integer`,
    [lotId, limit],
  );
  return rows;
}

/** Move a row on from `from`; false when someone else already did (so side effects run once). */
export async function updatePaymentStatus(
  db: Queryable,
  p: { lotId: number; paymentId: string; from: readonly PaymentRowStatus[]; to: PaymentRowStatus; providerRef?: string | null; note?: string | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update payments set status = $4::text, provider_ref = coalesce($5::text, provider_ref), note = coalesce($6::text, note)
      where lot_id = $1::integer and payment_id = $2::uuid and status = any ($3::text[])`,
    [p.lotId, p.paymentId, p.from, p.to, p.providerRef ?? null, p.note ?? null],
  );
  return rowCount === 1;
}

export interface PaymentFilter {
  lotId?: number | null;
  reservationId?: string | null;
  visitId?: string | null;
  status?: string | null;
  purpose?: PaymentPurpose | null;
  limit: number;
}

export async function selectPayments(db: Queryable, f: PaymentFilter): Promise<PaymentRow[]> {
  const { rows } = await db.query<PaymentRow & Record<string, unknown>>(
    `select ${paymentColumns} from payments
      where ($1::integer is null or lot_id = $1::integer) and ($2::uuid is null or reservation_id = $2::uuid)
        and ($3::uuid is null or visit_id = $3::uuid) and ($4::text is null or status = $4::text)
        and ($5::text is null or purpose = $5::text)
      order by created_at, payment_id limit $6::integer`,
    [f.lotId ?? null, f.reservationId ?? null, f.visitId ?? null, f.status ?? null, f.purpose ?? null, f.limit],
  );
  return rows;
}

/** Integer minor units received for a reservation (its succeeded `reservation` rows). */
export async function selectAmountPaid(db: Queryable, lotId: number, reservationId: string): Promise<{ amount_minor: number; provider: string | null; provider_ref: string | null }> {
  const { rows } = await db.query<{ amount_minor: number; provider: string | null; provider_ref: string | null }>(
    `select coalesce(sum(amount_minor), 0)::bigint as amount_minor, max(provider) as provider, max(provider_ref) as provider_ref
       from payments
      where lot_id = $1::integer and reservation_id = $2::uuid and purpose = 'reservation' and status = 'succeeded'`,
    [lotId, reservationId],
  );
  return rows[0]!;
}

// --- the reservation's money columns (migration 0004) ---

export interface ReservationMoneyRow {
  lot_id: number;
  reservation_id: string;
  payment_provider: string | null;
  payment_status: string;
  payment_ref: string | null;
  /** cus_...: the customer at the provider, for off-session charges */
  provider_customer_ref: string | null;
  /** pm_...: the card saved at checkout (a reference, never card data) */
  payment_method_ref: string | null;
  checkout_ref: string | null;
  checkout_url: string | null;
  refunded_minor: number;
}

export async function selectReservationMoney(db: Queryable, lotId: number, reservationId: string): Promise<ReservationMoneyRow | null> {
  const { rows } = await db.query<ReservationMoneyRow & Record<string, unknown>>(
    `select lot_id, reservation_id, payment_provider, payment_status::text, payment_ref, provider_customer_ref, payment_method_ref,
            checkout_ref, checkout_url, refunded_minor
       from reservations where lot_id = $1::integer and reservation_id = $2::uuid`,
    [lotId, reservationId],
  );
  return rows[0] ?? null;
}

/**
 * TENTATIVE with a live hold -> CONFIRMED/paid, keeping the saved card's references for later
 * off-session charges. False when the hold lapsed or the status moved meanwhile.
 */
export async function markReservationPaid(
  db: Queryable,
  p: { lotId: number; reservationId: string; provider: string; paymentRef: string; paymentMethodRef: string | null; customerRef: string | null; now: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update reservations
        set status = 'CONFIRMED', payment_status = 'paid', payment_provider = $3::text, payment_ref = $4::text,
            payment_method_ref = $5::text, provider_customer_ref = $6::text, updated_at = $7::timestamptz
      where lot_id = $1::integer and reservation_id = $2::uuid and status = 'TENTATIVE' and hold_expires_at > $7::timestamptz`,
    [p.lotId, p.reservationId, p.provider, p.paymentRef, p.paymentMethodRef, p.customerRef, p.now],
  );
  return rowCount === 1;
}

/** A payment that arrived for a reservation that will not be kept: remember it was received. */
export async function recordPaymentReceived(db: Queryable, p: { lotId: number; reservationId: string; provider: string; paymentRef: string; now: Date }): Promise<void> {
  await db.query(
    `update reservations set payment_provider = $3::text, payment_ref = $4::text, payment_status = 'paid', updated_at = $5::timestamptz
      where lot_id = $1::integer and reservation_id = $2::uuid`,
    [p.lotId, p.reservationId, p.provider, p.paymentRef, p.now],
  );
}

/** Add a refund decided for a reservation; `paidMinor` decides refunded vs partially_refunded. */
export async function addRefunded(db: Queryable, p: { lotId: number; reservationId: string; amountMinor: number; paidMinor: number; now: Date }): Promise<void> {
  await db.query(
    `update reservations
        set refunded_minor = refunded_minor + $3::bigint,
            payment_status = case when refunded_minor + $3::bigint >= $4::bigint then 'refunded' else 'partially_refunded' end::payment_status,
            updated_at = $5::timestamptz
      where lot_id = $1::integer and reservation_id = $2::uuid`,
    [p.lotId, p.reservationId, p.amountMinor, p.paidMinor, p.now],
  );
}

export async function recordCheckoutRef(db: Queryable, p: { lotId: number; reservationId: string; provider: string; checkoutRef: string | null; checkoutUrl: string }): Promise<void> {
  await db.query(
    `update reservations
        set checkout_ref = coalesce($4::text, checkout_ref), checkout_url = $5::text, payment_provider = $3::text,
            payment_ref = case when payment_status = 'unpaid' then coalesce($4::text, payment_ref) else payment_ref end,
            payment_status = case when payment_status = 'unpaid' then 'pending'::payment_status else payment_status end
      where lot_id = $1::integer and reservation_id = $2::uuid`,
    [p.lotId, p.reservationId, p.provider, p.checkoutRef, p.checkoutUrl],
  );
}

/** The lot's policy (refund rules) and currency, read inside the deciding transaction. */
export async function selectLotMoneyPolicy(db: Queryable, lotId: number): Promise<{ policy: Record<string, unknown>; currency: string; code: string }> {
  const { rows } = await db.query<{ policy: Record<string, unknown>; currency: string; code: string }>(
    `select policy, currency, code from lots where lot_id = $1::integer`,
    [lotId],
  );
  return rows[0]!;
}

// --- visits: what the exit took ---

export interface VisitMoneyRow {
  lot_id: number;
  visit_id: string;
  reservation_id: string | null;
  plate: string;
  exited_at: Date | null;
  amount_due_minor: number;
  amount_paid_minor: number;
  currency: string;
}

const visitMoneySelect = `select v.lot_id, v.visit_id, v.reservation_id, v.plate, v.exited_at, v.amount_due_minor, v.amount_paid_minor, l.currency
  from visits v join lots l on l.lot_id = v.lot_id`;

/** By id; a locking read must name the lot (on Citus, FOR UPDATE runs only on one shard). */
export async function selectVisitMoney(db: Queryable, visitId: string, opts: { forUpdate?: boolean; lotId?: number } = {}): Promise<VisitMoneyRow | null> {
  const inLot = opts.lotId === undefined ? '' : ' and v.lot_id = $2::integer';
  const { rows } = await db.query<VisitMoneyRow & Record<string, unknown>>(
    `${visitMoneySelect} where v.visit_id = $1::uuid${inLot}${opts.forUpdate ? ' for update of v' : ''}`,
    opts.lotId === undefined ? [visitId] : [visitId, opts.lotId],
  );
  return rows[0] ?? null;
}

/** A plate's visit that still owes money, else its latest visit: what an attendant means by "this car". */
export async function selectVisitMoneyByPlate(db: Queryable, lotId: number, plate: string): Promise<VisitMoneyRow | null> {
  const { rows } = await db.query<VisitMoneyRow & Record<string, unknown>>(
    `${visitMoneySelect} where v.lot_id = $1::integer and v.plate = $2::text
      order by (v.amount_due_minor > v.amount_paid_minor) desc, v.entered_at desc limit 1`,
    [lotId, plate],
  );
  return rows[0] ?? null;
}

export async function addVisitPaid(db: Queryable, p: { lotId: number; visitId: string; amountMinor: number }): Promise<void> {
  await db.query(
    `update visits set amount_paid_minor = amount_paid_minor + $3::bigint where lot_id = $1::integer and visit_id = $2::uuid`,
    [p.lotId, p.visitId, p.amountMinor],
  );
}

// --- the audit trail and the webhook log ---

export async function insertEvent(
  db: Queryable,
  e: { lotId: number; kind: string; reservationId: string | null; actor: string; reason?: string | null; detail: Record<string, unknown>; at: Date },
): Promise<void> {
  await db.query(
    `insert into events (lot_id, kind, reservation_id, actor, reason, detail, occurred_at)
     values ($1::integer, $2::text, $3::uuid, $4::text, $5::text, $6::jsonb, $7::timestamptz)`,
    [e.lotId, e.kind, e.reservationId, e.actor, e.reason ?? null, JSON.stringify(e.detail), e.at],
  );
}

/** No-show refunds the sweeper decided (events 'payment.refund_due') that have no refund row yet. */
export async function selectUnsettledRefundDue(db: Queryable, lotId: number | null, limit: number): Promise<{ lot_id: number; reservation_id: string; amount_minor: number; percent: number | null }[]> {
  const { rows } = await db.query<{ lot_id: number; reservation_id: string; amount_minor: number; percent: number | null }>(
    `select distinct on (e.lot_id, e.reservation_id) e.lot_id, e.reservation_id,
            (e.detail->>'amount_minor')::bigint as amount_minor, (e.detail->>'percent')::integer as percent
       from events e
      where e.kind = 'payment.refund_due' and e.reservation_id is not null and ($1::integer is null or e.lot_id = $1::integer)
        and not exists (select 1 from payments p where p.lot_id = e.lot_id and p.idempotency_key = 'refund:no_show:' || e.reservation_id::text)
      order by e.lot_id, e.reservation_id, e.event_id
      limit $2::integer`,
    [lotId, limit],
  );
  return rows;
}

/** 'new' (handle it), 'done' (handled before: change nothing), 'in_progress' (another delivery is on it). */
export async function claimWebhookEvent(db: Queryable, e: { eventId: string; provider: string; type: string; now: Date }): Promise<{ state: 'new' | 'done' | 'in_progress'; outcome: string | null }> {
  const inserted = await db.query(
    `insert into webhook_events (event_id, provider, type, received_at) values ($1::text, $2::text, $3::text, $4::timestamptz)
     on conflict (event_id) do nothing`,
    [e.eventId, e.provider, e.type, e.now],
  );
  if (inserted.rowCount === 1) return { state: 'new', outcome: null };
  const { rows } = await db.query<{ processed_at: Date | null; outcome: string | null }>(
    `select processed_at, outcome from webhook_events where event_id = $1::text`,
    [e.eventId],
  );
  return { state: rows[0]?.processed_at ? 'done' : 'in_progress', outcome: rows[0]?.outcome ?? null };
}

export async function finishWebhookEvent(db: Queryable, e: { eventId: string; outcome: string; now: Date }): Promise<void> {
  await db.query(`update webhook_events set processed_at = $3::timestamptz, outcome = $2::text where event_id = $1::text`, [e.eventId, e.outcome, e.now]);
}

/** Handling failed (provider or database down): forget the claim so the provider's retry handles it. */
export async function releaseWebhookEvent(db: Queryable, eventId: string): Promise<void> {
  await db.query(`delete from webhook_events where event_id = $1::text and processed_at is null`, [eventId]);
}

/** The reservation made under a caller's idempotency key (e.g. `late:<id>`, a late payment's re-take). */
export async function selectReservationIdByExternalRef(db: Queryable, lotId: number, externalRef: string): Promise<string | null> {
  const { rows } = await db.query<{ reservation_id: string }>(
    `select reservation_id from reservations where lot_id = $1::integer and external_ref = $2::text
      order by status = 'EXPIRED', created_at desc limit 1`,
    [lotId, externalRef],
  );
  return rows[0]?.reservation_id ?? null;
}

/** How many payments rows the filter matches, ignoring its limit: a list that stops says of how many. */
export async function countPayments(db: Queryable, f: Omit<PaymentFilter, 'limit'>): Promise<number> {
  const { rows } = await db.query<{ total: string }>(
    `select count(*)::bigint as total from payments
      where ($1::integer is null or lot_id = $1::integer) and ($2::uuid is null or reservation_id = $2::uuid)
        and ($3::uuid is null or visit_id = $3::uuid) and ($4::text is null or status = $4::text)
        and ($5::text is null or purpose = $5::text)`,
    [f.lotId ?? null, f.reservationId ?? null, f.visitId ?? null, f.status ?? null, f.purpose ?? null],
  );
  return Number(rows[0]!.total);
}
