// `parkctl bench reports`: a year of a lot's history, generated set-based (issue 17 allows it for bulk).
// Runs in a session with session_replication_role = replica, so the per-row triggers of the live write
// path (walk-in holds, audit rows, spot bitmaps) stay out of history that never was live: the audit
// events are generated here instead. Needs a superuser connection (the embedded server's user is one).
import type { Queryable } from '../ports.js';

export interface YearSizes {
  visits: number;
  bookings: number;
  /** audit events; gate events come on top, two per visit */
  events: number;
}

/** A normal-ish local hour of day (peaks at noon), as SQL, from two random() calls. */
const hourOfDay = `greatest(0, least(23, round(12 + 3.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))))`;

/** The weighted vehicle type of a generated car. */
const vehicleType = `(case when a.r < 0.70 then 'regular' when a.r < 0.80 then 'compact' when a.r < 0.88 then 'ev'
                           when a.r < 0.93 then 'large' when a.r < 0.97 then 'accessible' else 'motorcycle' end)::vehicle_type`;

export async function generateYear(db: Queryable, lotId: number, yearStart: Date, now: Date, sizes: YearSizes): Promise<void> {
  await db.query(`set session_replication_role = replica`);
  try {
    const args = [lotId, yearStart, now];
    // Every lateral below names g: an uncorrelated subquery is evaluated once, and every row would share
    // one random() (seen: a year of visits all entering at the same minute).
    await db.query(
      `insert into visits (lot_id, plate, vehicle_type, spot_id, entry_gate, entered_at, exit_gate, exited_at, amount_due_minor, amount_paid_minor)
       select $1::integer, 'Y' || lpad(g::text, 9, '0'), ${vehicleType}, null, 'IN-1', b.entered,
              case when b.left_at <= $3::timestamptz then 'OUT-1' end, case when b.left_at <= $3::timestamptz then b.left_at end,
              b.due, case when b.left_at <= $3::timestamptz and random() < 0.97 then b.due else 0 end
         from generate_series(1, $4::integer) g
         cross join lateral (
           select random() + 0 * g as r,
                  date_trunc('day', $2::timestamptz + ((random() + 0 * g) * ($3::timestamptz - $2::timestamptz - interval '1 day')))
                    + make_interval(hours => ${hourOfDay}::integer, mins => floor(random() * 60)::integer) as entered,
                  (20 + floor(random() * random() * 600))::integer as stay_minutes
         ) a
         cross join lateral (
           select a.entered, a.entered + make_interval(mins => a.stay_minutes) as left_at, (ceil(a.stay_minutes / 60.0) * 250)::bigint as due
         ) b
        where b.entered < $3::timestamptz`,
      [...args, sizes.visits],
    );
    await db.query(
      `insert into payments (lot_id, visit_id, purpose, amount_minor, currency, provider, status, idempotency_key, created_at)
       select v.lot_id, v.visit_id, 'walk_in', v.amount_paid_minor, l.currency, case when random() < 0.4 then 'cash' else 'card' end,
              'succeeded', 'bench:' || v.visit_id, v.exited_at
         from visits v join lots l on l.lot_id = v.lot_id
        where v.lot_id = $1::integer and v.amount_paid_minor > 0`,
      [lotId],
    );
    await db.query(
      `insert into payments (lot_id, visit_id, purpose, amount_minor, currency, provider, status, idempotency_key, created_at)
       select p.lot_id, p.visit_id, 'refund', p.amount_minor / 2, p.currency, p.provider, 'succeeded', 'bench-refund:' || p.visit_id,
              least(p.created_at + interval '1 day', $2::timestamptz)
         from payments p where p.lot_id = $1::integer and p.purpose = 'walk_in' and random() < 0.02`,
      [lotId, now],
    );
    await db.query(
      `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, payment_status, created_at, updated_at)
       select $1::integer, 'bench', 'B' || lpad(g::text, 9, '0'), s.vehicle_type, s.spot_id, tstzrange(t.s, t.s + make_interval(hours => 1 + floor(random() * 4)::integer), '[)'),
              (case when r.r < 0.90 then 'COMPLETED' when r.r < 0.95 then 'NO_SHOW' else 'CANCELLED' end)::reservation_status,
              1000, l.currency, 'paid', t.s - interval '2 days', t.s
         from generate_series(1, $4::integer) g
         cross join lateral (select random() + 0 * g as r, floor((random() + 0 * g) * (select count(*) from spots where lot_id = $1::integer))::integer as k,
                                    date_trunc('day', $2::timestamptz + ((random() + 0 * g) * ($3::timestamptz - $2::timestamptz - interval '1 day')))
                                      + make_interval(hours => ${hourOfDay}::integer) as s) r
         cross join lateral (select spot_id, vehicle_type from spots where lot_id = $1::integer order by spot_id offset r.k limit 1) s
         cross join lateral (select r.s) t
         join lots l on l.lot_id = $1::integer
        where t.s + interval '5 hours' < $3::timestamptz`,
      [...args, sizes.bookings],
    );
    await db.query(
      `insert into gate_events (lot_id, gate_id, seq, kind, plate, decision, occurred_at, received_at)
       select $1::integer, x.gate, row_number() over (partition by x.gate order by x.at), x.kind, x.plate, x.decision, x.at, x.at
         from (select 'IN-1' as gate, 'entry_confirmed' as kind, plate, 'WALK_IN' as decision, entered_at as at from visits where lot_id = $1::integer
               union all
               select 'OUT-1', 'exit_confirmed', plate, case when random() < 0.001 then 'LOST_TICKET' else 'PAID' end, exited_at from visits
                where lot_id = $1::integer and exited_at is not null) x`,
      [lotId],
    );
    await db.query(
      `insert into events (lot_id, kind, actor, reason, occurred_at)
       select $1::integer,
              case when r < 0.001 then 'gate.manual_open' when r < 0.0012 then 'gate.manual_open_failed' when r < 0.0017 then 'permit.passback_reset'
                   when r < 0.0027 then 'payment.failed' when r < 0.40 then 'reservation.confirmed' when r < 0.75 then 'reservation.completed'
                   when r < 0.85 then 'reservation.checked_in' else 'alert.overstay' end,
              'bench', null, $2::timestamptz + random() * ($3::timestamptz - $2::timestamptz)
         from generate_series(1, $4::integer) g cross join lateral (select random() + 0 * g as r) v`,
      [...args, sizes.events],
    );
  } finally {
    await db.query(`set session_replication_role = origin`);
  }
  await db.query(`analyze visits; analyze payments; analyze reservations; analyze events; analyze gate_events`);
}
