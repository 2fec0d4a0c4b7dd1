// SQL of the attendant dashboard: small, index-backed reads that together make one screen
// (src/core/dashboard/snapshot.ts). Each is bounded by a LIMIT, so a busy lot costs the same as a
// quiet one; occupancy comes from src/core/sql/occupancy.ts.
import type { Queryable } from '../ports.js';
import { spotNamedBy } from './lots.js';

/** The lot's row as it is now (state may change while the screen is open). */
export async function selectLotState(db: Queryable, lotId: number): Promise<{ state: 'open' | 'full' | 'closed' | 'closed_to_all'; name: string } | null> {
  const { rows } = await db.query<{ state: 'open' | 'full' | 'closed' | 'closed_to_all'; name: string }>(
    `select state::text as state, name from lots where lot_id = $1::integer`,
    [lotId],
  );
  return rows[0] ?? null;
}

export interface DashboardReservationRow {
  reservation_id: string;
  plate: string;
  spot_label: string;
  vehicle_type: string;
  starts_at: Date;
  ends_at: Date;
  status: string;
  hold_expires_at: Date | null;
  /** when the row last changed (a NO_SHOW's mark) */
  updated_at: Date;
}

const reservationColumns = `r.reservation_id::text, r.plate, s.label as spot_label, r.vehicle_type::text, lower(r.period) as starts_at,
  upper(r.period) as ends_at, r.status::text, r.hold_expires_at, r.updated_at`;
const spotJoin = `join spots s on s.lot_id = r.lot_id and s.spot_id = r.spot_id`;

/** CONFIRMED (so not inside) reservations starting in [from, to), soonest first (index reservations_by_start). */
export async function selectArrivals(db: Queryable, q: { lotId: number; from: Date; to: Date; limit: number }): Promise<DashboardReservationRow[]> {
  const { rows } = await db.query<DashboardReservationRow & Record<string, unknown>>(
    `select ${reservationColumns} from reservations r ${spotJoin}
      where r.lot_id = $1::integer and r.status = 'CONFIRMED'
        and lower(r.period) >= $2::timestamptz and lower(r.period) < $3::timestamptz
      order by lower(r.period), s.label limit $4::integer`,
    [q.lotId, q.from, q.to, q.limit],
  );
  return rows;
}

/** TENTATIVE reservations, soonest hold expiry first (partial index reservations_overdue_holds). */
export async function selectHolds(db: Queryable, q: { lotId: number; limit: number }): Promise<DashboardReservationRow[]> {
  const { rows } = await db.query<DashboardReservationRow & Record<string, unknown>>(
    `select ${reservationColumns} from reservations r ${spotJoin}
      where r.lot_id = $1::integer and r.status = 'TENTATIVE'
      order by r.hold_expires_at, r.reservation_id limit $2::integer`,
    [q.lotId, q.limit],
  );
  return rows;
}

/** CHECKED_IN past the window's end, longest over first (partial index reservations_checked_in_by_end). */
export async function selectOverstays(db: Queryable, q: { lotId: number; now: Date; limit: number }): Promise<DashboardReservationRow[]> {
  const { rows } = await db.query<DashboardReservationRow & Record<string, unknown>>(
    `select ${reservationColumns} from reservations r ${spotJoin}
      where r.lot_id = $1::integer and r.status = 'CHECKED_IN' and upper(r.period) < $2::timestamptz
        and r.walk_in_visit_id is null -- a walk-in has no end to overstay
      order by upper(r.period) limit $3::integer`,
    [q.lotId, q.now, q.limit],
  );
  return rows;
}

/**
 * No-shows starting in [since, now]: marked NO_SHOW by the sweeper, or CONFIRMED and still not in
 * after the lot's grace (the sweeper has not run yet). Newest start first.
 */
export async function selectNoShows(
  db: Queryable,
  q: { lotId: number; since: Date; now: Date; graceMinutes: number; limit: number },
): Promise<DashboardReservationRow[]> {
  const { rows } = await db.query<DashboardReservationRow & Record<string, unknown>>(
    `select ${reservationColumns} from reservations r ${spotJoin}
      where r.lot_id = $1::integer and r.status in ('NO_SHOW', 'CONFIRMED')
        and lower(r.period) >= $2::timestamptz and lower(r.period) <= $3::timestamptz
        and (r.status = 'NO_SHOW' or lower(r.period) <= $3::timestamptz - make_interval(mins => $4::integer))
      order by lower(r.period) desc limit $5::integer`,
    [q.lotId, q.since, q.now, q.graceMinutes, q.limit],
  );
  return rows;
}

export interface PaymentDueRow {
  visit_id: string;
  reservation_id: string | null;
  plate: string;
  /** due less paid, > 0 */
  balance_minor: number;
  /** exit (or entry, still inside) */
  at: Date;
  inside: boolean;
}

