// SQL of the gate daemon: what a gate reads to decide (as the parkctl_gate role: lots, the
// gate_allow_list view, its own visits, one counting function) and how its journal lands in
// gate_events exactly once (migrations/0005_gate.sql). Heartbeats and remote commands: gate-control.ts.
import type { Queryable } from '../ports.js';

export interface GateLotRow {
  lot_id: number;
  code: string;
  early_entry_grace_minutes: number;
  overstay_slot_minutes: number;
  state: 'open' | 'full' | 'closed' | 'closed_to_all';
  policy: Record<string, unknown>;
  time_zone: string;
  currency: string;
}

export async function selectGateLot(db: Queryable, code: string): Promise<GateLotRow | null> {
  const { rows } = await db.query<GateLotRow & Record<string, unknown>>(
    `select lot_id, code, early_entry_grace_minutes, overstay_slot_minutes, state::text as state, policy, time_zone, currency::text
       from lots where code = $1::text`,
    [code.toUpperCase()],
  );
  return rows[0] ?? null;
}

export interface AllowListRow {
  reservation_id: string;
  plate: string;
  vehicle_type: string;
  starts_at: Date;
  ends_at: Date;
  status: 'CONFIRMED' | 'CHECKED_IN';
  spot_label: string;
  extension_minor: number;
  /** the spot's floor, zone name and route (0036); the way shown at the lane */
  spot_floor: number;
  zone_name: string;
  zone_route: string | null;
}

/** Confirmed and checked-in reservations touching [from, to), plus every checked-in one (it is inside). */
export async function selectAllowListRows(db: Queryable, lotId: number, from: Date, to: Date): Promise<AllowListRow[]> {
  const { rows } = await db.query<AllowListRow & Record<string, unknown>>(
    `select reservation_id::text, plate, vehicle_type::text, starts_at, ends_at, status::text as status, spot_label, extension_minor,
            spot_floor, zone_name, zone_route
       from gate_allow_list
      where lot_id = $1::integer
        and (status = 'CHECKED_IN' or (starts_at < $3::timestamptz and ends_at > $2::timestamptz))`,
    [lotId, from, to],
  );
  return rows;
}

export interface OpenVisitRow {
  visit_id: string;
  plate: string;
  reservation_id: string | null;
  entered_at: Date;
  reservation_end: Date | null;
  /** due less paid, never negative */
  balance_minor: number;
  vehicle_type: string;
  permit_id: string | null;
  /** a walk-in's ticket in force (migrations/0032), or nulls */
  ticket_number: string | null;
  ticket_fee_minor: number | null;
  ticket_paid_at: Date | null;
  ticket_exit_by: Date | null;
  ticket_lost_fee_minor: number | null;
  /** taken + waived + validated */
  ticket_credits_minor: number | null;
  /** validations taken off the visit (migrations/0033) */
  validated_minor: number;
}

export interface GatePermitRow {
  permit_id: string;
  holder: string;
  plates: string[];
  status: 'active' | 'suspended' | 'cancelled';
  valid_from: Date;
  valid_until: Date;
  days: number[];
  from_minute: number;
  to_minute: number;
  parks: number;
  paid_until: Date | null;
  priced: boolean;
}

/** Permits a gate may admit now or soon, or must refuse by name (suspended): not cancelled, not over. */
export async function selectGatePermitRows(db: Queryable, lotId: number, at: Date): Promise<GatePermitRow[]> {
  const { rows } = await db.query<GatePermitRow & Record<string, unknown>>(
    `select p.permit_id::text, p.holder, array_agg(pp.plate order by pp.plate) as plates, p.status, p.valid_from, p.valid_until,
            p.days::integer[] as days, p.from_minute, p.to_minute, p.parks, p.paid_until, p.price_minor is not null as priced
       from permits p join permit_plates pp on pp.lot_id = p.lot_id and pp.permit_id = p.permit_id
      where p.lot_id = $1::integer and p.status <> 'cancelled' and p.valid_until > $2::timestamptz
      group by p.lot_id, p.permit_id`,
    [lotId, at],
  );
  return rows;
}

