import type { Queryable } from '../ports.js';
import type { VehicleType } from '../pricing/vehicle-types.js';

const quarterHourMs = 15 * 60_000;

export interface BusyQuery {
  lotId: number;
  vehicleType: VehicleType;
  start: Date;
  end: Date;
  now: Date;
}

/**
 * Active spots of a type that a live reservation holds in [start, end) (holds past expiry are free), a car
 * inside included (migrations/0012: its row's spot_period).
 * Windows on quarter hours (what people and the allocator ask) are counted from the allocation bits, others
 * from the reservations themselves; both give the same number.
 */
export async function countBusySpots(db: Queryable, q: BusyQuery): Promise<number> {
  const onQuarterHours = q.start.getTime() % quarterHourMs === 0 && q.end.getTime() % quarterHourMs === 0;
  return onQuarterHours ? countBusySpotsFromDays(db, q) : countBusySpotsFromBookings(db, q);
}

/**
 * From spot_days: one row per spot and UTC day whose 96 quarter-hour bits the reservation triggers keep as the
 * OR of the spot's live bookings, each rounded outward to quarter hours. For a window on quarter hours that
 * rounding changes nothing (a booking [a, b) reaches a quarter [t, t+15) of the window iff it overlaps the
 * window), so "bits & window bits <> 0" is exactly "a live booking overlaps". Cost follows the lot's spots
 * (2,000 rows a day in index order, ~40 heap pages), not the window's bookings (50 lots x 100,000 bookings:
 * p50 ~3 ms a day of window, where the bookings query took 66 ms). No row for a spot and day means no live
 * booking touched it.
 * Two things the bits cannot see are taken off: spots out of service (a partial index, usually none) and
 * spots lit only by holds past their expiry that no sweep has released yet (the overdue-holds index: few
 * while the sweeper runs; the cost of a count grows with the holds left overdue).
 */
export function countBusySpotsFromDays(db: Queryable, q: BusyQuery): Promise<number> {
  return countBusy(db, q, 'parkctl_capacity_busy', busyOverDaysSql);
}

/**
 * EXPLAIN (no rows read) of the one-day count for no lot, as one statement with its values written in, for
 * a simple query: planning it loads what planning needs (the tables, their indexes and predicates, the
 * operators, types and functions it calls) into the connection's caches. A fresh connection otherwise pays
 * that in the command's first count: 12-17 ms of planning here, against 1-2 ms once warm. The early
 * connection (commands/early-pool.ts) sends it with its migration check while Node loads the command.
 */
export function busyCountWarmUpSql(): string {
  const values = ['0', `'regular'`, `'2000-01-03'`, `'2000-01-03T08:00:00Z'`, `'2000-01-03T09:00:00Z'`, `'2000-01-03T08:00:00Z'`];
  return `explain ${busyOverDaysSql(1).replace(/\$([1-6])(?!\d)/g, (_, i: string) => values[Number(i) - 1]!)}`;
}

/** One count statement, named and shaped by the number of UTC days the window touches. */
async function countBusy(db: Queryable, q: BusyQuery, name: string, sqlFor: (dayCount: number) => string): Promise<number> {
  const days = utcDays(q.start, q.end);
  const { rows } = await db.query<{ busy: number }>({
    name: `${name}_${days.length}d`,
    text: sqlFor(days.length),
    values: [q.lotId, q.vehicleType, days[0], q.start, q.end, q.now],
  });
  return rows[0]!.busy;
}

/** Spots of the window that the bits light but that are not busy: out of service, or lit only by holds past expiry. */
const notCountedSql = `
  select s.spot_id from spots s
   where s.lot_id = $1::integer and s.vehicle_type = $2::vehicle_type and s.status <> 'active'
  union
  select h.spot_id from reservations h
   where h.lot_id = $1::integer and h.status = 'TENTATIVE' and h.hold_expires_at <= $6::timestamptz
     and h.vehicle_type = $2::vehicle_type and h.spot_period && tstzrange($4::timestamptz, $5::timestamptz, '[)')
     and not exists (
       select 1 from reservations r
        where r.spot_id = h.spot_id and r.lot_id = h.lot_id
          and r.spot_period && tstzrange($4::timestamptz, $5::timestamptz, '[)')
          and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
          and not (r.status = 'TENTATIVE' and r.hold_expires_at <= $6::timestamptz))`;

const window = `tstzrange($4::timestamptz, $5::timestamptz, '[)')`;

/**
 * Spots of cars inside whose hold ran out with no sweep since (parkctl_hold_cars rolls it, and the allocator
 * does before it picks): busy in the window as the roll will make them, up to parkctl_car_hold_end(now).
 * Through the partial index of cars inside: usually no row.
 */
const lapsedCarsSql = `
      select c.spot_id from reservations c
       where c.lot_id = $1::integer and c.status = 'CHECKED_IN' and upper(c.spot_period) <= $6::timestamptz
         and c.vehicle_type = $2::vehicle_type and upper(c.spot_period) < $5::timestamptz
         and $4::timestamptz < parkctl_car_hold_end($6::timestamptz)
         and (select s.status from spots s where s.lot_id = $1::integer and s.spot_id = c.spot_id) = 'active'`;
const statements = new Map<number, string>();
const probedStatements = new Map<number, string>();

