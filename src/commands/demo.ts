import { join } from 'node:path';
import type { Command } from 'commander';
import type pg from 'pg';
import { playBusyMorning, SimulatedClock, type DemoMove } from '../core/demo/busy-morning.js';
import { importLot } from '../core/lots/import-lot.js';
import { loadLot, type Lot } from '../core/lots/lot.js';
import { hasGateHeartbeats } from '../core/sql/dashboard.js';
import { insertGateEvent } from '../core/sql/gate.js';
import { upsertGateHeartbeat } from '../core/sql/gate-control.js';
import { formatMinorAmount } from '../core/money-format.js';
import { CashPaymentProvider } from '../drivers/cash-payments.js';
import { PgChangeNotifier } from '../drivers/pg-notifier.js';
import type { AppContext } from './context.js';
import { canDrawDashboard } from './dashboard.js';
import { openDemoDatabase } from './demo-database.js';
import type { Run } from './index.js';
import { readLotFile, occupancyColumns } from './lot.js';
import { wholeNumberOption } from './numbers.js';
import { formatTime, renderTable } from './output.js';
import { packageRoot } from '../package-root.js';

export const sampleGarage = join(packageRoot(), 'fixtures', 'city-garage.yaml');

/** Wall time between two moves of the live demo, ms: slow enough to watch each one land. */
const livePaceMs = 1200;
const demoGates = [{ gateId: 'entry-1', direction: 'entry' as const }, { gateId: 'exit-1', direction: 'exit' as const }];

class DemoStopped extends Error {}

/** The sample garage's busiest morning worth watching. */
const maxDemoBookings = 500;

export function registerDemo(program: Command, run: Run): void {
  program.command('demo')
    .description('play a busy morning in the sample garage, in a scratch database of its own (<your database>_demo on the same server, made afresh each run; your data is never touched); on a terminal, watch it live on the dashboard')
    .option('--bookings <n>', `how many bookings the morning brings (1 to ${maxDemoBookings})`, '40')
    .action((o: { bookings: string }, cmd: Command) => run(async (ctx) => {
      const bookings = wholeNumberOption(o.bookings, '--bookings', 1, 40, maxDemoBookings); // before any database is made
      const demo = await openDemoDatabase(ctx);
      const { pool } = demo;
      const imported = await importLot(pool, await readLotFile(sampleGarage), ctx.actor);
      const lot = await loadLot(pool, imported.code);
      if (canDrawDashboard(ctx)) return playLive(ctx, pool, lot, bookings);
      if (!ctx.out.json) ctx.out.note(`${lot.code}: ${lot.name}, ${imported.spots} spots, in the demo's own database ${demo.name} (your data is not touched)`);
      // No Redis (its keys name lots by id, and the demo's ids are not yours) and no card payments.
      const notifier = new PgChangeNotifier(pool, 100, ctx.logger);
      ctx.onClose(() => notifier.flush());
      const morning = await playBusyMorning({
        pool, payments: new CashPaymentProvider(), clock: ctx.clock, cache: undefined, notifier,
        bookings,
        onStep: ctx.out.json ? undefined : (s) => ctx.out.note(`  ${formatTime(s.at, lot.timeZone)}  ${s.text}`),
      }, lot);
      const result = { ...morning, database: demo.name, databaseUrl: demo.url };
      ctx.out.result(result, (r) => [
        '',
        `${r.lotCode} at ${formatTime(r.endedAt, lot.timeZone)} (${lot.timeZone}): ${r.booked} booked, ${r.paid} paid, ${r.arrived} arrived, ${r.departed} left, ${r.overstays} overstayed (${formatMinorAmount(r.dueMinor, lot.currency)} due)`,
        '',
        renderTable(r.occupancy.byZone, [{ header: 'floor', value: (g) => g.floor, align: 'right' }, { header: 'zone', value: (g) => g.key }, ...occupancyColumns]),
        '',
        renderTable(r.occupancy.byType, [{ header: 'vehicle type', value: (g) => g.key }, ...occupancyColumns]),
        '',
        `look around the demo: DATABASE_URL=${r.databaseUrl} parkctl lot show CITY-GARAGE   (or parkctl booking list, parkctl dashboard ...)`,
        'next, on your own database: parkctl lot import fixtures/surface-lot.yaml   parkctl --help',
      ].join('\n'));
    }, cmd));
}

