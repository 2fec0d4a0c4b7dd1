// Bookings for `bench capacity`, made set-based (INSERT ... SELECT) through the real table with every constraint
// and trigger on: the exclusion constraints check each row, the row triggers keep spot_days and the audit trail.
//
// Each spot's time is cut into 8-hour slots from a per-spot phase; booking k of a spot lies inside slot k
// (1 to 7 hours, at a random quarter hour of the slot), so a spot's live bookings never overlap and the gaps
// between them vary from none to 7 hours. Three quarters of the slots lie before `now`. Statuses follow the
// clock as in a running lot: the past is mostly COMPLETED (some no-shows and cancellations, some departures
// before the end), bookings under way are CHECKED_IN (some not arrived yet), the future mostly CONFIRMED with
// some cancellations and a few TENTATIVE holds (0.3 %: a lot taking 5,000 bookings a day has ~50 open at once),
// a quarter of them past their expiry and not yet swept.
//
// Slot k of every spot goes in one statement and transaction of its own, in slot order: bookings reach the
// table over many transactions as they do in a lot, so the allocation rows are updated the way bookings
// update them (in place, page pruning between transactions) rather than all in one transaction.
import { withTransaction } from '../db.js';
import type { PoolLike } from '../ports.js';

const slotQuarters = 32;
const slotHours = slotQuarters / 4;

/** Slots before now, of `perSpot` (bookings per spot, on average). */
const historySlotsOf = (perSpot: number) => Math.floor(perSpot * 0.75);

/** Hours from now in which every spot still has bookings ahead (its future slots, less one slot of phase). */
export function benchFutureHours(perSpot: number): number {
  return Math.max(1, (Math.floor(perSpot) - historySlotsOf(perSpot)) * slotHours - slotHours);
}

/**
 * `count` bookings in lot `lotId` spread over its active spots (spot i gets count / spots, the first
 * count % spots one more). The draws come from a hash of (lot, spot, k): a lot's data is reproducible.
 */
export async function insertCapacityBenchBookings(pool: PoolLike, lotId: number, count: number, now: Date): Promise<void> {
  const { rows: [lot] } = await pool.query<{ spots: number }>(
    `select count(*)::integer as spots from spots where lot_id = $1::integer and status = 'active'`, [lotId]);
  const spots = lot!.spots;
  if (spots === 0 || count === 0) return;
  const perSpot = Math.ceil(count / spots);
  const historySlots = historySlotsOf(count / spots);
  // The days the future bookings touch get their allocation rows first, as the sweeper prepares a lot's days.
  await pool.query(
    `select parkctl_prepare_days($1::integer, ($2::timestamptz at time zone 'UTC')::date, ($2::timestamptz at time zone 'UTC')::date + $3::integer)`,
    [lotId, now, Math.ceil(((perSpot - historySlots) * slotHours) / 24) + 1],
  );
  for (let k = 0; k < perSpot; k++) {
    await withTransaction(pool, async (tx) => {
      await tx.query(`select set_config('parkctl.actor', 'bench', true)`);
      await tx.query(insertSlotSql, [lotId, count, now, k, historySlots]);
    });
  }
}

const h = (salt: number) => `(hashint8(($1::bigint << 40) + (sp.spot_id::bigint << 16) + $4::integer * 8 + ${salt}) & 2147483647)`;

/** $1 lot, $2 bookings in the lot, $3 now, $4 slot k, $5 slots before now. */
const insertSlotSql = `
  insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, hold_expires_at,
                            price_minor, currency, payment_status, created_at, updated_at)
  with spot as (
    select s.spot_id, s.vehicle_type, row_number() over (order by s.spot_id) - 1 as n, count(*) over () as spots
      from spots s where s.lot_id = $1::integer and s.status = 'active'
  ), draw as (
    select sp.spot_id, sp.vehicle_type,
           4 + ${h(0)} % 25 as dur_q,
           ${h(1)} % 1000 as roll,
           ${h(2)} % 60 as minute,
           ${h(3)} as place,
           date_trunc('hour', $3::timestamptz)
             + (($4::integer - $5::integer) * ${slotQuarters} + (hashint4(sp.spot_id + $1::integer * 65536) & 2147483647) % ${slotQuarters})
               * interval '15 minutes' as slot_start
      from spot sp
     where $4::integer < $2::integer / sp.spots + (sp.n < $2::integer % sp.spots)::integer
  ), placed as (
    select d.*, d.slot_start + (d.place % (${slotQuarters} - d.dur_q + 1)) * interval '15 minutes' as starts
      from draw d
  ), booked as (
    select p.*, p.starts + p.dur_q * interval '15 minutes' as ends,
           case
             when p.starts + p.dur_q * interval '15 minutes' <= $3::timestamptz then
               case when p.roll < 850 then 'COMPLETED' when p.roll < 900 then 'NO_SHOW' else 'CANCELLED' end
             when p.starts <= $3::timestamptz then case when p.roll < 900 then 'CHECKED_IN' else 'CONFIRMED' end
             else case when p.roll < 900 then 'CONFIRMED' when p.roll < 997 then 'CANCELLED' else 'TENTATIVE' end
           end::reservation_status as status
      from placed p
  )
  select $1::integer, 'bench', 'B' || b.spot_id || 'K' || $4::integer, b.vehicle_type, b.spot_id,
         tstzrange(b.starts,
                   case when b.status = 'COMPLETED' and b.roll < 300 and b.dur_q > 4
                        then b.ends - (1 + b.minute) * interval '1 minute' else b.ends end, '[)'),
         b.status,
         case when b.status = 'TENTATIVE' then $3::timestamptz + (b.minute % 20 - 5) * interval '1 minute' end,
         b.dur_q * 50, 'EUR',
         (case b.status when 'TENTATIVE' then 'unpaid' when 'CANCELLED' then 'refunded' else 'paid' end)::payment_status,
         least(b.starts, $3::timestamptz) - (1 + b.roll % 5) * interval '1 day', least(b.starts, $3::timestamptz)
    from booked b
   order by b.spot_id`;

/** Run `work` for each item, at most `concurrency` at a time (one connection each). */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