/** The spots of each day of the window whose bits the window lights: one index range (lot, type, day) a day. */
function litRanges(dayCount: number): string[] {
  return Array.from({ length: dayCount }, (_, i) => `
      select sd.spot_id from spot_days sd
       where sd.lot_id = $1::integer and sd.day = $3::date + ${i} and sd.vehicle_type = $2::vehicle_type
         and (sd.mask & (select parkctl_day_mask($3::date + ${i}, ${window}))) <> 0::bit(96)`);
}

/**
 * One statement per number of days a window touches (almost always 1 or 2). Each day is one index range
 * (lot, day, type) of spot_days_by_type whose window bits are computed once (an init plan), and the days are
 * joined by UNION (a spot lit on two days counts once; one day needs no de-duplication). Fixed parameters,
 * fixed shape: the server settles on a generic plan and stops planning each call (~1 ms here).
 * $1 lot, $2 type, $3 first UTC day, $4 start, $5 end, $6 now.
 */
function busyOverDaysSql(dayCount: number): string {
  let sql = statements.get(dayCount);
  if (sql) return sql;
  const ranges = litRanges(dayCount);
  sql = `
    select ((select count(*) from (${ranges.join('\n      union')}\n      union${lapsedCarsSql}) lit)
          - (select count(*) from (${notCountedSql}) n
              where n.spot_id not in (${lapsedCarsSql})
                and exists (select 1 from spot_days sd
                             where sd.lot_id = $1::integer and sd.spot_id = n.spot_id
                               and sd.day between $3::date and $3::date + ${dayCount - 1}
                               and (sd.mask & parkctl_day_mask(sd.day, ${window})) <> 0::bit(96))))::integer as busy`;
  statements.set(dayCount, sql);
  return sql;
}

/**
 * Active spots of a type that the allocation bits light in each UTC hour of one UTC day: 24 counts from one
 * scan of the day's index range (lot, type, day), where counting an hour alone costs about as much as all 24
 * (~2 ms for 2,000 spots). What the occupancy memo prices bookings by (src/core/occupancy-memo.ts): a band,
 * not a spot. Unlike the exact window count above, it does not take off holds past expiry that no sweep has
 * released yet, nor add cars inside past their hold: the allocator settles both before it books (0045).
 * Named with the count prefix: on Citus it runs on the lot's shards (src/core/citus/shard-statements.ts).
 */
export async function countBusyByHour(db: Queryable, q: { lotId: number; vehicleType: VehicleType; day: string }): Promise<number[]> {
  const { rows } = await db.query<{ busy: number[] }>({ name: 'parkctl_capacity_busy_by_hour', text: busyByHourSql, values: [q.lotId, q.vehicleType, q.day] });
  const busy = rows[0]?.busy;
  if (!Array.isArray(busy) || busy.length !== 24) throw new Error(`hourly count of lot ${q.lotId} on ${q.day} answered ${JSON.stringify(busy)}`);
  return busy.map(Number);
}

const busyByHourSql = `
    select array[${Array.from({ length: 24 }, (_, h) => `count(*) filter (where substring(sd.mask from ${h * 4 + 1} for 4) <> B'0000')`).join(',\n                 ')}]::integer[] as busy
      from spot_days sd
     where sd.lot_id = $1::integer and sd.vehicle_type = $2::vehicle_type and sd.day = $3::date
       and sd.spot_id <> all (array(select s.spot_id from spots s
                                     where s.lot_id = $1::integer and s.vehicle_type = $2::vehicle_type and s.status <> 'active'))`;

/** The UTC days [start, end) touches, as YYYY-MM-DD (what parkctl_days_of gives in SQL). */
export function utcDays(start: Date, end: Date): string[] {
  const dayMs = 86_400_000;
  const days: string[] = [];
  for (let d = Math.floor(start.getTime() / dayMs); d <= Math.floor((end.getTime() - 1) / dayMs); d++) {
    days.push(new Date(d * dayMs).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * Windows off the quarter hours: the bits, rounded outward, only bound the answer from above, so every spot
 * they light (the same per-day index ranges as above) is probed for a live, unexpired booking that really
 * overlaps the window, through the spot-first exclusion index (a few pages a probe). A scan of the window's
 * bookings instead had no index the planner reliably chose: GiST costing ignores column order, and it took
 * the exclusion indexes on (spot, lot, period) over (lot, type, period) with lot_id and period alone (5 ms
 * against 0.3 ms on one garage, 66 ms on 50 lots x 100,000 bookings).
 */
export function countBusySpotsFromBookings(db: Queryable, q: BusyQuery): Promise<number> {
  return countBusy(db, q, 'parkctl_capacity_busy_probed', probedOverDaysSql);
}

function probedOverDaysSql(dayCount: number): string {
  let sql = probedStatements.get(dayCount);
  if (sql) return sql;
  sql = `
    select count(*)::integer as busy from (
      select lit.spot_id
        from (${litRanges(dayCount).join('\n      union')}) lit
       where exists (select 1 from reservations r
                      where r.spot_id = lit.spot_id and r.lot_id = $1::integer and r.spot_period && ${window}
                        and r.status in ('TENTATIVE', 'CONFIRMED', 'CHECKED_IN')
                        and not (r.status = 'TENTATIVE' and r.hold_expires_at <= $6::timestamptz))
         and (select s.status from spots s where s.lot_id = $1::integer and s.spot_id = lit.spot_id) = 'active'
      union${lapsedCarsSql}) busy`;
  probedStatements.set(dayCount, sql);
  return sql;
}
