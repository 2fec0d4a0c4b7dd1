// `bench import` and `bench capacity`: the scale figures (bulk import speed; capacity p99 from the
// cache, from the database, and with Redis paused). Scratch lots only, dropped afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { percentiles } from '../core/bench/latency.js';
import { benchWindowMs, cloneBenchLots, createBenchLot, insertBenchReservations } from '../core/bulk/bench-data.js';
import { readBookingFile } from '../core/bulk/booking-rows.js';
import { importBookings } from '../core/bulk/import-bookings.js';
import { checkCapacity } from '../core/capacity.js';

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

async function timeChecks(ctx: AppContext, lots: Lot[], queries: { lot: number; startMs: number }[], cache: CapacityCache | undefined) {
  const pool = await ctx.pool();
  const samples: number[] = [];
  const sources = { cache: 0, database: 0 };
  for (const q of queries) {
    const t0 = performance.now();
    const a = await checkCapacity({ db: pool, clock: ctx.clock, cache }, lots[q.lot]!, 'regular', new Date(q.startMs), new Date(q.startMs + benchWindowMs));
    samples.push(performance.now() - t0);
    sources[a.source]++;
  }
  const p = percentiles(samples, [50, 99]);
  return { p50Ms: p.p50!, p99Ms: p.p99!, ...sources };
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
    .action((o: { lots: string; spots: string; reservations: string; checks: string }, cmd: Command) => run(async (ctx) => {
      const [lotCount, spots, perLot, checks] = [wholeNumberOption(o.lots, '--lots'), wholeNumberOption(o.spots, '--spots'), wholeNumberOption(o.reservations, '--reservations'), wholeNumberOption(o.checks, '--checks')];
      const pool = await ctx.pool();
      const fromMs = Math.ceil((ctx.clock.now().getTime() + 24 * hourMs) / (24 * hourMs)) * 24 * hourMs;
      const t0 = performance.now();
      const prefix = scratchCode('CAP');
      const first = await createBenchLot(pool, `${prefix}-A`, spots);
      const ids = [first, ...(await cloneBenchLots(pool, first, prefix, lotCount - 1))];
      ctx.onClose(async () => { for (const id of ids) await dropLot(pool, id); });
      let triggersSkipped = true;
      for (const id of ids) triggersSkipped = (await insertBenchReservations(pool, id, spots, perLot, new Date(fromMs))) && triggersSkipped;
      await pool.query('analyze reservations'); // what autovacuum does after a bulk load: plans from real statistics
      await pool.query('analyze reservations');
      const setupMs = performance.now() - t0;
      const lots = await Promise.all(ids.map(async (id) => loadLot(pool, (await pool.query<{ code: string }>('select code from lots where lot_id = $1::integer', [id])).rows[0]!.code)));
      const windows = Math.max(1, Math.floor(perLot / spots));
      const queries = Array.from({ length: checks }, () => ({ lot: Math.floor(Math.random() * ids.length), startMs: fromMs + Math.floor(Math.random() * windows) * benchWindowMs }));

      const database = await timeChecks(ctx, lots, queries, undefined);
      const redis = await startRedis(ctx);
      let cache: Awaited<ReturnType<typeof timeChecks>> | null = null;
      let paused: Awaited<ReturnType<typeof timeChecks>> | null = null;
      if (redis) {
        const { RedisCapacityCache } = await import('../drivers/redis/index.js');
        const rc = new RedisCapacityCache(redis.url, { logger: ctx.logger });
        ctx.onClose(async () => rc.close());
        await timeChecks(ctx, lots, queries, rc); // fill
        cache = await timeChecks(ctx, lots, queries, rc);
        redis.child.kill('SIGSTOP');
        paused = await timeChecks(ctx, lots, queries, rc);
      }
      const fmt = (m: typeof database | null) => (m ? `p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms (${m.cache} from cache, ${m.database} from the database)` : 'not measured: no redis-server on PATH');
      ctx.out.result({ lots: lotCount, spots, reservationsPerLot: perLot, setupMs: Math.round(setupMs), triggersSkipped, database, cache, redisPaused: paused }, (d) => renderFields([
        ['data', `${d.lots} lots x ${d.spots} spots, ${d.reservationsPerLot} reservations each (${d.lots * d.reservationsPerLot} in all)`],
        ['setup', `${Math.round(d.setupMs / 1000)} s${d.triggersSkipped ? ' (row triggers skipped)' : ''}`],
        ['database', fmt(d.database)], ['cache', fmt(d.cache)], ['redis paused', fmt(d.redisPaused)],
      ]));
    }, cmd));
}
