// `parkctl bench gate`: lane latency (input frame -> barrier command written) with the database up
// and down, and `--soak`: one vehicle per second for a while, reporting resident memory growth.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { gateRoleUrl } from '../core/gate-daemon/config.js';
import type { PersistedAllowList } from '../core/gate-daemon/local-allow-list.js';
import { loadLot } from '../core/lots/lot.js';
import { cloneLot, dropLot } from '../core/sql/scratch-lots.js';
import type { GateBenchResult } from '../drivers/gate-runtime/bench.js';
import { gateDaemonNodeFlags } from '../drivers/gate-runtime/systemd.js';
import type { Run } from './index.js';
import { wholeNumberOption } from './numbers.js';
import { renderFields } from './output.js';


/**
 * A local allow-list of `n` synthetic bookings (and walk-ins allowed), for the database-down runs; with
 * `permits`, that many all-day permits too (one plate each), and every other vehicle is a permit holder.
 */
function offlineSnapshot(n: number, permits = 0): { plates: string[]; persisted: PersistedAllowList } {
  const now = Date.now();
  const booked = Array.from({ length: n }, (_, i) => `BN${String(i).padStart(6, '0')}`);
  const permitPlates = Array.from({ length: permits }, (_, i) => `PM${String(i).padStart(6, '0')}`);
  // spread over the list, so a lookup is not always the first or last permit
  const plates = permits === 0 ? booked : booked.map((p, i) => (i % 2 === 0 ? p : permitPlates[Math.floor((i * 7919) % permits)]!));
  return {
    plates,
    persisted: {
      version: 1, syncedSeq: 0, effects: [],
      snapshot: {
        policy: {
          lotCode: 'BENCH', earlyEntryGraceMinutes: 15, walkInsAllowed: true, freeSpots: 1_000_000, overstaySlotMinutes: 15, ratePerHourMinor: 200,
          lotState: 'open', permits: { timeZone: 'Europe/London', entryGraceMinutes: 15, paymentGraceDays: 3 },
        },
        syncedAt: new Date(now),
        reservations: booked.map((plate, i) => ({
          reservationId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, plate, start: new Date(now - 3_600_000), end: new Date(now + 86_400_000),
          status: 'CONFIRMED' as const, vehicleType: 'regular', spotLabel: `B-${i}`,
        })),
        openVisits: [],
        permits: permitPlates.map((plate, i) => ({
          permitId: `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`, holder: `Holder ${i}`, plates: [plate], status: 'active' as const,
          validFrom: new Date(now - 86_400_000), validUntil: new Date(now + 365 * 86_400_000), days: [1, 2, 3, 4, 5, 6, 7], fromMinute: 0, toMinute: 1440,
          parks: 1, paidUntil: new Date(now + 30 * 86_400_000), priced: true,
        })),
      },
    },
  };
}

/** Whether this process runs with the V8 flags the systemd unit gives the daemon. */
function hasDaemonFlags(): boolean {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return gateDaemonNodeFlags.every((f) => given.includes(f));
}

/**
 * Runs this same command again under the daemon's V8 flags (heap sizes are fixed when node starts),
 * keeping node's own flags such as --expose-gc; resolves with its exit code.
 */
function rerunWithDaemonFlags(): Promise<number> {
  const nodeOptions = [process.env.NODE_OPTIONS ?? '', ...gateDaemonNodeFlags].join(' ').trim();
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: nodeOptions } });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const show = (r: GateBenchResult) => renderFields([
  ['database', r.database], ['vehicles', `${r.vehicles} (${r.opened} opened) in ${r.seconds} s`],
  ['frame -> OPEN', `p50 ${r.latencyMs.p50} ms, p90 ${r.latencyMs.p90} ms, p99 ${r.latencyMs.p99} ms`],
  ['CPU', `${r.cpuMsPerVehicle} ms per vehicle (whole process, sync included)`],
  ['resident memory', `${r.rssStartMb} MB -> ${r.rssEndMb} MB (growth ${r.rssGrowthMb} MB)`],
  ['live heap', r.heapGrowthMb === null ? 'run node with --expose-gc to see the heap after collection' : `growth ${r.heapGrowthMb} MB after a full collection`],
  ['node flags', r.nodeFlags.join(' ') || '-'],
]);

