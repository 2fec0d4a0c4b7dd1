// `parkctl bench gate`: time from a lane controller's "LOOP A 1" frame arriving on the serial line
// to the OPEN command being written back, through the whole daemon (frame parser, LanePresence,
// decide, journal fsync, barrier driver), with the database up (syncing alongside) or down.
// The serial line is an in-memory link, so only parkctl's own work is measured.
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExternalError } from '../../core/errors.js';
import { percentiles } from '../../core/bench/latency.js';
import { parseGateDaemonConfig } from '../../core/gate-daemon/config.js';
import type { PersistedAllowList } from '../../core/gate-daemon/local-allow-list.js';
import type { GateStore } from '../../core/gate-daemon/store.js';
import { encodeFrame } from '../../core/gate/frame-parser.js';
import { MockGateInputSource } from '../../core/gate/test-doubles.js';
import { silentLogger, systemClock } from '../../core/ports.js';
import { defaultLaneFraming, LaneController } from '../serial/lane-controller.js';
import type { SerialLink } from '../serial/serial-link.js';
import { allowListFileName } from './snapshot-file.js';
import { startGateRuntime } from './runtime.js';

/** The lane controller's serial line, in memory: records when OPEN is written and answers each command. */
class BenchLink extends EventEmitter implements SerialLink {
  isOpen = true;
  onOpenWritten: (() => void) | null = null;
  write(chunk: Buffer, cb?: (e: Error | null | undefined) => void): boolean {
    // A real controller answers every command with its status; so does this one.
    const opening = chunk.includes('OPEN');
    if (opening) this.onOpenWritten?.();
    setImmediate(() => this.emit('data', encodeFrame(opening ? 'ST OPEN' : 'ST CLOSED', defaultLaneFraming)));
    cb?.(null);
    return true;
  }
  close(cb?: (err: Error | null) => void): void {
    this.isOpen = false;
    cb?.(null);
  }
}

const downStore: GateStore = {
  loadSnapshot: () => Promise.reject(new ExternalError('PostgreSQL', 'bench: database down')),
  pushEvents: () => Promise.reject(new ExternalError('PostgreSQL', 'bench: database down')),
  heartbeat: () => Promise.reject(new ExternalError('PostgreSQL', 'bench: database down')),
  takeCommands: () => Promise.reject(new ExternalError('PostgreSQL', 'bench: database down')),
  finishCommand: () => Promise.reject(new ExternalError('PostgreSQL', 'bench: database down')),
};

export interface GateBenchOptions {
  /** plates with a valid reservation, in order; vehicle k presents plates[k % plates.length] */
  plates: string[];
  vehicles: number;
  /** pause between vehicles, ms (0: back to back; 1000 for the soak) */
  gapMs: number;
  /** gate role URL, or null: the database is down */
  databaseUrl: string | null;
  lotCode: string;
  gateId: string;
  /** for the down case: the reservations the persisted allow-list holds */
  offlineSnapshot?: PersistedAllowList;
  /** progress, e.g. every 60 s of a soak */
  onProgress?: (done: number, rssMb: number) => void;
}

export interface GateBenchResult {
  database: 'up' | 'down';
  vehicles: number;
  opened: number;
  latencyMs: Record<string, number>;
  rssStartMb: number;
  rssEndMb: number;
  rssGrowthMb: number;
  /** live JS heap growth after a full collection (run node with --expose-gc), null otherwise: a leak shows here */
  heapGrowthMb: number | null;
  /** CPU time (user + system) of the whole process per vehicle after warm-up, ms: less noisy than latency on a shared machine */
  cpuMsPerVehicle: number;
  /** node and V8 flags this ran under (heap sizes change pauses and resident memory) */
  nodeFlags: string[];
  seconds: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export async function runGateBench(o: GateBenchOptions): Promise<GateBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'parkctl-bench-gate-'));
  const link = new BenchLink();
  const lane = new LaneController(link, { name: 'bench', replyTimeoutMs: 1000 });
  const reads = new MockGateInputSource();
  try {
    if (!o.databaseUrl && o.offlineSnapshot) await writeFile(join(dir, allowListFileName), JSON.stringify(o.offlineSnapshot));
    const config = parseGateDaemonConfig({
      lot: o.lotCode, gate: o.gateId, direction: 'entry', journalDir: dir, barrier: { driver: 'none' }, arming: 'loop', pulseMs: 3000, syncIntervalSeconds: 1,
    }, 'bench');
    const runtime = await startGateRuntime({
      config, databaseUrl: o.databaseUrl ?? 'postgres://down', barrier: lane, inputs: [lane, reads], clock: systemClock, logger: silentLogger,
      ...(o.databaseUrl ? {} : { store: downStore }), listen: false,
    });
    const samples: number[] = [];
    const started = Date.now();
    let rssStart = process.memoryUsage().rss;
    let heapStart = settledHeap();
    let cpuStart = process.cpuUsage();
    let counted = o.vehicles;
    try {
      for (let k = 0; k < o.vehicles; k++) {
        const plate = o.plates[k % o.plates.length]!;
        reads.emitInput({ kind: 'plate', plate, confidence: 0.95, source: 'bench', readId: `b${k}`, at: new Date() });
        const opened = new Promise<number>((resolve) => {
          const timer = setTimeout(() => resolve(-1), 2000);
          link.onOpenWritten = () => {
            clearTimeout(timer);
            resolve(performance.now());
          };
        });
        const t0 = performance.now();
        link.emit('data', encodeFrame('LOOP A 1', defaultLaneFraming));
        const t1 = await opened;
        link.onOpenWritten = null;
        if (t1 >= 0) samples.push(t1 - t0);
        link.emit('data', encodeFrame('LOOP A 0', defaultLaneFraming));
        if (k === 9) {
          heapStart = settledHeap(); // after warm-up
          rssStart = process.memoryUsage().rss;
          cpuStart = process.cpuUsage();
          counted = o.vehicles - 10;
        }
        if (o.gapMs > 0) await new Promise((r) => setTimeout(r, o.gapMs));
        if (o.onProgress && (k + 1) % 60 === 0) o.onProgress(k + 1, mb(process.memoryUsage().rss));
      }
    } finally {
      await runtime.stop();
    }
    const cpu = process.cpuUsage(cpuStart);
    const heapEnd = settledHeap();
    const rssEnd = process.memoryUsage().rss;
    return {
      database: o.databaseUrl ? 'up' : 'down', vehicles: o.vehicles, opened: samples.length,
      latencyMs: percentiles(samples, [50, 90, 99]), rssStartMb: mb(rssStart), rssEndMb: mb(rssEnd), rssGrowthMb: mb(rssEnd - rssStart),
      heapGrowthMb: heapStart !== null && heapEnd !== null ? mb(heapEnd - heapStart) : null,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      cpuMsPerVehicle: Math.round(((cpu.user + cpu.system) / 1000 / Math.max(1, counted)) * 100) / 100,
      nodeFlags: [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)],
    };
  } finally {
    await lane.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Heap in use after a full garbage collection, when node runs with --expose-gc; else null. */
function settledHeap(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  return process.memoryUsage().heapUsed;
}
