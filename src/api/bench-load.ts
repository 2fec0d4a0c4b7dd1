// `parkctl bench api`: the real API server (`parkctl api serve`, its own process, `--workers N` of them)
// on a free port, driven over HTTP by autocannon in this process with N connections, on a scratch copy
// of a lot; then the overlap checker. Profiles: spread (any quarter hour of the coming week) and rush
// (everyone wants one morning; when it is full the rush moves to the next day) post reservations;
// availability asks the free count and price of spread windows. CPU per request is the server's
// processes' and their PostgreSQL backends' (from /proc), not this load generator's.
import { randomBytes } from 'node:crypto';
import { createApiKey } from '../core/api-keys.js';
import { deleteApiKey } from '../core/sql/api-keys.js';
import { loadLot } from '../core/lots/lot.js';
import type { Clock, PoolLike } from '../core/ports.js';
import { countOverlaps } from '../core/sql/reservations.js';
import { cloneLot, dropLot, prepareDays } from '../core/sql/scratch-lots.js';
import { machineCpuBetween, machineCpuReport, sampleMachineCpu, type MachineCpuReport } from '../drivers/machine-cpu.js';
import { startBenchServer } from './bench-server.js';

export type ApiLoadProfile = 'rush' | 'spread' | 'availability' | 'availability-spread';

export interface ApiBenchOptions {
  lotCode: string;
  clients: number;
  seconds: number;
  profile: ApiLoadProfile;
  groupCommit: boolean;
  /** group-commit statements at once (`api serve --batches-in-flight`; its default when absent) */
  batchesInFlight?: number | undefined;
  /** API processes (`api serve --workers`) */
  workers: number;
  clock: Clock;
  /** the database the server connects to (the scratch lot is made in it) */
  databaseUrl: string;
  cpuProfileDir?: string | undefined;
}

export interface ApiBenchResult {
  lot: string;
  scratchLot: string;
  profile: ApiLoadProfile;
  clients: number;
  seconds: number;
  groupCommit: boolean;
  workers: number;
  /** answers per second (all statuses) */
  requestsPerSecond: number;
  reservations: number;
  perSecond: number;
  /** autocannon's, over every answer of the run */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** answers by HTTP status (201 booked, 409 refused: no spot free, ...) */
  byStatus: Record<string, number>;
  /** connection errors and timeouts */
  errors: number;
  overlaps: number;
  /** CPU ms per reservation (availability: per answer): the server's processes, their PostgreSQL backends, and this load generator (autocannon) */
  cpuMsPer: { server: number | null; postgres: number | null; loadGenerator: number };
  /**
   * The whole machine over the run (/proc/stat: the server, PostgreSQL, this load generator, the kernel):
   * the share of its CPUs busy and its CPU ms per reservation. null when PostgreSQL is on another host.
   */
  machine: (MachineCpuReport & {
    /**
     * the server's PostgreSQL backends' CPU over the run's wall time, in CPUs (0.7: 70% of one). With one
     * group-commit batch in flight the batches run one at a time, whichever connection carries each: one
     * CPU is their ceiling.
     */
    postgresCpus: number;
  }) | null;
  /** the server's group-commit counts over the run (from /metrics; null without group commit or with several processes) */
  batching: { batches: number; calls: number; setBased: number; fallbacks: number } | null;
}

