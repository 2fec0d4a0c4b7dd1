// SQL of visits: a car's stay, from the entry gate to the exit gate (seed 000's "Transaction table").
import { setLocals } from '../db.js';
import type { Queryable } from '../ports.js';
import type { VehicleType } from '../pricing/vehicle-types.js';

export interface VisitRow {
  lot_id: number;
  visit_id: string;
  /** null for a walk-in */
  reservation_id: string | null;
  plate: string;
  vehicle_type: VehicleType;
  spot_id: number | null;
  entry_gate: string | null;
  entered_at: Date;
  exit_gate: string | null;
  exited_at: Date | null;
  overstay_minutes: number;
  amount_due_minor: number;
  amount_paid_minor: number;
  /** a permit car's visit (migration 0031): its stay is paid by the permit */
  permit_id: string | null;
}

const visitColumns = `lot_id, visit_id, reservation_id, plate, vehicle_type, spot_id, entry_gate, entered_at, exit_gate, exited_at,
  overstay_minutes, amount_due_minor, amount_paid_minor, permit_id`;

export async function insertVisit(
  db: Queryable,
  v: {
    lotId: number; reservationId: string | null; plate: string; vehicleType: VehicleType; spotId: number | null; gate: string; enteredAt: Date;
    /** owed from the start: an early entry's fee (src/core/lots/early-entry.ts); default 0 */
    amountDueMinor?: number;
  },
): Promise<VisitRow> {
  const { rows } = await db.query<VisitRow & Record<string, unknown>>(
    `insert into visits (lot_id, reservation_id, plate, vehicle_type, spot_id, entry_gate, entered_at, amount_due_minor)
     values ($1::integer, $2::uuid, $3::text, $4::vehicle_type, $5::integer, $6::text, $7::timestamptz, $8::bigint)
     returning ${visitColumns}`,
    [v.lotId, v.reservationId, v.plate, v.vehicleType, v.spotId, v.gate, v.enteredAt, v.amountDueMinor ?? 0],
  );
  return rows[0]!;
}

/** A visit and the label of the spot it holds (none: a walk-in let in when no spot was free). */
export async function selectVisit(db: Queryable, lotId: number, visitId: string): Promise<VisitRow & { spot_label: string | null }> {
  const { rows } = await db.query<VisitRow & { spot_label: string | null } & Record<string, unknown>>(
    `select ${visitColumns.replace(/(\w+)/g, 'v.$1')}, s.label as spot_label
       from visits v left join spots s on s.lot_id = v.lot_id and s.spot_id = v.spot_id
      where v.lot_id = $1::integer and v.visit_id = $2::uuid`,
    [lotId, visitId],
  );
  return rows[0]!;
}

/** When the car-hold triggers decide (migrations/0012: `parkctl.now`): the caller's clock, not the server's. */
export async function setHoldClock(db: Queryable, now: Date): Promise<void> {
  await setLocals(db, { 'parkctl.now': now.toISOString() });
}

/** setActor and setHoldClock in one statement (the gate's push counts its statements). */
export async function setActorAndHoldClock(db: Queryable, actor: string, now: Date | null): Promise<void> {
  await setLocals(db, { 'parkctl.actor': actor, 'parkctl.reason': '', 'parkctl.now': now?.toISOString() ?? '' });
}

export async function selectOpenVisit(db: Queryable, lotId: number, plate: string): Promise<VisitRow | null> {
  const { rows } = await db.query<VisitRow & Record<string, unknown>>(
    `select ${visitColumns} from visits where lot_id = $1::integer and plate = $2::text and exited_at is null for update`,
    [lotId, plate],
  );
  return rows[0] ?? null;
}

export async function closeVisit(
  db: Queryable,
  v: { lotId: number; visitId: string; gate: string; exitedAt: Date; overstayMinutes: number; amountDueMinor: number },
): Promise<VisitRow> {
  const { rows } = await db.query<VisitRow & Record<string, unknown>>(
    `update visits set exit_gate = $3::text, exited_at = $4::timestamptz, overstay_minutes = $5::integer, amount_due_minor = $6::bigint
      where lot_id = $1::integer and visit_id = $2::uuid and exited_at is null
      returning ${visitColumns}`,
    [v.lotId, v.visitId, v.gate, v.exitedAt, v.overstayMinutes, v.amountDueMinor],
  );
  return rows[0]!;
}

/** Confirmed reservations of a plate in a lot whose window (widened by the early-entry grace) holds `at`. */
export async function selectArrivableReservation(
  db: Queryable,
  q: { lotId: number; plate: string; at: Date; earlyGraceMinutes: number },
): Promise<{ reservation_id: string; status: string } | null> {
  const { rows } = await db.query<{ reservation_id: string; status: string }>(
    `select reservation_id, status::text from reservations
      where lot_id = $1::integer and plate = $2::text and status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
        and lower(period) - make_interval(mins => $4::integer) <= $3::timestamptz and upper(period) > $3::timestamptz
      order by lower(period) limit 1`,
    [q.lotId, q.plate, q.at, q.earlyGraceMinutes],
  );
  return rows[0] ?? null;
}

/** The plate's next live booking in a lot that has not started by `at` (an early car's), if any. */
export async function selectUpcomingReservation(db: Queryable, q: { lotId: number; plate: string; at: Date }): Promise<{ reservation_id: string } | null> {
  const { rows } = await db.query<{ reservation_id: string }>(
    `select reservation_id from reservations
      where lot_id = $1::integer and plate = $2::text and status in ('TENTATIVE', 'CONFIRMED')
        and lower(period) > $3::timestamptz
      order by lower(period) limit 1`,
    [q.lotId, q.plate, q.at],
  );
  return rows[0] ?? null;
}
