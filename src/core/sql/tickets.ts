// SQL of tickets (migrations/0032): a walk-in visit's paper ticket, its payment and grace, lost and
// replaced tickets. Money lives on the visit (amount_due/paid) and in payments; the ticket keeps the
// fee it was paid against, what was waived and why, and until when the car may leave.
import type { Queryable } from '../ports.js';
import type { VehicleType } from '../pricing/vehicle-types.js';

export type TicketStatus = 'open' | 'paid' | 'used' | 'lost';

export interface TicketRow {
  lot_id: number;
  ticket_id: string;
  number: string;
  visit_id: string;
  issued_at: Date;
  gate: string | null;
  /** the plate read at the entry; null when none was */
  plate: string | null;
  status: TicketStatus;
  fee_minor: number | null;
  waived_minor: number;
  waive_reason: string | null;
  paid_at: Date | null;
  exit_by: Date | null;
  replaces: string | null;
  lost_fee_minor: number | null;
  // from the visit
  entered_at: Date;
  exited_at: Date | null;
  vehicle_type: VehicleType;
  visit_plate: string;
  amount_due_minor: number;
  amount_paid_minor: number;
  /** validations taken off this visit (migrations/0033), as last settled */
  validated_minor: number;
  /** those validations, in the order applied: what each validator gives and what it was settled at */
  validations: TicketValidationRow[];
}

export interface TicketValidationRow {
  use_id: string;
  validator_id: string;
  billing: 'prepaid' | 'invoice';
  kind: 'percent' | 'amount' | 'hours';
  value: number;
  amount_minor: number;
}

const ticketSelect = `select t.lot_id, t.ticket_id::text, t.number, t.visit_id::text, t.issued_at, t.gate, t.plate, t.status, t.fee_minor,
    t.waived_minor, t.waive_reason, t.paid_at, t.exit_by, t.replaces::text, t.lost_fee_minor,
    v.entered_at, v.exited_at, v.vehicle_type::text as vehicle_type, v.plate as visit_plate, v.amount_due_minor, v.amount_paid_minor,
    coalesce((select sum(u.amount_minor) from validation_uses u where u.lot_id = v.lot_id and u.visit_id = v.visit_id), 0)::bigint as validated_minor,
    coalesce((select json_agg(json_build_object('use_id', u.use_id, 'validator_id', u.validator_id, 'billing', w.billing, 'kind', w.kind, 'value', w.value, 'amount_minor', u.amount_minor)
                order by u.applied_at, u.use_id)
                from validation_uses u join validators w on w.lot_id = u.lot_id and w.validator_id = u.validator_id
               where u.lot_id = v.lot_id and u.visit_id = v.visit_id), '[]'::json) as validations
  from tickets t join visits v on v.lot_id = t.lot_id and v.visit_id = t.visit_id`;

/**
 * Locks the ticket and its visit (payments, validations and the exit take turns on them), then reads
 * them in a statement of its own: a locking read that waited sees the rows the other transaction left,
 * but its subqueries keep the statement's older snapshot, and the validations it committed meanwhile
 * would be missed (the concurrent-validations test took 600 off a 400 fee that way).
 */
async function lockedRead(db: Queryable, where: string, values: unknown[]): Promise<TicketRow | null> {
  const { rows: locked } = await db.query<{ ticket_id: string }>(
    `select t.ticket_id::text from tickets t join visits v on v.lot_id = t.lot_id and v.visit_id = t.visit_id where ${where} for update of t, v`,
    values,
  );
  if (!locked[0]) return null;
  const { rows } = await db.query<TicketRow & Record<string, unknown>>(`${ticketSelect} where t.lot_id = $1::integer and t.ticket_id = $2::uuid`, [values[0], locked[0].ticket_id]);
  return rows[0] ?? null;
}

export async function selectTicketByNumber(db: Queryable, lotId: number, number: string, opts: { forUpdate?: boolean } = {}): Promise<TicketRow | null> {
  const where = 't.lot_id = $1::integer and t.number = $2::text';
  if (opts.forUpdate) return lockedRead(db, where, [lotId, number.toUpperCase()]);
  const { rows } = await db.query<TicketRow & Record<string, unknown>>(`${ticketSelect} where ${where}`, [lotId, number.toUpperCase()]);
  return rows[0] ?? null;
}

