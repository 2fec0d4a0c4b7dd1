// `parkctl bench reserve`: N clients, each on its own connection, reserving through the real core path
// (reserve() -> parkctl_reserve) against a scratch copy of a lot, then the overlap checker.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { RefusedError } from '../errors.js';
import { loadLot, type Lot } from '../lots/lot.js';
import { OccupancyMemo } from '../occupancy-memo.js';
import type { ChangeNotifier, Clock, LotRoutes, PaymentProvider, PoolLike } from '../ports.js';
import { reserve } from '../reservations/reserve.js';
import { countOverlaps } from '../sql/reservations.js';
import { cloneLot, dropLot, prepareDays } from '../sql/scratch-lots.js';
import { percentiles } from './latency.js';

export type LoadProfile = 'rush' | 'spread';

export interface ReserveBenchOptions {
  lotCode: string;
  clients: number;
  profile: LoadProfile;
  /** how long to run */
  seconds: number;
  clock: Clock;
  payments: PaymentProvider;
  /** the same after-commit notifications a real booking sends */
  notifier?: ChangeNotifier;
  /** keep the scratch lot afterwards (to look at it) */
  keep?: boolean;
  /** a phase of the run (e.g. a sweep beside it): bookings started while `active` are also timed apart */
  during?: { active: boolean };
  /** called once the clients are connected, as they start reserving */
  onStart?: () => void;
  /** on Citus: the allocator call goes straight to the lot's worker (the rest stays on the client's connection) */
  lotRoutes?: LotRoutes;
}

export interface ReserveBenchResult {
  lot: string;
  scratchLot: string;
  profile: LoadProfile;
  clients: number;
  seconds: number;
  reservations: number;
  perSecond: number;
  refusedNoSpot: number;
  retries: number;
  latencyMs: Record<string, number>;
  /** with `during`: the bookings started while it was active, and their latency */
  during?: { reservations: number; latencyMs: Record<string, number> };
  overlaps: number;
  /** CPU time per reservation (ms), when the server's backends are on this machine: load-independent cost */
  cpuMsPerReservation: { node: number; postgres: number | null };
}

const dayMs = 86_400_000;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** CPU ms the given PostgreSQL backends used so far (from /proc), or null when they are not on this host. */
async function backendCpuMs(pids: number[]): Promise<number | null> {
  try {
    let ticks = 0;
    for (const pid of pids) {
      const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    }
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}
const quarterMs = 900_000;

/** A window for the profile. rush: everyone wants the same morning (all windows hold 10:00-12:00 of the
 * current rush day); spread: any quarter hour of the coming week, 15 minutes to 4 hours long. */
function windowFor(profile: LoadProfile, dayStartMs: number, rushDay: number, rnd: () => number): { start: Date; end: Date } {
  if (profile === 'rush') {
    const start = dayStartMs + rushDay * dayMs + 8 * 3_600_000 + Math.floor(rnd() * 9) * quarterMs;
    return { start: new Date(start), end: new Date(dayStartMs + rushDay * dayMs + 12 * 3_600_000 + Math.floor(rnd() * 25) * quarterMs) };
  }
  const start = dayStartMs + dayMs + Math.floor(rnd() * 7 * 96) * quarterMs;
  return { start: new Date(start), end: new Date(start + (1 + Math.floor(rnd() * 16)) * quarterMs) };
}

export async function runReserveBench(pool: PoolLike, o: ReserveBenchOptions): Promise<ReserveBenchResult> {
  const source = await loadLot(pool, o.lotCode);
  const scratchCode = `BENCH-${randomBytes(3).toString('hex').toUpperCase()}`;
  const lotId = await cloneLot(pool, source.lotId, scratchCode);
  try {
    const lot: Lot = await loadLot(pool, scratchCode);
    const now = o.clock.now();
    const dayStartMs = Math.floor(now.getTime() / dayMs) * dayMs;
    const horizonDays = o.profile === 'rush' ? Math.ceil((o.seconds * 4_000) / Math.max(1, lot.spotRanges.get('regular')?.count ?? 1)) + 2 : 9;
    await prepareDays(pool, lotId, new Date(dayStartMs), new Date(dayStartMs + (horizonDays + 1) * dayMs));
    // What autovacuum does for a lot that has been open a while: statistics that know the scratch lot's
    // spots and allocation rows. Without them the planner costs its first plans for an empty lot, and looks
    // spots up by (lot, spot) through spots_by_type, walking every vehicle type of the lot, not the key.
    await pool.query('analyze spot_days, spots');
    // and, as autovacuum would (it may be off on a bench server), without the rows earlier runs left dead
    await pool.query('vacuum reservations, events, spot_days');
    const occupancy = new OccupancyMemo();
    // One connection per client for the whole run, as N separate reservers would hold.
    const clients = await Promise.all(Array.from({ length: o.clients }, () => pool.connect()));
    const latencies: number[] = [];
    const duringLatencies: number[] = [];
    let rushDay = 1;
    let refused = 0;
    let retries = 0;
    let seq = 0;
    const deadline = performance.now() + o.seconds * 1000;
    const worker = async (db: (typeof clients)[number]) => {
      const deps = { db, clock: o.clock, payments: o.payments, actor: 'bench', occupancy, notifier: o.notifier, lotRoutes: o.lotRoutes };
      while (performance.now() < deadline) {
        const day = rushDay;
        const w = windowFor(o.profile, dayStartMs, day, Math.random);
        const t0 = performance.now();
        const inPhase = o.during?.active === true;
        try {
          const r = await reserve(deps, lot, { vehicleType: 'regular', start: w.start, end: w.end, plate: `BN${(seq++).toString(36).toUpperCase()}`, customerRef: 'bench' });
          latencies.push(performance.now() - t0);
          if (inPhase) duringLatencies.push(latencies[latencies.length - 1]!);
          retries += r.retries;
        } catch (err) {
          if (!(err instanceof RefusedError) || err.code !== 'no_spot_free') throw err;
          refused++;
          if (o.profile === 'rush' && day === rushDay) rushDay++; // the morning is full: the rush moves to the next day
        }
      }
    };
    const pids = await Promise.all(clients.map(async (c) => (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid));
    const pgBefore = await backendCpuMs(pids);
    const nodeBefore = process.cpuUsage();
    const started = performance.now();
    o.onStart?.();
    try {
      await Promise.all(clients.map(worker));
    } finally {
      for (const c of clients) c.release();
    }
    const elapsedS = (performance.now() - started) / 1000;
    const pgAfter = await backendCpuMs(pids);
    const nodeCpu = process.cpuUsage(nodeBefore);
    const n = Math.max(1, latencies.length);
    return {
      lot: source.code, scratchLot: scratchCode, profile: o.profile, clients: o.clients, seconds: Math.round(elapsedS * 100) / 100,
      reservations: latencies.length, perSecond: Math.round(latencies.length / elapsedS), refusedNoSpot: refused, retries,
      latencyMs: percentiles(latencies, [50, 95, 99]),
      ...(o.during ? { during: { reservations: duringLatencies.length, latencyMs: percentiles(duringLatencies, [50, 95, 99]) } } : {}),
      overlaps: await countOverlaps(pool),
      cpuMsPerReservation: {
        node: round3((nodeCpu.user + nodeCpu.system) / 1000 / n),
        // routed calls run on the workers' backends, which these pids do not cover: no figure rather than a low one
        postgres: pgBefore !== null && pgAfter !== null && !o.lotRoutes ? round3((pgAfter - pgBefore) / n) : null,
      },
    };
  } finally {
    if (!o.keep) await dropLot(pool, lotId);
  }
}