/** Visits still owing money: inside now, or left since `since`. Largest debt first. */
export async function selectPaymentsDue(db: Queryable, q: { lotId: number; since: Date; limit: number }): Promise<PaymentDueRow[]> {
  const { rows } = await db.query<PaymentDueRow & Record<string, unknown>>(
    `select v.visit_id::text, v.reservation_id::text, v.plate, (v.amount_due_minor - v.amount_paid_minor)::bigint as balance_minor,
            coalesce(v.exited_at, v.entered_at) as at, v.exited_at is null as inside
       from visits v
      where v.lot_id = $1::integer and v.amount_due_minor > v.amount_paid_minor
        and (v.exited_at is null or v.exited_at >= $2::timestamptz)
      order by balance_minor desc, at desc limit $3::integer`,
    [q.lotId, q.since, q.limit],
  );
  return rows;
}

export interface DashboardEventRow {
  event_id: number;
  kind: string;
  reservation_id: string | null;
  actor: string;
  reason: string | null;
  detail: Record<string, unknown>;
  occurred_at: Date;
  /** the reservation's plate, when the event is about one */
  plate: string | null;
  /** the spot's label from detail.spot_id or the reservation */
  spot_label: string | null;
}

/**
 * Newest events of a lot (index events_recent), optionally only some kinds and only since an
 * instant, with the plate and spot label people recognise.
 */
export async function selectRecentEvents(
  db: Queryable,
  q: { lotId: number; limit: number; kinds?: readonly string[] | null; since?: Date | null; exceptKinds?: readonly string[] | null },
): Promise<DashboardEventRow[]> {
  const { rows } = await db.query<DashboardEventRow & Record<string, unknown>>(
    `select e.event_id, e.kind, e.reservation_id::text, e.actor, e.reason, e.detail, e.occurred_at,
            coalesce(e.detail->>'plate', r.plate) as plate,
            coalesce(e.detail->>'spot_label', s.label) as spot_label
       from (select * from events
              where lot_id = $1::integer
                and ($3::text[] is null or kind = any ($3::text[]))
                and ($4::timestamptz is null or occurred_at >= $4::timestamptz)
                and ($5::text[] is null or not (kind = any ($5::text[])))
              order by occurred_at desc, event_id desc limit $2::integer) e
       left join reservations r on r.lot_id = e.lot_id and r.reservation_id = e.reservation_id
       left join spots s on s.lot_id = e.lot_id
                        and s.spot_id = coalesce((e.detail->>'spot_id')::integer, r.spot_id)
      order by e.occurred_at desc, e.event_id desc`,
    [q.lotId, q.limit, q.kinds ?? null, q.since ?? null, q.exceptKinds ?? null],
  );
  return rows;
}

export interface DashboardGateRow {
  gate_id: string;
  /** null when the gate never sent a heartbeat (or the gate tables are not there) */
  seen_at: Date | null;
  barrier_state: string | null;
  last_kind: string | null;
  last_plate: string | null;
  last_decision: string | null;
  last_at: Date | null;
  /** manual opens since `todayStart`: audited requests (events) plus opens at the lane itself */
  manual_opens: number;
}

/**
 * Every gate the lot knows (heartbeats and gate_events, the latter by a loose index scan of the
 * primary key), its last event and today's manual opens. Manual opens at a lane are counted among
 * its last 2,000 events only, which is more than a day of a busy lane.
 */
export async function selectGates(db: Queryable, q: { lotId: number; todayStart: Date; withHeartbeats: boolean }): Promise<DashboardGateRow[]> {
  const heartbeatIds = q.withHeartbeats ? `union select gate_id from gate_heartbeats where lot_id = $1::integer` : '';
  const heartbeat = q.withHeartbeats
    ? `left join gate_heartbeats h on h.lot_id = $1::integer and h.gate_id = g.gate_id`
    : `left join (select null::timestamptz as seen_at, null::text as barrier_state) h on true`;
  const { rows } = await db.query<DashboardGateRow & Record<string, unknown>>(
    `with recursive seen(gate_id) as (
       (select gate_id from gate_events where lot_id = $1::integer order by gate_id limit 1)
       union all
       select (select e.gate_id from gate_events e where e.lot_id = $1::integer and e.gate_id > seen.gate_id order by e.gate_id limit 1)
         from seen where seen.gate_id is not null
     ), g as (
       select gate_id from seen where gate_id is not null
       ${heartbeatIds}
     ), opens as (
       select e.detail->>'gate' as gate_id, count(*)::integer as n from events e
        where e.lot_id = $1::integer and e.kind = 'gate.manual_open' and e.occurred_at >= $2::timestamptz
        group by 1
     )
     select g.gate_id, h.seen_at, h.barrier_state, last.kind as last_kind, last.plate as last_plate,
            last.decision as last_decision, last.occurred_at as last_at,
            (coalesce(opens.n, 0) + coalesce(lane.n, 0))::integer as manual_opens
       from g
       ${heartbeat}
       left join opens on opens.gate_id = g.gate_id
       left join lateral (select e.kind, e.plate, e.decision, e.occurred_at from gate_events e
                           where e.lot_id = $1::integer and e.gate_id = g.gate_id order by e.seq desc limit 1) last on true
       left join lateral (select count(*)::integer as n from (
                            select e.kind, e.occurred_at, e.detail from gate_events e
                             where e.lot_id = $1::integer and e.gate_id = g.gate_id order by e.seq desc limit 2000) x
                           where x.kind = 'manual_open' and x.occurred_at >= $2::timestamptz and not (x.detail ? 'commandId')) lane on true
      order by g.gate_id`,
    [q.lotId, q.todayStart],
  );
  return rows;
}