/** The ticket in force for a visit (not a lost one). */
export async function selectLiveTicketOfVisit(db: Queryable, lotId: number, visitId: string, opts: { forUpdate?: boolean } = {}): Promise<TicketRow | null> {
  const where = `t.lot_id = $1::integer and t.visit_id = $2::uuid and t.status <> 'lost'`;
  if (opts.forUpdate) return lockedRead(db, where, [lotId, visitId]);
  const { rows } = await db.query<TicketRow & Record<string, unknown>>(`${ticketSelect} where ${where}`, [lotId, visitId]);
  return rows[0] ?? null;
}

/** A car still inside whose plate was read at its entry: what proves when it came in. */
export async function selectLiveTicketByReadPlate(db: Queryable, lotId: number, plate: string, opts: { forUpdate?: boolean } = {}): Promise<TicketRow | null> {
  const where = `t.lot_id = $1::integer and t.plate = $2::text and t.status in ('open', 'paid') and v.exited_at is null`;
  if (opts.forUpdate) return lockedRead(db, `${where} and t.issued_at = (select max(o.issued_at) from tickets o where o.lot_id = $1::integer and o.plate = $2::text and o.status in ('open', 'paid'))`, [lotId, plate]);
  const { rows } = await db.query<TicketRow & Record<string, unknown>>(`${ticketSelect} where ${where} order by t.issued_at desc limit 1`, [lotId, plate]);
  return rows[0] ?? null;
}

export async function selectTickets(db: Queryable, lotId: number, o: { status?: TicketStatus; limit: number }): Promise<TicketRow[]> {
  const { rows } = await db.query<TicketRow & Record<string, unknown>>(
    `${ticketSelect} where t.lot_id = $1::integer and ($2::text is null or t.status = $2::text) order by t.issued_at desc, t.number limit $3::integer`,
    [lotId, o.status ?? null, o.limit],
  );
  return rows;
}

/** The validators of a ticket's visit, locked in code order (validations lock a validator before the ticket: so does a payment). */
export async function lockValidatorsOfTicket(db: Queryable, lotId: number, number: string): Promise<void> {
  await db.query(
    `select w.validator_id from validators w
      where w.lot_id = $1::integer and w.validator_id in (
        select u.validator_id from validation_uses u join tickets t on t.lot_id = u.lot_id and t.visit_id = u.visit_id
         where t.lot_id = $1::integer and t.number = $2::text)
      order by w.code for update of w`,
    [lotId, number.toUpperCase()],
  );
}

/**
 * Settles a validation at what it is worth now (payment or exit); a prepaid validator's balance pays
 * the difference, as far as it goes (never below zero), or gets back what it paid too much. Returns
 * the amount settled.
 */
export async function settleValidationUse(db: Queryable, lotId: number, u: TicketValidationRow, worthMinor: number): Promise<number> {
  let settled = worthMinor;
  if (u.billing === 'prepaid' && worthMinor !== u.amount_minor) {
    const { rows } = await db.query<{ moved: string }>(
      `with old as (select balance_minor from validators where lot_id = $1::integer and validator_id = $2::uuid for update)
       update validators w set balance_minor = w.balance_minor - least($3::bigint, old.balance_minor)
         from old where w.lot_id = $1::integer and w.validator_id = $2::uuid
       returning least($3::bigint, old.balance_minor)::text as moved`,
      [lotId, u.validator_id, worthMinor - u.amount_minor],
    );
    settled = u.amount_minor + Number(rows[0]?.moved ?? 0);
  }
  if (settled !== u.amount_minor) await db.query(`update validation_uses set amount_minor = $3::bigint where lot_id = $1::integer and use_id = $2::uuid`, [lotId, u.use_id, settled]);
  return settled;
}

/** A payment (or a nil one) against `feeMinor` at `paidAt`: the car may leave until `exitBy`. */
export async function markTicketPaid(
  db: Queryable,
  t: { lotId: number; ticketId: string; feeMinor: number; paidAt: Date; exitBy: Date; waivedMinor: number; waiveReason: string | null },
): Promise<void> {
  await db.query(
    `update tickets set status = 'paid', fee_minor = $3::bigint, paid_at = $4::timestamptz, exit_by = $5::timestamptz,
            waived_minor = waived_minor + $6::bigint, waive_reason = coalesce($7::text, waive_reason)
      where lot_id = $1::integer and ticket_id = $2::uuid`,
    [t.lotId, t.ticketId, t.feeMinor, t.paidAt, t.exitBy, t.waivedMinor, t.waiveReason],
  );
}

