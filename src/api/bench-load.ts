// `parkctl bench api`: the real API server (in this process, on a free port) driven over HTTP by
// autocannon with N connections posting reservations into a scratch copy of a lot, then the overlap
// checker. Windows follow `bench reserve`'s profiles: rush (everyone wants one morning; when it is
// full the rush moves to the next day) or spread (any quarter hour of the coming week).
import { randomBytes } from 'node:crypto';
import { createApiKey } from '../core/api-keys.js';
import { deleteApiKey } from '../core/sql/api-keys.js';
import { loadLot } from '../core/lots/lot.js';
import type { Clock, PaymentProvider, PoolLike } from '../core/ports.js';
import { countOverlaps } from '../core/sql/reservations.js';
import { cloneLot, dropLot, prepareDays } from '../core/sql/scratch-lots.js';
import { silentLogger } from '../core/ports.js';
import type { LotChangeFeed } from '../core/dashboard/live.js';
import { buildApi } from './app.js';

export type ApiLoadProfile = 'rush' | 'spread';

export interface ApiBenchOptions {
  lotCode: string;
  clients: number;
  seconds: number;
  profile: ApiLoadProfile;
  groupCommit: boolean;
  clock: Clock;
  payments: PaymentProvider;
}

export interface ApiBenchResult {
  lot: string;
  scratchLot: string;
  profile: ApiLoadProfile;
  clients: number;
  seconds: number;
  groupCommit: boolean;
  reservations: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number };
  /** answers by HTTP status (201 booked, 409 refused: no spot free, ...) */
  byStatus: Record<string, number>;
  /** connection errors and timeouts */
  errors: number;
  overlaps: number;
  /** statements carrying the reservations (group commit), null when off */
  batches: number | null;
}

interface AutocannonResult {
  latency: { p50: number; p99: number };
  statusCodeStats?: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const dayMs = 86_400_000;
const quarterMs = 900_000;

/** Wait (up to 10 s) until every connection is back: autocannon stops mid-request, and a handler whose
 * client left still finishes its booking; dropping the scratch lot under it would deadlock. */
async function settle(pool: PoolLike): Promise<void> {
  const stats = pool as PoolLike & { totalCount?: number; idleCount?: number; waitingCount?: number };
  for (let i = 0; i < 200 && ((stats.waitingCount ?? 0) > 0 || (stats.totalCount ?? 0) !== (stats.idleCount ?? 0)); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

const noFeed: LotChangeFeed = { start() {}, async stop() {} };

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
    await pool.query('analyze spot_days, spots');
    const { app, groupCommit } = await buildApi({
      pool, clock: o.clock, payments: o.payments, logger: silentLogger, changeFeed: () => noFeed, pendingMigrations: async () => 0,
      stripeWebhookSecret: null, limits: { rateMax: 1e9, rateWindowMs: 60_000 }, groupCommit: o.groupCommit ? { maxInFlight: 2, maxBatch: 64 } : false,
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    let rushDay = 1;
    let seq = 0;
    const windowFor = () => {
      if (o.profile === 'rush') {
        const base = dayStartMs + rushDay * dayMs;
        return { from: new Date(base + 8 * 3_600_000 + Math.floor(Math.random() * 9) * quarterMs), to: new Date(base + 12 * 3_600_000 + Math.floor(Math.random() * 25) * quarterMs), day: rushDay };
      }
      const start = dayStartMs + dayMs + Math.floor(Math.random() * 7 * 96) * quarterMs;
      return { from: new Date(start), to: new Date(start + (1 + Math.floor(Math.random() * 16)) * quarterMs), day: 0 };
    };
    try {
      const autocannon = (await import('autocannon')).default as unknown as Autocannon;
      const result = await autocannon({
        url, connections: o.clients, duration: o.seconds, pipelining: 1,
        requests: [{
          method: 'POST', path: '/v1/reservations',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
            const w = windowFor();
            context.day = w.day;
            return { ...req, body: JSON.stringify({ lot: scratchCode, type: 'regular', from: w.from.toISOString(), to: w.to.toISOString(), plate: `BN${(seq++).toString(36).toUpperCase()}`, customerRef: 'bench' }) };
          },
          onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
            if (status === 409 && o.profile === 'rush' && context.day === rushDay) rushDay++; // the morning is full: the rush moves on
          },
        }],
      });
      const byStatus = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([s, v]) => [s, v.count]));
      const reservations = byStatus['201'] ?? 0;
      return {
        lot: source.code, scratchLot: scratchCode, profile: o.profile, clients: o.clients, seconds: result.duration, groupCommit: o.groupCommit,
        reservations, perSecond: Math.round(reservations / result.duration), latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
        byStatus, errors: result.errors + result.timeouts, overlaps: await countOverlaps(pool), batches: groupCommit ? groupCommit.stats.batches : null,
      };
    } finally {
      await app.close();
      await settle(pool);
    }
  } finally {
    await deleteApiKey(pool, key.key_id);
    await dropLot(pool, lotId);
  }
}