/** Whether migrations/0005_gate.sql (gate heartbeats) is applied to this database. */
export async function hasGateHeartbeats(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>(`select to_regclass('gate_heartbeats') is not null as present`);
  return rows[0]?.present ?? false;
}

// --- writes the dashboard makes (extend, spot service); the core functions own the transactions ---

/**
 * Moves a live reservation's end from `from` to `from + minutes` in one statement and adds what the
 * added time costs to extension_minor. The exclusion constraints refuse it (23P01) when the spot, or the
 * plate, is booked in the added time. No row: not live any more, or its end is no longer `from` (another
 * extension landed first; the caller priced this one from the old end).
 */
export async function extendReservationEnd(
  db: Queryable,
  q: { lotId: number; reservationId: string; from: Date; minutes: number; extensionMinor: number; now: Date },
): Promise<{ ends_at: Date; status: string } | null> {
  const { rows } = await db.query<{ ends_at: Date; status: string }>(
    `update reservations
        set period = tstzrange(lower(period), upper(period) + make_interval(mins => $3::integer), '[)'),
            extension_minor = extension_minor + $5::bigint, updated_at = $4::timestamptz
      where lot_id = $1::integer and reservation_id = $2::uuid and status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
        and date_trunc('milliseconds', upper(period)) = $6::timestamptz -- a JS Date holds milliseconds
      returning upper(period) as ends_at, status::text as status`,
    [q.lotId, q.reservationId, q.minutes, q.now, q.extensionMinor, q.from],
  );
  return rows[0] ?? null;
}

export interface SpotStatusChange {
  spot_id: number;
  label: string;
  /** the status before this change */
  previous: 'active' | 'maintenance';
  /** live reservations on the spot whose window has not ended: they keep it */
  live_bookings: number;
}

/** Sets a spot's status by label (any case); null when the lot has no such spot. */
export async function updateSpotStatus(
  db: Queryable,
  q: { lotId: number; label: string; status: 'active' | 'maintenance'; now: Date },
): Promise<SpotStatusChange | null> {
  const { rows } = await db.query<SpotStatusChange & Record<string, unknown>>(
    `with old as (select s.spot_id, s.status from spots s where ${spotNamedBy('s', '$1::integer', '$2::text')} for update)
     update spots s set status = $3::spot_status from old
      where s.lot_id = $1::integer and s.spot_id = old.spot_id
      returning s.spot_id, s.label, old.status::text as previous,
        (select count(*)::integer from reservations r
          where r.lot_id = s.lot_id and r.spot_id = s.spot_id and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
            and upper(r.period) > $4::timestamptz) as live_bookings`,
    [q.lotId, q.label, q.status, q.now],
  );
  return rows[0] ?? null;
}

/**
 * The dashboard's `/`: a lot's reservations by exact plate or by reservation id prefix, live ones
 * first, then nearest to now; `inside` when the car has an open visit.
 */
export async function selectBookingsMatching(
  db: Queryable,
  q: { lotId: number; plate: string | null; idPrefix: string | null; now: Date; limit: number },
): Promise<(DashboardReservationRow & { inside: boolean })[]> {
  const { rows } = await db.query<DashboardReservationRow & { inside: boolean } & Record<string, unknown>>(
    `select ${reservationColumns},
            exists (select 1 from visits v where v.lot_id = r.lot_id and v.reservation_id = r.reservation_id and v.exited_at is null) as inside
       from reservations r ${spotJoin}
      where r.lot_id = $1::integer and r.walk_in_visit_id is null
        and (r.plate = $2::text or ($3::text is not null and r.reservation_id::text like $3::text || '%'))
      order by (r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')) desc,
               abs(extract(epoch from lower(r.period) - $4::timestamptz)), r.reservation_id
      limit $5::integer`,
    [q.lotId, q.plate, q.idPrefix, q.now, q.limit],
  );
  return rows;
}
