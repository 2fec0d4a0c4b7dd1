// `gate-daemon status`: the journal read without opening it for writing (the daemon may be running
// and own it), and the gate's heartbeat when the database answers.
import '../pg-stream.js';
import pg from 'pg';
import type { GateDaemonConfig } from '../../core/gate-daemon/config.js';
import { selectGateLot } from '../../core/sql/gate.js';
import { selectGateHeartbeat, type GateHeartbeatRow } from '../../core/sql/gate-control.js';
import { listSegments, readSegment, readSyncedMark } from '../journal/journal-files.js';
import { fetchGateFigures, type GateLiveFigures } from './metrics-summary.js';

export interface GateStatus {
  lot: string;
  gate: string;
  journalDir: string;
  journalLastSeq: number;
  journalSyncedSeq: number;
  unsynced: number;
  database: 'reachable' | 'unreachable';
  databaseError: string | null;
  heartbeat: GateHeartbeatRow | null;
  /** where the daemon serves metrics (null: off) */
  metricsListen: string | null;
  /** the running daemon's figures, from its /metrics.json */
  live: GateLiveFigures | null;
  liveError: string | null;
}

export async function readGateStatus(config: GateDaemonConfig, databaseUrl: string): Promise<GateStatus> {
  let synced = 0;
  let last = 0;
  let unsynced = 0;
  try {
    synced = await readSyncedMark(config.journalDir);
    last = synced;
    for (const seg of await listSegments(config.journalDir)) {
      for (const e of await readSegment(seg.path)) {
        last = Math.max(last, e.seq);
        if (e.seq > synced) unsynced++;
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const status: GateStatus = {
    lot: config.lot, gate: config.gate, journalDir: config.journalDir, journalLastSeq: last, journalSyncedSeq: synced, unsynced,
    database: 'unreachable', databaseError: null, heartbeat: null, metricsListen: config.metricsListen ?? null, live: null, liveError: null,
  };
  if (config.metricsListen) {
    const live = await fetchGateFigures(config.metricsListen);
    if (typeof live === 'string') status.liveError = live;
    else status.live = live;
  }
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000, query_timeout: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const lot = await selectGateLot(client, config.lot);
    status.database = 'reachable';
    status.heartbeat = lot ? await selectGateHeartbeat(client, lot.lot_id, config.gate) : null;
  } catch (err) {
    status.databaseError = (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
  return status;
}