/** Permit cars inside per vehicle type (they hold spots like walk-ins; reserved permit places not taken are the rest). */
export async function countPermitCarsInside(db: Queryable, lotId: number): Promise<Map<string, number>> {
  const { rows } = await db.query<{ vehicle_type: string; n: number }>(
    `select vehicle_type::text, count(*)::integer as n from visits where lot_id = $1::integer and permit_id is not null and exited_at is null group by 1`,
    [lotId],
  );
  return new Map(rows.map((r) => [r.vehicle_type, r.n]));
}

export async function selectOpenVisitRows(db: Queryable, lotId: number): Promise<OpenVisitRow[]> {
  const { rows } = await db.query<OpenVisitRow & Record<string, unknown>>(
    `select v.visit_id::text, v.plate, v.reservation_id::text, v.entered_at, a.ends_at as reservation_end,
            greatest(v.amount_due_minor - v.amount_paid_minor
              + coalesce((select sum(e.energy_minor + e.idle_minor) from ev_sessions e -- EV charging (issue 16)
                           where e.lot_id = v.lot_id and e.visit_id = v.visit_id and e.billed_at is null
                             and e.id_tag_status = 'Accepted'), 0), 0)::bigint as balance_minor, v.vehicle_type::text as vehicle_type,
            v.permit_id::text, t.number as ticket_number, t.fee_minor as ticket_fee_minor, t.paid_at as ticket_paid_at,
            t.exit_by as ticket_exit_by, t.lost_fee_minor as ticket_lost_fee_minor,
            case when t.ticket_id is null then null else (v.amount_paid_minor + t.waived_minor + u.validated_minor)::bigint end as ticket_credits_minor,
            u.validated_minor
       from visits v left join gate_allow_list a on a.lot_id = v.lot_id and a.reservation_id = v.reservation_id
            left join tickets t on t.lot_id = v.lot_id and t.visit_id = v.visit_id and t.status in ('open', 'paid')
            cross join lateral (select coalesce(sum(x.amount_minor), 0)::bigint as validated_minor
                                  from validation_uses x where x.lot_id = v.lot_id and x.visit_id = v.visit_id) u
      where v.lot_id = $1::integer and v.exited_at is null`,
    [lotId],
  );
  return rows;
}

export interface GateLotStatusRow {
  active_spots: number;
  open_visits: number;
  held_spots: number;
  max_rate_per_hour_minor: number;
}

export async function selectGateLotStatus(db: Queryable, lotId: number, at: Date): Promise<GateLotStatusRow> {
  const { rows } = await db.query<GateLotStatusRow & Record<string, unknown>>(
    `select active_spots, open_visits, held_spots, max_rate_per_hour_minor from parkctl_gate_lot_status($1::integer, $2::timestamptz)`,
    [lotId, at],
  );
  return rows[0]!;
}

export interface GateEventInsert {
  lotId: number;
  gateId: string;
  seq: number;
  kind: string;
  plate: string | null;
  credential: string | null;
  decision: string | null;
  detail: Record<string, unknown>;
  occurredAt: Date;
}