/**
 * The dashboard over a morning that keeps playing in the background on a simulated clock (one
 * move every ~1.2 s; a new morning starts when one ends), with two simulated gates sending
 * heartbeats and events. q stops both.
 */
async function playLive(ctx: AppContext, pool: pg.Pool, lot: Lot, bookings: number): Promise<void> {
  const { runLiveDashboard, screenDeps } = await import('./dashboard-screen.js');
  const deps = { ...(await screenDeps(ctx, pool, { withCache: false })), payments: new CashPaymentProvider() };
  const clock = new SimulatedClock(ctx.clock.now().getTime(), true);
  let stopped = false;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) => new Promise<void>((done) => {
    const timer = setTimeout(done, ms);
    wake = () => { clearTimeout(timer); done(); };
  });
  const pace = async () => {
    if (!stopped) await sleep(livePaceMs);
    if (stopped) throw new DemoStopped();
  };
  const gates = (await hasGateHeartbeats(pool)) ? await simulatedGates(pool, lot, clock) : null;
  const heartbeat = setInterval(() => void gates?.beat().catch((err: Error) => deps.logger.warn('demo heartbeat failed', { error: err.message })), 3000);
  await gates?.beat().catch(() => undefined);
  const morning = (async () => {
    while (!stopped) {
      try {
        await playBusyMorning({
          pool, payments: deps.payments, clock, simulated: clock, cache: undefined, notifier: deps.notifier,
          bookings, pace, onMove: (m) => gates?.move(m) ?? Promise.resolve(),
        }, lot);
      } catch (err) {
        if (err instanceof DemoStopped) return;
        deps.logger.warn('demo morning failed; starting another', { error: err instanceof Error ? err.message : String(err) });
        await sleep(5000);
      }
    }
  })();
  try {
    await runLiveDashboard(ctx, pool, lot, { clock, deps });
  } finally {
    stopped = true;
    clearInterval(heartbeat);
    (wake as (() => void) | null)?.();
    await morning;
  }
}

/** entry-1 and exit-1 as if their daemons ran: heartbeats on the demo clock, one gate event per move. */
async function simulatedGates(pool: pg.Pool, lot: Lot, clock: SimulatedClock) {
  const { rows } = await pool.query<{ gate_id: string; seq: number }>(
    `select gate_id, coalesce(max(seq), 0)::bigint as seq from gate_events where lot_id = $1::integer group by gate_id`, [lot.lotId]);
  const seqs = new Map(demoGates.map((g) => [g.gateId, Number(rows.find((r) => r.gate_id === g.gateId)?.seq ?? 0)]));
  const startedAt = clock.now();
  return {
    async beat(): Promise<void> {
      for (const g of demoGates) {
        await upsertGateHeartbeat(pool, {
          lotId: lot.lotId, gateId: g.gateId, direction: g.direction, host: 'demo', pid: process.pid, startedAt, seenAt: clock.now(),
          journalLastSeq: seqs.get(g.gateId) ?? 0, journalSyncedSeq: seqs.get(g.gateId) ?? 0, barrierState: 'closed', allowListSyncedAt: clock.now(),
        });
      }
    },
    async move(m: DemoMove): Promise<void> {
      const seq = (seqs.get(m.gate) ?? 0) + 1;
      seqs.set(m.gate, seq);
      await insertGateEvent(pool, {
        lotId: lot.lotId, gateId: m.gate, seq, kind: m.kind === 'arrive' ? 'entry' : 'exit', plate: m.plate, credential: null,
        decision: m.overstayMinutes > 0 ? 'overstay_due' : 'allowed', detail: { demo: true }, occurredAt: m.at,
      });
    },
  };
}
