// `bench import` and `bench capacity`: the scale figures (bulk import speed; capacity p99 from the
// cache, from the database, and with Redis paused). Scratch lots only, dropped afterwards (capacity:
// unless --keep, so that later runs can time checks on the same lots with --reuse).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { percentiles } from '../core/bench/latency.js';
import { benchFutureHours, forEachConcurrently, insertCapacityBenchBookings } from '../core/bench/capacity-data.js';
import { cloneBenchLots, createBenchLot } from '../core/bulk/bench-data.js';
import { readBookingFile } from '../core/bulk/booking-rows.js';
import { importBookings } from '../core/bulk/import-bookings.js';
import { checkCapacity } from '../core/capacity.js';
import { UsageError } from '../core/errors.js';
import { loadLot, type Lot } from '../core/lots/lot.js';
import type { CapacityCache } from '../core/ports.js';
import { dropLot } from '../core/sql/scratch-lots.js';
import { CashPaymentProvider, formatCashReceiptToken } from '../drivers/cash-payments.js';
import type { AppContext } from './context.js';
import type { Run } from './index.js';
import { wholeNumberOption } from './numbers.js';
import { renderFields } from './output.js';


const hourMs = 3_600_000;
const scratchCode = (kind: string) => `BENCH-${kind}-${randomBytes(3).toString('hex').toUpperCase()}`;

/** Rows for the import bench: 2-hour windows, 6 a day per spot, from tomorrow on, unique plates. */
function importCsv(lotCode: string, spots: number, rows: number, fromMs: number): Uint8Array {
  const lines = ['lot,vehicle_type,start,end,plate,customer_ref'];
  for (let i = 0; i < rows; i++) {
    const slot = Math.floor(i / spots);
    const startMs = fromMs + Math.floor(slot / 6) * 24 * hourMs + (slot % 6) * 2 * hourMs;
    lines.push(`${lotCode},regular,${new Date(startMs).toISOString()},${new Date(startMs + 2 * hourMs).toISOString()},BI${i.toString(36).toUpperCase()},bench`);
  }
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

/** Our own redis-server (never the machine's), so the bench may SIGSTOP it. */
async function startRedis(ctx: AppContext): Promise<{ url: string; child: ChildProcess } | null> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const failed = await Promise.race([once(child, 'error').then(() => true), sleep(300).then(() => false)]);
  if (failed || child.exitCode !== null) return null;
  ctx.onClose(async () => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  });
  return { url: `redis://127.0.0.1:${port}`, child };
}

interface Check { lot: number; startMs: number; endMs: number }

async function timeChecks(ctx: AppContext, lots: Lot[], queries: readonly Check[], cache: CapacityCache | undefined) {
  const pool = await ctx.pool();
  const samples: number[] = [];
  const sources = { cache: 0, database: 0 };
  const cpu0 = process.cpuUsage();
  for (const q of queries) {
    const t0 = performance.now();
    const a = await checkCapacity({ db: pool, clock: ctx.clock, cache }, lots[q.lot]!, 'regular', new Date(q.startMs), new Date(q.endMs));
    samples.push(performance.now() - t0);
    sources[a.source]++;
  }
  const cpu = process.cpuUsage(cpu0);
  const p = percentiles(samples, [50, 99]);
  return { p50Ms: p.p50!, p99Ms: p.p99!, nodeCpuUsPerCheck: Math.round((cpu.user + cpu.system) / Math.max(1, queries.length)), ...sources };
}
type Timing = Awaited<ReturnType<typeof timeChecks>>;

/**
 * Cache modes, timed on what the cache holds: queries are filled (a miss reads PostgreSQL and sets) in runs of
 * at most `fillMs` of work, and each run is timed in every mode right after, well inside the cache's TTL
 * whatever the database costs.
 */
async function timeCachedChecks(ctx: AppContext, lots: Lot[], queries: readonly Check[], fillMs: number,
  fill: CapacityCache, modes: Record<string, CapacityCache>): Promise<Record<string, Timing>> {
  const pool = await ctx.pool();
  const check = (q: Check, cache: CapacityCache) => checkCapacity({ db: pool, clock: ctx.clock, cache }, lots[q.lot]!, 'regular', new Date(q.startMs), new Date(q.endMs));
  const samples: Record<string, number[]> = {};
  const totals: Record<string, { cache: number; database: number; cpuUs: number }> = {};
  for (let i = 0; i < queries.length;) {
    const runStart = performance.now();
    const run: Check[] = [];
    while (i < queries.length && (run.length === 0 || performance.now() - runStart < fillMs)) {
      await check(queries[i]!, fill);
      run.push(queries[i++]!);
    }
    for (const [name, cache] of Object.entries(modes)) {
      const s = (samples[name] ??= []);
      const t = (totals[name] ??= { cache: 0, database: 0, cpuUs: 0 });
      const cpu0 = process.cpuUsage();
      for (const q of run) {
        const t0 = performance.now();
        const a = await check(q, cache);
        s.push(performance.now() - t0);
        t[a.source]++;
      }
      const cpu = process.cpuUsage(cpu0);
      t.cpuUs += cpu.user + cpu.system;
    }
  }
  const out: Record<string, Timing> = {};
  for (const [name, s] of Object.entries(samples)) {
    const p = percentiles(s, [50, 99]);
    const t = totals[name]!;
    out[name] = { p50Ms: p.p50!, p99Ms: p.p99!, nodeCpuUsPerCheck: Math.round(t.cpuUs / Math.max(1, s.length)), cache: t.cache, database: t.database };
  }
  return out;
}

