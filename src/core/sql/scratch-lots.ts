// Scratch copies of a lot for benchmarks: same spots and prices, its own reservations, dropped after.
import type { Queryable } from '../ports.js';

export async function cloneLot(db: Queryable, lotId: number, newCode: string): Promise<number> {
  const { rows } = await db.query<{ lot_id: number }>(
    `insert into lots (code, name, time_zone, currency, hold_minutes, no_show_grace_minutes, early_entry_grace_minutes,
                       max_window_minutes, overstay_slot_minutes, state, pricing, policy)
     select $2::text, name || ' (scratch copy)', time_zone, currency, hold_minutes, no_show_grace_minutes, early_entry_grace_minutes,
            max_window_minutes, overstay_slot_minutes, state, pricing, policy from lots where lot_id = $1::integer
     returning lot_id`,
    [lotId, newCode],
  );
  const copy = rows[0]!.lot_id;
  await db.query(`insert into zones (lot_id, zone_id, floor, code, name) select $2::integer, zone_id, floor, code, name from zones where lot_id = $1::integer`, [lotId, copy]);
  await db.query(
    `insert into spots (lot_id, spot_id, zone_id, label, vehicle_type, rank, status)
     select $2::integer, spot_id, zone_id, label, vehicle_type, rank, status from spots where lot_id = $1::integer`,
    [lotId, copy],
  );
  await db.query(
    `insert into pricing_rules (lot_id, rule_id, vehicle_type, days, from_minute, to_minute, rate_per_hour_minor, priority, valid_from, valid_until)
     select $2::integer, rule_id, vehicle_type, days, from_minute, to_minute, rate_per_hour_minor, priority, valid_from, valid_until
       from pricing_rules where lot_id = $1::integer`,
    [lotId, copy],
  );
  return copy;
}

/**
 * Remove a lot and everything it holds. Only for scratch lots: a real lot keeps its history. A server a
 * benchmark just stopped may still have a statement running in PostgreSQL (a backend finishes and commits
 * what it was given after its client went away): a row that lands behind the sweep is swept again.
 */
export async function dropLot(db: Queryable, lotId: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      for (const table of scratchTables) await db.query(`delete from ${table} where lot_id = $1::integer`, [lotId]);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '23503' || attempt >= 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Every table with rows of a lot, those that point at others first. */
const scratchTables = [
  'ev_meter_values', 'ev_sessions', 'ev_connectors', 'ev_chargers', 'validation_uses', 'validator_topups', 'validators', 'tickets',
  'report_visit_hours', 'report_payment_hours', 'report_event_hours', 'report_rollup_marks', 'ticket_counters',
  'payments', 'gate_events', 'visits', 'events', 'reservations', 'spot_days', 'lot_days', 'pricing_rules', 'spot_sensed', 'sensors',
  'permit_plates', 'permits', 'shifts', 'spots', 'zones', 'lots',
];
export async function prepareDays(db: Queryable, lotId: number, from: Date, to: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select parkctl_prepare_days($1::integer, ($2::timestamptz at time zone 'UTC')::date, ($3::timestamptz at time zone 'UTC')::date) as n`,
    [lotId, from, to],
  );
  return rows[0]!.n;
}
