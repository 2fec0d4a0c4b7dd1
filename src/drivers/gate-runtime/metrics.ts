// The gate daemon's /metrics (Prometheus text format, prom-client) and /metrics.json (the same
// figures as JSON, which `gate-daemon status` reads): decisions by outcome and reason, decision and
// barrier-confirmation latency, journal depth, sync lag, barrier faults, input errors and device
// state. Off unless metricsListen / --metrics-listen is given. Every series carries lot and gate
// labels, so one Prometheus scraping twenty lanes tells them apart.
//
// Figures come from the records the daemon journals (onJournaled), from the journal and the sync
// (read when scraped) and from the barrier's own events: nothing is added to the lane's path.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Barrier, BarrierState, GateEventRecord, GateJournal } from '../../core/gate/ports.js';

export interface GateMetricsSources {
  journal: Pick<GateJournal, 'lastSeq' | 'syncedUpTo'>;
  sync: { online: boolean | null; lastSyncAt: Date | null };
  barrier: Barrier | null;
}

const barrierStates: BarrierState[] = ['open', 'closed', 'fault', 'unknown'];

export class GateMetrics {
  readonly registry = new Registry();
  private readonly decisions: Counter<'direction' | 'outcome' | 'reason'>;
  private readonly outcomes: Counter<'direction' | 'outcome'>;
  private readonly decisionSeconds: Histogram<'direction'>;
  private readonly confirmSeconds: Histogram<'direction'>;
  private readonly records: Counter<'kind'>;
  private sources: GateMetricsSources | null = null;
  private startedAt = Date.now();
  /** journalled-at (ms) of records not yet known synced, by seq: the sync lag */
  private readonly unsynced = new Map<number, number>();
  /** decision time (ms) of allowed decisions waiting for their barrier, by seq */
  private readonly pending = new Map<number, number>();
  private barrierState: BarrierState = 'unknown';
  private online: boolean | null = null;