/** Windows a customer asks about: a start on a quarter hour in the next days that hold bookings, 1 to 8 hours long. */
function capacityQueries(count: number, lots: number, futureHours: number, nowMs: number): Check[] {
  const quarterMs = 15 * 60_000;
  const firstMs = Math.ceil(nowMs / quarterMs) * quarterMs;
  return Array.from({ length: count }, () => {
    const startMs = firstMs + Math.floor(Math.random() * futureHours * 4) * quarterMs;
    return { lot: Math.floor(Math.random() * lots), startMs, endMs: startMs + (4 + Math.floor(Math.random() * 29)) * quarterMs };
  });
}

/** Lots made by an earlier `--keep` run: codes `<prefix>-A`, `<prefix>-0`, ... */
async function scratchLotIds(ctx: AppContext, prefix: string): Promise<number[]> {
  const pool = await ctx.pool();
  const { rows } = await pool.query<{ lot_id: number }>(`select lot_id from lots where code like $1::text || '-%' order by lot_id`, [prefix.toUpperCase()]);
  if (rows.length === 0) throw new UsageError(`no scratch lots start with "${prefix}-"`, { hint: 'run bench capacity with --keep first; it prints the prefix' });
  return rows.map((r) => r.lot_id);
}

export function registerBenchScale(bench: Command, run: Run): void {
  bench.command('import')
    .description('time booking import of generated rows into a scratch lot')
    .option('--rows <n>', 'rows to import', '10000')
    .option('--spots <n>', 'spots in the scratch lot', '500')
    .option('--concurrency <n>', 'bookings in flight at once', '8')
    .action((o: { rows: string; spots: string; concurrency: string }, cmd: Command) => run(async (ctx) => {
      const rows = wholeNumberOption(o.rows, '--rows');
      const spots = wholeNumberOption(o.spots, '--spots');
      const pool = await ctx.pool();
      const t0 = performance.now();
      const code = scratchCode('IMP');
      const lotId = await createBenchLot(pool, code, spots);
      ctx.onClose(() => dropLot(pool, lotId));
      const bytes = importCsv(code, spots, rows, Math.ceil((ctx.clock.now().getTime() + 24 * hourMs) / (24 * hourMs)) * 24 * hourMs);
      const setupMs = performance.now() - t0;
      const t1 = performance.now();
      const report = await importBookings({
        pool, clock: ctx.clock, payments: await ctx.payments(), actor: 'bench', ...(await ctx.changeDeps()), occupancy: ctx.occupancy,
        concurrency: wholeNumberOption(o.concurrency, '--concurrency'),
        receipts: { provider: (m) => new CashPaymentProvider({ name: m.provider }), token: (m, id, cur) => formatCashReceiptToken({ reservationId: id, amountMinor: m.amountMinor, currency: cur }, m.provider) },
      }, readBookingFile(bytes, 'csv'));
      const seconds = (performance.now() - t1) / 1000;
      ctx.out.result({ ...report.summary, rows, spots, setupMs: Math.round(setupMs), seconds: Math.round(seconds * 100) / 100, perSecond: Math.round(rows / seconds) }, (d) => renderFields([
        ['import', `${d.rows} rows in ${d.seconds} s (${d.perSecond}/s), ${o.concurrency} in flight`],
        ['result', `${d.booked} booked, ${d.existing} existing, ${d.refused} refused, ${d.malformed} malformed`],
        ['setup', `${d.setupMs} ms (scratch lot of ${d.spots} spots; dropped after)`],
      ]));
    }, cmd));

  bench.command('capacity')
    .description('capacity check p50/p99 from the cache, from the database, and with Redis paused, on generated lots')
    .option('--lots <n>', 'scratch lots', '50')
    .option('--spots <n>', 'spots per lot', '2000')
    .option('--reservations <n>', 'reservations per lot', '100000')
    .option('--checks <n>', 'checks per mode', '500')
    .option('--load-concurrency <n>', 'lots loaded at once (one connection each)', '2')
    .option('--keep', 'keep the scratch lots afterwards (prints their prefix for --reuse)')
    .option('--reuse <prefix>', 'time checks on lots kept by an earlier --keep run instead of making new ones')
    .action((o: { lots: string; spots: string; reservations: string; checks: string; loadConcurrency: string; keep?: boolean; reuse?: string }, cmd: Command) => run(async (ctx) => {
      const [lotCount, spots, perLot, checks] = [wholeNumberOption(o.lots, '--lots'), wholeNumberOption(o.spots, '--spots'), wholeNumberOption(o.reservations, '--reservations'), wholeNumberOption(o.checks, '--checks')];
      const loadConcurrency = wholeNumberOption(o.loadConcurrency, '--load-concurrency');
      const pool = await ctx.pool();
      const t0 = performance.now();
      let ids: number[];
      const prefix = o.reuse?.toUpperCase() ?? scratchCode('CAP');
      const kept = Boolean(o.keep || o.reuse);
      if (o.reuse) {
        ids = await scratchLotIds(ctx, prefix);
      } else {
        const first = await createBenchLot(pool, `${prefix}-A`, spots);
        ids = [first, ...(await cloneBenchLots(pool, first, prefix, lotCount - 1))];
        if (!o.keep) ctx.onClose(async () => { for (const id of ids) await dropLot(pool, id); });
        const now = ctx.clock.now();
        await forEachConcurrently(ids, loadConcurrency, (id) => insertCapacityBenchBookings(pool, id, perLot, now));
        // What autovacuum does after a bulk load (done here: it may be off on a bench server). Plans from real
        // statistics; and spot_days, which the load rewrote a few times per row, without its dead versions
        // (a day's worth of bookings leaves the same once autovacuum has run).
        await pool.query('analyze reservations');
        await pool.query('vacuum (analyze) spot_days');
      }
      const setupMs = performance.now() - t0;
      const lots = await Promise.all(ids.map(async (id) => loadLot(pool, (await pool.query<{ code: string }>('select code from lots where lot_id = $1::integer', [id])).rows[0]!.code)));
      const { rows: [stored] } = await pool.query<{ n: number }>(`select count(*)::integer as n from reservations where lot_id = any ($1::integer[])`, [ids]);
      const lotSpots = lots[0]!.spotRanges.get('regular')?.count ?? spots;
      const queries = capacityQueries(checks, ids.length, benchFutureHours(stored!.n / ids.length / lotSpots), ctx.clock.now().getTime());

      const database = await timeChecks(ctx, lots, queries, undefined);
      const redis = await startRedis(ctx);
      let cache: Timing | null = null;
      let roundTrip: Timing | null = null;
      let paused: Timing | null = null;
      let leaseMs = 0;
      if (redis) {
        const { RedisCapacityCache } = await import('../drivers/redis/index.js');
        const rc = new RedisCapacityCache(redis.url, { logger: ctx.logger });
        const rt = new RedisCapacityCache(redis.url, { logger: ctx.logger, nearCache: false });
        ctx.onClose(async () => { await rc.close(); await rt.close(); });
        leaseMs = rc.nearCacheLeaseMs();
        const timed = await timeCachedChecks(ctx, lots, queries, 1_000, rc, { cache: rc, roundTrip: rt });
        cache = timed.cache!;
        roundTrip = timed.roundTrip!;
        redis.child.kill('SIGSTOP');
        await sleep(leaseMs + 100); // the near cache trusts itself only while Redis answers its heartbeat
        paused = await timeChecks(ctx, lots, queries, rc);
      }
      const fmt = (m: Timing | null) => (m ? `p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms (${m.cache} from cache, ${m.database} from the database; node CPU ${m.nodeCpuUsPerCheck} us a check)` : 'not measured: no redis-server on PATH');
      ctx.out.result({ lots: ids.length, spots: lotSpots, reservations: stored!.n, prefix, kept, setupMs: Math.round(setupMs), loadedPerSecond: o.reuse ? null : Math.round(stored!.n / (setupMs / 1000)),
        database, cache, cacheRoundTrip: roundTrip, redisPaused: paused, nearCacheLeaseMs: leaseMs }, (d) => renderFields([
        ['data', `${d.lots} lots x ${d.spots} spots, ${d.reservations} reservations in all (${d.prefix}${d.kept ? `, kept: --reuse ${d.prefix}` : ', dropped after'})`],
        ['setup', o.reuse ? 'reused' : `${Math.round(d.setupMs / 1000)} s (${d.loadedPerSecond} reservations/s, triggers and constraints on)`],
        ['database', fmt(d.database)], ['cache', fmt(d.cache)], ['cache, round trip', fmt(d.cacheRoundTrip)],
        ['redis paused', `${fmt(d.redisPaused)}${d.redisPaused ? `, timed after the near cache's ${d.nearCacheLeaseMs} ms lease` : ''}`],
      ]));
    }, cmd));
}
