// `parkctl bench sweep`: how long one hold-expiry sweep takes over a large backlog, and what it does to
// bookings meanwhile. A scratch copy of a lot gets N expired holds (written with SQL, spread one hour per
// spot so the exclusion constraints hold); the reserve benchmark runs beside the sweep on its own copy.
import { randomBytes } from 'node:crypto';
import { runReserveBench, type ReserveBenchResult } from '../bench/reserve-load.js';
import { loadLot } from '../lots/lot.js';
import type { ChangeNotifier, Clock, PaymentProvider, PoolLike, Queryable } from '../ports.js';
import { cloneLot, dropLot, prepareDays } from '../sql/scratch-lots.js';
import { runSweep, type SweepSummary } from './sweep.js';

export interface SweepBenchOptions {
  lotCode: string;
  /** expired holds to create */
  holds: number;
  /** reserve-bench clients running during the sweep (0: none) */
  clients: number;
  /** how long the reserve bench runs; the sweep starts `leadMs` after it */
  reserveSeconds: number;
  /** ms of bookings before the sweep starts */
  leadMs: number;
  batchSize: number;
  /** sweep batches running at once */
  concurrency: number;
  clock: Clock;
  payments: PaymentProvider;
  notifier?: ChangeNotifier;
  keep?: boolean;
  /** progress for people (stderr) */
  note?: (text: string) => void;
}

export interface SweepBenchResult {
  lot: string;
  scratchLot: string;
  holds: number;
  /** ms to write the backlog (not part of the sweep) */
  setupMs: number;
  sweep: SweepSummary;
  /** holds still TENTATIVE and due after the sweep: 0 unless something is wrong */
  leftOver: number;
  reserve: ReserveBenchResult | null;
}

const insertChunk = 10_000;

/** Row i: the (i mod spots)-th active spot, hour floor(i / spots) after `windowsFrom`, its own plate. */
async function insertExpiredHolds(db: Queryable, lotId: number, count: number, windowsFrom: Date, heldUntil: Date): Promise<void> {
  for (let from = 0; from < count; from += insertChunk) {
    await db.query(
      `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, hold_expires_at,
                                 price_minor, currency, created_at, updated_at)
       select $1::integer, 'bench-sweep', 'SW' || upper(to_hex(i)), s.vehicle_type, s.spot_id,
              tstzrange($2::timestamptz + (i / n.spots) * interval '1 hour', $2::timestamptz + (i / n.spots + 1) * interval '1 hour', '[)'),
              'TENTATIVE', $3::timestamptz, 0, l.currency, $3::timestamptz - interval '15 minutes', $3::timestamptz - interval '15 minutes'
         from generate_series($4::integer, $5::integer - 1) as i
         cross join (select count(*)::integer as spots from spots where lot_id = $1::integer and status = 'active') n
         join (select spot_id, vehicle_type, (row_number() over (order by spot_id) - 1)::integer as k
                 from spots where lot_id = $1::integer and status = 'active') s on s.k = i % n.spots
         join lots l on l.lot_id = $1::integer`,
      [lotId, windowsFrom, heldUntil, from, Math.min(count, from + insertChunk)],
    );
  }
}

export async function runSweepBench(pool: PoolLike, reservePool: PoolLike, o: SweepBenchOptions): Promise<SweepBenchResult> {
  const source = await loadLot(pool, o.lotCode);
  const scratchCode = `SWEEP-${randomBytes(3).toString('hex').toUpperCase()}`;
  const lotId = await cloneLot(pool, source.lotId, scratchCode);
  try {
    const now = o.clock.now();
    const tomorrow = new Date(Math.ceil(now.getTime() / 86_400_000) * 86_400_000);
    const setupStarted = performance.now();
    o.note?.(`writing ${o.holds} expired holds into ${scratchCode}...`);
    // The allocation rows of the backlog's days first, as the sweeper keeps them ahead of bookings: the
    // insert triggers then update a row instead of creating one per hold.
    const spots = [...(await loadLot(pool, scratchCode)).spotRanges.values()].reduce((n, r) => n + r.count, 0);
    await prepareDays(pool, lotId, tomorrow, new Date(tomorrow.getTime() + Math.ceil(o.holds / Math.max(1, spots) / 24 + 1) * 86_400_000));
    await insertExpiredHolds(pool, lotId, o.holds, tomorrow, new Date(now.getTime() - 60_000));
    await pool.query(`analyze reservations`);
    const setupMs = Math.round(performance.now() - setupStarted);

    o.note?.(`sweeping${o.clients > 0 ? ` while ${o.clients} clients reserve` : ''}...`);
    // The sweep starts `leadMs` after the reservers are running (their own setup, a lot copy, takes seconds),
    // and the bookings started while it runs are also timed apart.
    const during = { active: false };
    let reservingStarted = () => {};
    const started = new Promise<void>((resolve) => { reservingStarted = resolve; });
    const reserving = o.clients > 0
      ? runReserveBench(reservePool, { lotCode: o.lotCode, clients: o.clients, profile: 'spread', seconds: o.reserveSeconds, clock: o.clock, payments: o.payments, notifier: o.notifier, during, onStart: reservingStarted })
      : Promise.resolve(null);
    if (o.clients > 0) {
      await Promise.race([started, reserving]);
      await new Promise((resolve) => setTimeout(resolve, o.leadMs));
    }
    during.active = true;
    const sweep = await runSweep({ pool, clock: o.clock, notifier: o.notifier }, { jobs: ['holds'], lotCode: scratchCode, batchSize: o.batchSize, concurrency: o.concurrency });
    during.active = false;
    const reserve = await reserving;
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::integer as n from reservations where lot_id = $1::integer and status = 'TENTATIVE' and hold_expires_at <= $2::timestamptz`,
      [lotId, sweep.at],
    );
    return { lot: source.code, scratchLot: scratchCode, holds: o.holds, setupMs, sweep, leftOver: rows[0]!.n, reserve };
  } finally {
    if (!o.keep) await dropLot(pool, lotId);
  }
}