/** true when this (lot, gate, seq) is new; false when an earlier sync already wrote it. */
export async function insertGateEvent(db: Queryable, e: GateEventInsert): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into gate_events (lot_id, gate_id, seq, kind, plate, credential, decision, detail, occurred_at)
     values ($1::integer, $2::text, $3::bigint, $4::text, $5::text, $6::text, $7::text, $8::jsonb, $9::timestamptz)
     on conflict (lot_id, gate_id, seq) do nothing`,
    [e.lotId, e.gateId, e.seq, e.kind, e.plate, e.credential, e.decision, JSON.stringify(e.detail), e.occurredAt],
  );
  return rowCount === 1;
}

/** One of a gate's journal records as a gate_events row (the lot and gate are the batch's). */
export type GateEventRow = Omit<GateEventInsert, 'lotId' | 'gateId'>;

/**
 * Inserts a batch of one gate's events in one statement; returns the seqs that were new. The
 * others an earlier sync already wrote (its commit landed, its "synced" mark did not): skipped.
 */
export async function insertGateEvents(db: Queryable, lotId: number, gateId: string, events: readonly GateEventRow[]): Promise<Set<number>> {
  if (events.length === 0) return new Set();
  const { rows } = await db.query<{ seq: number }>(
    `insert into gate_events (lot_id, gate_id, seq, kind, plate, credential, decision, detail, occurred_at)
     select $1::integer, $2::text, e.seq, e.kind, e.plate, e.credential, e.decision, coalesce(e.detail, '{}'::jsonb), e.occurred_at
       from jsonb_to_recordset($3::jsonb)
            as e(seq bigint, kind text, plate text, credential text, decision text, detail jsonb, occurred_at timestamptz)
      order by e.seq
     on conflict (lot_id, gate_id, seq) do nothing
     returning seq`,
    [lotId, gateId, JSON.stringify(events.map((e) => ({
      seq: e.seq, kind: e.kind, plate: e.plate, credential: e.credential, decision: e.decision, detail: e.detail, occurred_at: e.occurredAt,
    })))],
  );
  return new Set(rows.map((r) => Number(r.seq)));
}

/** Adds what the sync found (a conflicting visit, ...) to events' detail, in one statement. */
export async function annotateGateEvents(
  db: Queryable, lotId: number, gateId: string, notes: ReadonlyArray<{ seq: number; extra: Record<string, unknown> }>,
): Promise<void> {
  if (notes.length === 0) return;
  await db.query(
    `update gate_events g set detail = g.detail || n.extra
       from jsonb_to_recordset($3::jsonb) as n(seq bigint, extra jsonb)
      where g.lot_id = $1::integer and g.gate_id = $2::text and g.seq = n.seq`,
    [lotId, gateId, JSON.stringify(notes)],
  );
}

/** A visit decided at the gate, by the seq of the event that decided it. The id was made at the gate (so an exit decided offline names it). */
export interface GateVisitEntry {
  seq: number;
  visitId: string;
  reservationId: string | null;
  plate: string;
  enteredAt: Date;
  /** owed from the start: an early entry's fee (0 otherwise) */
  amountDueMinor: number;
  /** the permit that let it in */
  permitId?: string | null;
  /** the ticket the lane printed for it (its number), and whether a plate was read */
  ticket?: { number: string; plateRead: boolean };
}

/**
 * Inserts visits in seq order, in one statement; returns the seqs whose visit was inserted. Any
 * unique conflict (plate already inside, reservation already used), with a visit already in the
 * database or one earlier in this batch, inserts nothing for that seq, as one by one. The visit ids
 * must be distinct (the caller splits a batch where one repeats).
 */
export async function insertGateVisits(db: Queryable, lotId: number, gateId: string, visits: readonly GateVisitEntry[]): Promise<Set<number>> {
  if (visits.length === 0) return new Set();
  const { rows } = await db.query<{ visit_id: string }>(
    `insert into visits (lot_id, visit_id, reservation_id, plate, vehicle_type, spot_id, entry_gate, entered_at, amount_due_minor, permit_id)
     select $1::integer, v.visit_id, v.reservation_id, v.plate,
            coalesce((select a.vehicle_type from gate_allow_list a where a.lot_id = $1::integer and a.reservation_id = v.reservation_id),
                     (select p.vehicle_type from permits p where p.lot_id = $1::integer and p.permit_id = v.permit_id), 'regular'),
            null, $2::text, v.entered_at, greatest(coalesce(v.amount_due_minor, 0), 0),
            (select p.permit_id from permits p where p.lot_id = $1::integer and p.permit_id = v.permit_id)
       from jsonb_to_recordset($3::jsonb) as v(seq bigint, visit_id uuid, reservation_id uuid, plate text, entered_at timestamptz, amount_due_minor bigint, permit_id uuid)
      order by v.seq
     on conflict do nothing
     returning visit_id::text`,
    [lotId, gateId, JSON.stringify(visits.map((v) => ({
      seq: v.seq, visit_id: v.visitId, reservation_id: v.reservationId, plate: v.plate, entered_at: v.enteredAt, amount_due_minor: v.amountDueMinor,
      permit_id: v.permitId ?? null,
    })))],
  );
  const inserted = new Set(rows.map((r) => r.visit_id.toLowerCase()));
  return new Set(visits.filter((v) => inserted.has(v.visitId.toLowerCase())).map((v) => v.seq));
}

export interface GateVisitExit {
  seq: number;
  visitId: string;
  exitedAt: Date;
  overstayMinutes: number;
  amountDueMinor: number;
  /** a validation the lane took off the fee (applied when synced) */
  validation?: { code: string; amountMinor: number };
}

/**
 * Closes open visits, in one statement; returns the seqs whose visit was open and is now closed
 * (the others were closed by an attendant, or are unknown). The visit ids must be distinct.
 */
export async function closeGateVisits(db: Queryable, lotId: number, gateId: string, exits: readonly GateVisitExit[]): Promise<Set<number>> {
  if (exits.length === 0) return new Set();
  const { rows } = await db.query<{ seq: number }>(
    `update visits v set exit_gate = $2::text, exited_at = greatest(x.exited_at, v.entered_at),
            overstay_minutes = x.overstay_minutes, amount_due_minor = greatest(v.amount_due_minor, x.amount_due_minor)
       from jsonb_to_recordset($3::jsonb) as x(seq bigint, visit_id uuid, exited_at timestamptz, overstay_minutes integer, amount_due_minor bigint)
      where v.lot_id = $1::integer and v.visit_id = x.visit_id and v.exited_at is null
      returning x.seq`,
    [lotId, gateId, JSON.stringify(exits.map((x) => ({
      seq: x.seq, visit_id: x.visitId, exited_at: x.exitedAt, overstay_minutes: x.overstayMinutes, amount_due_minor: x.amountDueMinor,
    })))],
  );
  return new Set(rows.map((r) => Number(r.seq)));
}

/**
 * An alert (events 'alert.permit_unpaid') for each permit whose car a gate refused as unpaid past its
 * grace (issue 15): the desk sees it in the dashboard's feed and in `permit list --unpaid`. At most one an
 * hour per permit, however often the car tries.
 */
export async function insertPermitUnpaidAlerts(db: Queryable, lotId: number, gateId: string, refusals: ReadonlyArray<{ permitId: string; plate: string | null; at: Date }>): Promise<number> {
  if (refusals.length === 0) return 0;
  // a function (migrations/0034): the gate role may insert events, not read them back
  const { rows } = await db.query<{ n: number }>(
    `select parkctl_gate_permit_unpaid_alerts($1::integer, $2::text, $3::jsonb) as n`,
    [lotId, gateId, JSON.stringify(refusals.map((r) => ({ permit_id: r.permitId, plate: r.plate, at: r.at })))],
  );
  return rows[0]!.n;
}

/** Free spots per floor and vehicle type now (0036: sensed where sensors are bound): a walk-in's guidance. */
export async function selectGateFloorFree(db: Queryable, lotId: number, at: Date): Promise<{ floor: number; vehicle_type: string; free: number }[]> {
  const { rows } = await db.query<{ floor: number; vehicle_type: string; free: number }>(
    `select floor, vehicle_type, free from parkctl_gate_floor_free($1::integer, $2::timestamptz)`, [lotId, at]);
  return rows;
}