  constructor(labels: { lot: string; gate: string }) {
    const registers = [this.registry];
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry, prefix: 'parkctl_gate_' });
    this.decisions = new Counter({ name: 'parkctl_gate_decisions_total', help: 'decisions since start by direction, outcome (allowed, refused) and reason', labelNames: ['direction', 'outcome', 'reason'], registers });
    this.outcomes = new Counter({ name: 'parkctl_gate_barrier_outcomes_total', help: 'allowed decisions by what the barrier did: confirmed (the car passed) or void (never confirmed)', labelNames: ['direction', 'outcome'], registers });
    this.decisionSeconds = new Histogram({
      name: 'parkctl_gate_decision_seconds', help: 'from the input to its decision on disk', labelNames: ['direction'], registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    });
    this.confirmSeconds = new Histogram({
      name: 'parkctl_gate_barrier_confirm_seconds', help: 'from an allowed decision to its barrier confirmation on disk', labelNames: ['direction'], registers,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    });
    this.records = new Counter({ name: 'parkctl_gate_events_total', help: 'journalled events that are not decisions: fault (barrier faults), input_error, manual_open, barrier (availability)', labelNames: ['kind'], registers });
    for (const kind of ['fault', 'input_error', 'manual_open']) this.records.inc({ kind }, 0);
    // collect() runs with the gauge as `this`: these read the daemon's side
    const journal = () => this.sources?.journal;
    const sync = () => this.sources?.sync;
    const lag = () => this.syncLagSeconds();
    const device = () => this.online;
    const state = () => this.barrierState;
    new Gauge({
      name: 'parkctl_gate_journal_depth', help: 'journalled events not yet in the database', registers,
      collect() {
        const j = journal();
        this.set(j ? Math.max(0, j.lastSeq() - j.syncedUpTo()) : 0);
      },
    });
    new Gauge({ name: 'parkctl_gate_sync_lag_seconds', help: 'age of the oldest event not yet in the database (0: all synced)', registers, collect() { this.set(lag()); } });
    new Gauge({
      name: 'parkctl_gate_database_reachable', help: '1 reachable, 0 not (deciding from the local allow-list), -1 not tried yet', registers,
      collect() { this.set(tri(sync()?.online ?? null)); },
    });
    new Gauge({
      name: 'parkctl_gate_last_sync_age_seconds', help: 'since the last sync pass that reached the database (-1: none yet)', registers,
      collect() {
        const at = sync()?.lastSyncAt;
        this.set(at ? Math.max(0, (Date.now() - at.getTime()) / 1000) : -1);
      },
    });
    new Gauge({ name: 'parkctl_gate_device_online', help: 'the barrier device: 1 online, 0 offline, -1 not reported', labelNames: ['device'], registers, collect() { this.set({ device: 'barrier' }, tri(device())); } });
    new Gauge({
      name: 'parkctl_gate_barrier_state', help: '1 for the barrier\'s last reported state', labelNames: ['state'], registers,
      collect() { for (const s of barrierStates) this.set({ state: s }, s === state() ? 1 : 0); },
    });
  }

  /** The runtime is up: read its journal and sync when scraped, follow its barrier. */
  attach(sources: GateMetricsSources): void {
    this.sources = sources;
    this.startedAt = Date.now();
    const b = sources.barrier;
    if (!b) return;
    // a retained "online" may have arrived before anyone listened: drivers that keep it say so
    const known = (b as { availability?: unknown }).availability;
    if (known === 'online' || known === 'offline') this.online = known === 'online';
    this.barrierState = (b as { state?: BarrierState }).state ?? 'unknown';
    b.on('availability', (a) => (this.online = a === 'online'));
    b.on('state', (s) => (this.barrierState = s));
  }

  /** Pass to the runtime's onJournaled. */
  readonly onJournaled = (seq: number, record: GateEventRecord): void => {
    const now = Date.now();
    this.unsynced.set(seq, now);
    const at = Date.parse(record.occurredAt);
    const direction = record.kind.replace(/_(confirmed|void)$/, '');
    if ((record.kind === 'entry' || record.kind === 'exit') && record.decision) {
      this.decisions.inc({ direction, outcome: record.allow ? 'allowed' : 'refused', reason: record.decision });
      if (Number.isFinite(at)) this.decisionSeconds.observe({ direction }, Math.max(0, now - at) / 1000);
      if (record.allow && record.detail?.barrier === 'pending') this.pending.set(seq, now);
    } else if (/^(entry|exit)_(confirmed|void)$/.test(record.kind)) {
      const confirmed = record.kind.endsWith('_confirmed');
      this.outcomes.inc({ direction, outcome: confirmed ? 'confirmed' : 'void' });
      const decisionSeq = record.detail?.decisionSeq;
      const decidedAt = typeof decisionSeq === 'number' ? this.pending.get(decisionSeq) : undefined;
      if (decidedAt !== undefined) {
        this.pending.delete(decisionSeq as number);
        if (confirmed) this.confirmSeconds.observe({ direction }, Math.max(0, now - decidedAt) / 1000);
      }
    } else {
      this.records.inc({ kind: record.kind });
    }
  };

  private syncLagSeconds(): number {
    const j = this.sources?.journal;
    if (!j) return 0;
    const synced = j.syncedUpTo();
    for (const seq of this.unsynced.keys()) if (seq <= synced) this.unsynced.delete(seq);
    if (j.lastSeq() <= synced) return 0;
    // events journalled before this process started and still unsynced: at least since the start
    let oldest = this.unsynced.has(synced + 1) ? Number.POSITIVE_INFINITY : this.startedAt;
    for (const t of this.unsynced.values()) oldest = Math.min(oldest, t);
    return Number.isFinite(oldest) ? Math.max(0, (Date.now() - oldest) / 1000) : 0;
  }

  /** Serves GET /metrics and /metrics.json on host:port; resolves with the bound port. */
  async listen(listen: string): Promise<{ port: number; close(): Promise<void> }> {
    const at = listen.lastIndexOf(':');
    const host = listen.slice(0, at).replace(/^\[|\]$/g, '');
    const server: Server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      const send = (status: number, type: string, body: string) => res.writeHead(status, { 'content-type': type }).end(body);
      if (req.method !== 'GET') return send(405, 'text/plain', 'GET only\n');
      if (path === '/metrics') void this.registry.metrics().then((t) => send(200, this.registry.contentType, t), (e: Error) => send(500, 'text/plain', `${e.message}\n`));
      else if (path === '/metrics.json') void this.registry.getMetricsAsJSON().then((j) => send(200, 'application/json', JSON.stringify(j)), (e: Error) => send(500, 'text/plain', `${e.message}\n`));
      else send(404, 'text/plain', 'GET /metrics or /metrics.json\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(listen.slice(at + 1)), host, () => resolve());
    });
    return {
      port: (server.address() as AddressInfo).port,
      close: () => new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    };
  }
}

function tri(v: boolean | null): number {
  return v === null ? -1 : v ? 1 : 0;
}