interface AutocannonResult {
  latency: { p50: number; p90: number; p99: number; max: number };
  statusCodeStats?: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const dayMs = 86_400_000;
const quarterMs = 900_000;

/** CPU ms of this database's backends with the server's application name (from /proc), by pid. */
async function backendTicks(pool: PoolLike): Promise<Map<number, number> | null> {
  const { rows } = await pool.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and application_name = 'parkctl' and backend_type = 'client backend'`);
  const out = new Map<number, number>();
  const { readFile } = await import('node:fs/promises');
  for (const r of rows) {
    const text = await readFile(`/proc/${r.pid}/stat`, 'utf8').catch(() => null);
    if (text === null) return null; // the server is on another host
    const f = text.slice(text.lastIndexOf(') ') + 2).split(' ');
    out.set(r.pid, ((Number(f[11]) + Number(f[12])) * 1000) / 100);
  }
  return out;
}

function backendCpuDelta(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (!before || !after) return null;
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

type GroupCommitCounts = NonNullable<ApiBenchResult['batching']>;

/** The group-commit gauges of one server process's /metrics, or null when it has none. */
async function groupCommitCounts(url: string): Promise<GroupCommitCounts | null> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text()).catch(() => '');
  const read = (what: string) => {
    const m = new RegExp(`^parkctl_api_group_commit\\{what="${what}"\\} (\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  const batches = read('batches');
  if (batches === null) return null;
  return { batches, calls: read('calls') ?? 0, setBased: read('set_based') ?? 0, fallbacks: read('fallbacks') ?? 0 };
}

export async function runApiBench(pool: PoolLike, o: ApiBenchOptions): Promise<ApiBenchResult> {
  const source = await loadLot(pool, o.lotCode);
  const scratchCode = `BENCH-${randomBytes(3).toString('hex').toUpperCase()}`;
  const lotId = await cloneLot(pool, source.lotId, scratchCode);
  const { key, secret } = await createApiKey(pool, o.clock, { name: `bench-${scratchCode.toLowerCase()}`, scope: 'operator', lotCodes: [scratchCode] });
  try {
    const lot = await loadLot(pool, scratchCode);
    const dayStartMs = Math.floor(o.clock.now().getTime() / dayMs) * dayMs;
    const horizonDays = o.profile === 'rush' ? Math.ceil((o.seconds * 4_000) / Math.max(1, lot.spotRanges.get('regular')?.count ?? 1)) + 2 : 9;
    await prepareDays(pool, lotId, new Date(dayStartMs), new Date(dayStartMs + (horizonDays + 1) * dayMs));
    // What autovacuum does on a server that runs it (it may be off on a bench server, as on this project's
    // CI machine): the rows earlier runs' scratch lots left dead are vacuumed away, so this run is not
    // measured against them (half a million dead bookings in the exclusion indexes, after a session of runs,
    // took spread from about 2,400 to 2,000 reservations/s), and statistics know the scratch lot.
    await pool.query('vacuum (analyze) reservations, events, spot_days, spots');
    const server = await startBenchServer({ databaseUrl: o.databaseUrl, workers: o.workers, groupCommit: o.groupCommit, batchesInFlight: o.batchesInFlight, cpuProfileDir: o.cpuProfileDir });
    let rushDay = 1;
    let seq = 0;
    // windows are whole quarter hours: each instant's ISO text is made once, not twice per request (the load
    // generator's CPU is reported beside the server's)
    const isoTexts = new Map<number, string>();
    const iso = (ms: number) => {
      let text = isoTexts.get(ms);
      if (text === undefined) isoTexts.set(ms, (text = new Date(ms).toISOString()));
      return text;
    };
    const windowFor = () => {
      if (o.profile === 'rush') {
        const base = dayStartMs + rushDay * dayMs;
        return { fromMs: base + 8 * 3_600_000 + Math.floor(Math.random() * 9) * quarterMs, toMs: base + 12 * 3_600_000 + Math.floor(Math.random() * 25) * quarterMs, day: rushDay };
      }
      const start = dayStartMs + dayMs + Math.floor(Math.random() * 7 * 96) * quarterMs;
      return { fromMs: start, toMs: start + (1 + Math.floor(Math.random() * 16)) * quarterMs, day: 0 };
    };
    const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
    // availability: what apps ask most, windows on the hour in the next 3 days, 1, 2, 3, 4 or 8 hours long
    // (360 of them); availability-spread: the spread profile's windows (any quarter hour of the week, 10,752)
    const popularWindow = () => {
      const start = dayStartMs + dayMs + Math.floor(Math.random() * 72) * 3_600_000;
      return { fromMs: start, toMs: start + [1, 2, 3, 4, 8][Math.floor(Math.random() * 5)]! * 3_600_000 };
    };
    // setupRequest gets autocannon's own fresh copy of the request each time: it is filled in, not copied again
    const request = o.profile === 'availability' || o.profile === 'availability-spread'
      ? {
        method: 'GET', headers,
        setupRequest: (req: Record<string, unknown>) => {
          const w = o.profile === 'availability' ? popularWindow() : windowFor();
          req.path = `/v1/lots/${scratchCode}/availability?type=regular&from=${iso(w.fromMs)}&to=${iso(w.toMs)}`;
          return req;
        },
      }
      : {
        method: 'POST', path: '/v1/reservations', headers,
        setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
          const w = windowFor();
          context.day = w.day;
          req.body = JSON.stringify({ lot: scratchCode, type: 'regular', from: iso(w.fromMs), to: iso(w.toMs), plate: `BN${(seq++).toString(36).toUpperCase()}`, customerRef: 'bench' });
          return req;
        },
        // only the rush reads answers: with an onResponse autocannon turns every answer's headers into an object
        ...(o.profile === 'rush' ? {
          onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
            if (status === 409 && context.day === rushDay) rushDay++; // the morning is full: the rush moves on
          },
        } : {}),
      };
    try {
      const autocannon = (await import('autocannon')).default as unknown as Autocannon;
      // a short warm-up: the server's pool connects and its statements get prepared before the clock starts
      await autocannon({ url: server.url, connections: Math.min(8, o.clients), duration: 1, pipelining: 1, requests: [request] });
      const serverBefore = await server.cpuMs();
      const startedMs = performance.now();
      const pgBefore = await backendTicks(pool);
      const gcBefore = o.workers === 1 ? await groupCommitCounts(server.url) : null;
      const loadBefore = process.cpuUsage();
      const machineBefore = await sampleMachineCpu();
      const result = await autocannon({ url: server.url, connections: o.clients, duration: o.seconds, pipelining: 1, requests: [request] });
      const machine = machineCpuBetween(machineBefore, await sampleMachineCpu());
      const load = process.cpuUsage(loadBefore);
      const serverAfter = await server.cpuMs();
      const pgAfter = await backendTicks(pool);
      const wallMs = performance.now() - startedMs;
      const gcAfter = gcBefore ? await groupCommitCounts(server.url) : null;
      const byStatus = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([s, v]) => [s, v.count]));
      const answered = Object.values(byStatus).reduce((a, b) => a + b, 0);
      const counted = o.profile.startsWith('availability') ? (byStatus['200'] ?? 0) : (byStatus['201'] ?? 0);
      const per = Math.max(1, counted);
      const pgMs = backendCpuDelta(pgBefore, pgAfter);
      return {
        lot: source.code, scratchLot: scratchCode, profile: o.profile, clients: o.clients, seconds: result.duration, workers: o.workers,
        // as the server ran (on Citus it does not group-commit, and its /metrics has no batch counts)
        groupCommit: o.groupCommit && (o.workers !== 1 || gcBefore !== null),
        requestsPerSecond: Math.round(answered / result.duration),
        reservations: counted, perSecond: Math.round(counted / result.duration), latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
        byStatus, errors: result.errors + result.timeouts, overlaps: await countOverlaps(pool),
        cpuMsPer: {
          server: serverBefore !== null && serverAfter !== null ? round3((serverAfter - serverBefore) / per) : null,
          postgres: pgMs !== null ? round3(pgMs / per) : null,
          loadGenerator: round3((load.user + load.system) / 1000 / per),
        },
        machine: machine && pgMs !== null ? { ...machineCpuReport(machine, per), postgresCpus: round3(pgMs / wallMs) } : null,
        batching: gcBefore && gcAfter ? {
          batches: gcAfter.batches - gcBefore.batches, calls: gcAfter.calls - gcBefore.calls,
          setBased: gcAfter.setBased - gcBefore.setBased, fallbacks: gcAfter.fallbacks - gcBefore.fallbacks,
        } : null,
      };
    } finally {
      await server.stop();
    }
  } finally {
    await deleteApiKey(pool, key.key_id);
    await dropLot(pool, lotId);
  }
}