export function registerBenchGate(bench: Command, run: Run): void {
  bench.command('gate')
    .description('gate lane latency, input frame to barrier command, with the database up and down; --soak for memory')
    .option('--lot <code>', 'lot to copy for the database-up run (a scratch copy, dropped after)')
    .option('--vehicles <n>', 'vehicles per run', '300')
    .option('--gap-ms <ms>', 'pause between vehicles (0: back to back, a burst no lane sees; a lane takes a car every few seconds)', '50')
    .option('--permits <n>', 'that many permits in the allow-list; every other vehicle is a permit holder (database-down run)', '0')
    .option('--soak', 'one vehicle per second (database down: the journal only grows) and report memory growth')
    .option('--duration <s>', 'soak length in seconds', '600')
    .action((o: { lot?: string; vehicles: string; gapMs: string; soak?: boolean; duration: string; permits: string }, cmd: Command) => run(async (ctx) => {
      // Measure what production runs: the daemon's heap limits (gate-daemon install) change both pauses and memory.
      if (!hasDaemonFlags()) {
        ctx.exitCode = await rerunWithDaemonFlags();
        return;
      }
      const { runGateBench } = await import('../drivers/gate-runtime/bench.js');
      if (o.soak) {
        const seconds = wholeNumberOption(o.duration, '--duration');
        const { plates, persisted } = offlineSnapshot(seconds);
        const r = await runGateBench({
          plates, vehicles: seconds, gapMs: 1000, databaseUrl: null, lotCode: 'BENCH', gateId: 'bench-soak', offlineSnapshot: persisted,
          onProgress: (done, rss) => ctx.out.note(`${done} vehicles, rss ${rss} MB`),
        });
        return ctx.out.result(r, show);
      }
      const vehicles = wholeNumberOption(o.vehicles, '--vehicles');
      const permits = wholeNumberOption(o.permits, '--permits', 0, 50000, 1_000_000);
      const { plates, persisted } = offlineSnapshot(vehicles, permits);
      const gapMs = Number(o.gapMs);
      if (!(gapMs >= 0 && gapMs <= 10_000)) throw new UsageError(`--gap-ms "${o.gapMs}" must be 0..10000`, { hint: 'e.g. --gap-ms 50' });
      const down = await runGateBench({ plates, vehicles, gapMs, databaseUrl: null, lotCode: 'BENCH', gateId: 'bench-down', offlineSnapshot: persisted });
      const results: GateBenchResult[] = [down];
      if (o.lot) {
        const pool = await ctx.pool();
        const source = await loadLot(pool, o.lot);
        const code = `BG${Date.now().toString(36).toUpperCase()}`.slice(0, 32);
        const lotId = await cloneLot(pool, source.lotId, code);
        try {
          const { rows } = await pool.query<{ plate: string }>(
            `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
             select $1::integer, 'bench', 'BU' || s.spot_id, s.vehicle_type, s.spot_id, tstzrange(now() - interval '1 hour', now() + interval '1 day', '[)'),
                    'CONFIRMED', 0, $2::char(3), now(), now()
               from spots s where s.lot_id = $1::integer and s.status = 'active' order by s.spot_id limit $3::integer
             returning plate`, [lotId, source.currency, vehicles]);
          const url = gateRoleUrl((pool.options as { connectionString: string }).connectionString);
          results.push(await runGateBench({ plates: rows.map((r) => r.plate), vehicles: rows.length, gapMs, databaseUrl: url, lotCode: code, gateId: 'bench-up' }));
        } finally {
          await pool.query(`delete from gate_heartbeats where lot_id = $1::integer`, [lotId]);
          await pool.query(`delete from gate_commands where lot_id = $1::integer`, [lotId]);
          await dropLot(pool, lotId);
        }
      } else {
        ctx.out.note('database-up run skipped: pass --lot CODE to run it on a scratch copy of a lot');
      }
      ctx.out.result(results, (rs) => rs.map(show).join('\n\n'));
    }, cmd));
}
