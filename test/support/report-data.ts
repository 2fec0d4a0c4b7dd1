// Rows for report tests, written straight into the tables the reports read (visits, payments,
// reservations, events, gate_events), so each test knows its answers exactly.
import type { Queryable } from '../../src/core/ports.js';

let n = 0;
const key = () => `rpt-${process.pid}-${++n}`;

export async function addVisit(db: Queryable, lotId: number, v: { plate?: string; type?: string; enteredAt: string; exitedAt?: string | null; dueMinor?: number; paidMinor?: number; reservationId?: string | null }): Promise<string> {
  const { rows } = await db.query<{ visit_id: string }>(
    `insert into visits (lot_id, plate, vehicle_type, entered_at, exited_at, amount_due_minor, amount_paid_minor, reservation_id)
     values ($1, $2, $3::vehicle_type, $4, $5, $6, $7, $8) returning visit_id`,
    [lotId, v.plate ?? `V${n++}`.slice(0, 12), v.type ?? 'regular', v.enteredAt, v.exitedAt ?? null, v.dueMinor ?? 0, v.paidMinor ?? 0, v.reservationId ?? null],
  );
  return rows[0]!.visit_id;
}

export async function addPayment(db: Queryable, lotId: number, p: { at: string; amountMinor: number; method?: string; purpose?: string; status?: string; visitId?: string | null; reservationId?: string | null }): Promise<string> {
  const { rows } = await db.query<{ payment_id: string }>(
    `insert into payments (lot_id, visit_id, reservation_id, purpose, amount_minor, currency, provider, status, idempotency_key, created_at)
     values ($1, $2, $3, $4, $5, 'GBP', $6, $7, $8, $9) returning payment_id`,
    [lotId, p.visitId ?? null, p.reservationId ?? null, p.purpose ?? 'walk_in', p.amountMinor, p.method ?? 'cash', p.status ?? 'succeeded', key(), p.at],
  );
  return rows[0]!.payment_id;
}

/** A booking in a final state (no spot bits, no constraint): NO_SHOW, COMPLETED, ... */
export async function addBooking(db: Queryable, lotId: number, b: { plate: string; start: string; end: string; status: string; priceMinor?: number; type?: string }): Promise<string> {
  const { rows } = await db.query<{ reservation_id: string }>(
    `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
     select $1, 'test', $2, $3::vehicle_type, s.spot_id, tstzrange($4, $5, '[)'), $6::reservation_status, $7, 'GBP', $4::timestamptz - interval '1 day', $5
       from spots s where s.lot_id = $1 and s.vehicle_type = $3::vehicle_type order by s.spot_id limit 1
     returning reservation_id`,
    [lotId, b.plate, b.type ?? 'regular', b.start, b.end, b.status, b.priceMinor ?? 0],
  );
  return rows[0]!.reservation_id;
}

export async function addEvent(db: Queryable, lotId: number, kind: string, at: string, reason: string | null = null): Promise<void> {
  await db.query(`insert into events (lot_id, kind, actor, reason, occurred_at) values ($1, $2, 'test', $3, $4)`, [lotId, kind, reason, at]);
}

export async function addGateEvent(db: Queryable, lotId: number, kind: string, decision: string | null, at: string): Promise<void> {
  await db.query(
    `insert into gate_events (lot_id, gate_id, seq, kind, decision, occurred_at) values ($1, 'G1', (select coalesce(max(seq), 0) + 1 from gate_events where lot_id = $1), $2, $3, $4)`,
    [lotId, kind, decision, at],
  );
}