/** What the visit owes in all: the charge less waivers and validations (so due = paid once settled). */
export async function setVisitDue(db: Queryable, lotId: number, visitId: string, amountDueMinor: number): Promise<void> {
  await db.query(`update visits set amount_due_minor = $3::bigint where lot_id = $1::integer and visit_id = $2::uuid`, [lotId, visitId, Math.max(0, amountDueMinor)]);
}

export async function markTicketLost(db: Queryable, lotId: number, ticketId: string): Promise<void> {
  await db.query(`update tickets set status = 'lost' where lot_id = $1::integer and ticket_id = $2::uuid`, [lotId, ticketId]);
}

/** A replacement for a lost ticket (the same visit, a new number), keeping what the lost one was paid. */
export async function insertReplacementTicket(db: Queryable, lost: TicketRow, issuedAt: Date): Promise<string> {
  const number = await nextTicketNumber(db, lost.lot_id, 'L');
  await db.query(
    `insert into tickets (lot_id, visit_id, number, issued_at, gate, plate, status, fee_minor, waived_minor, waive_reason, paid_at, exit_by, replaces, lost_fee_minor)
     select lot_id, visit_id, $4::text, $3::timestamptz, 'desk', plate, case when status = 'paid' then 'paid' else 'open' end,
            fee_minor, waived_minor, waive_reason, paid_at, exit_by, ticket_id, lost_fee_minor
       from tickets where lot_id = $1::integer and ticket_id = $2::uuid`,
    [lost.lot_id, lost.ticket_id, issuedAt, number],
  );
  return number;
}

/**
 * The lot's next ticket number with this prefix (W walk-in, L replacement), from its counter (0044).
 * Its own statement with the lot as a value: on Citus a volatile function may not sit in an UPDATE's SET.
 */
async function nextTicketNumber(db: Queryable, lotId: number, prefix: 'W' | 'L'): Promise<string> {
  const { rows } = await db.query<{ number: string }>(`select parkctl_next_ticket_number($1::integer, $2::text) as number`, [lotId, prefix]);
  return rows[0]!.number;
}

/** A flat-fee replacement for a car whose entry nothing proves: the ticket the walk-in trigger made for its new visit. */
export async function makeFlatFeeReplacement(db: Queryable, lotId: number, visitId: string, feeMinor: number, plate: string | null = null): Promise<string> {
  const number = await nextTicketNumber(db, lotId, 'L');
  const { rows } = await db.query<{ number: string }>(
    `update tickets set number = $4::text, gate = 'desk', plate = $5::text, lost_fee_minor = $3::bigint
      where lot_id = $1::integer and visit_id = $2::uuid and status = 'open' returning number`,
    [lotId, visitId, feeMinor, number, plate],
  );
  return rows[0]!.number;
}

/** Tickets a gate printed: their numbers (and no plate when none was read); returns the visits named. */
export async function nameGateTickets(db: Queryable, lotId: number, tickets: ReadonlyArray<{ visitId: string; number: string; plateRead: boolean }>): Promise<Set<string>> {
  if (tickets.length === 0) return new Set();
  const { rows } = await db.query<{ v: string }>(
    `select v::text from parkctl_gate_name_tickets($1::integer, $2::jsonb) as v`,
    [lotId, JSON.stringify(tickets.map((t) => ({ visit_id: t.visitId, number: t.number, plate_read: t.plateRead })))],
  );
  return new Set(rows.map((r) => r.v));
}

/** By id (a payment link's metadata), locked with its visit. */
export async function selectTicketByIdForUpdate(db: Queryable, lotId: number, ticketId: string): Promise<TicketRow | null> {
  return lockedRead(db, 't.lot_id = $1::integer and t.ticket_id = $2::uuid', [lotId, ticketId]);
}

/** The lot of a ticket (a webhook knows only the ticket id). */
export async function selectTicketLot(db: Queryable, ticketId: string): Promise<number | null> {
  const { rows } = await db.query<{ lot_id: number }>(`select lot_id from tickets where ticket_id = $1::uuid`, [ticketId]);
  return rows[0]?.lot_id ?? null;
}
