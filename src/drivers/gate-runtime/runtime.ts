// One gate daemon, assembled: journal + persisted allow-list + decisions + sync + LISTEN + systemd.
// `parkctl gate-daemon run`, the crash test's child and the bench all start it through here; tests
// pass their own barrier and inputs (MockBarrier, MockGateInputSource) instead of real hardware.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { GateDaemonConfig } from '../../core/gate-daemon/config.js';
import { armingMode } from '../../core/gate-daemon/config.js';
import { GateDaemon } from '../../core/gate-daemon/daemon.js';
import { LocalAllowList } from '../../core/gate-daemon/local-allow-list.js';
import { recoverFromJournal } from '../../core/gate-daemon/recover.js';
import { PgGateStore, type GateStore } from '../../core/gate-daemon/store.js';
import { GateSync } from '../../core/gate-daemon/sync.js';
import type { AllowListSnapshot } from '../../core/gate/allow-list.js';
import type { Barrier, GateEventRecord, GateInputSource, Sign, TicketIssuer } from '../../core/gate/ports.js';
import type { Clock, Logger } from '../../core/ports.js';
import { FileGateJournal } from '../journal/file-journal.js';
import { createPool } from '../postgres.js';
import { gateCommandsChannel, PgListener } from './pg-listener.js';
import { AllowListFile, loadPersistedAllowList } from './snapshot-file.js';
import { SystemdNotifier } from './systemd.js';

export interface GateRuntimeOptions {
  config: GateDaemonConfig;
  /** the parkctl_gate role's URL (resolved by the command) */
  databaseUrl: string;
  barrier: Barrier | null;
  inputs: readonly GateInputSource[];
  sign?: Sign | null;
  printer?: TicketIssuer | null;
  clock: Clock;
  logger: Logger;
  /** $NOTIFY_SOCKET; null: not under systemd */
  notifySocket?: string | null;
  /** replaces the PostgreSQL store (bench: an unreachable database) */
  store?: GateStore;
  /** no LISTEN connection (bench, or a store that is not PostgreSQL) */
  listen?: boolean;
  onJournaled?: (seq: number, record: GateEventRecord) => void;
}

export interface GateRuntime {
  daemon: GateDaemon;
  sync: GateSync;
  journal: FileGateJournal;
  allowList: LocalAllowList;
  stop(): Promise<void>;
}

function emptySnapshot(lotCode: string): AllowListSnapshot {
  // Nothing known yet: every decision fails closed until the database answers once.
  return {
    policy: { lotCode, earlyEntryGraceMinutes: 0, walkInsAllowed: false, freeSpots: 0, overstaySlotMinutes: 15, ratePerHourMinor: 0 },
    syncedAt: new Date(0), reservations: [], openVisits: [],
  };
}

export async function startGateRuntime(o: GateRuntimeOptions): Promise<GateRuntime> {
  const { config, clock, logger } = o;
  const persisted = await loadPersistedAllowList(config.journalDir);
  // The saved allow-list holds what was synced up to its seq; the journal keeps every record after it.
  let savedSeq = persisted?.syncedSeq ?? 0;
  const { journal, recovery } = await FileGateJournal.open({ dir: config.journalDir, keepAfter: () => savedSeq });
  if (recovery.truncatedBytes || recovery.damagedLines) logger.warn('journal recovered after a crash', { ...recovery });
  // createPool: a connection dropped mid-transaction is an error for the sync to retry, never a crash
  const pool = o.store ? null : createPool(o.databaseUrl, { max: 2, connectTimeoutMs: 3000, queryTimeoutMs: 10_000, applicationName: `parkctl-gate-${config.gate}` });
  const pgStore = o.store ? null : new PgGateStore(pool!, { lotCode: config.lot, gateId: config.gate, direction: config.direction, clock });
  const store = o.store ?? pgStore!;

  const allowList = persisted ? LocalAllowList.fromPersisted(persisted) : new LocalAllowList(emptySnapshot(config.lot), 0);
  // Entries and exits journalled after that snapshot still hold locally, synced or not: a reload since
  // may not have been saved before a crash. (Local decisions are not saved on every car: see below.)
  // Decisions whose barrier never confirmed are journalled void (recover.ts).
  const voided = await recoverFromJournal(allowList, await journal.readAfter(allowList.syncedSeq), journal, clock.now());
  if (voided > 0) logger.warn('decisions void: their barrier never confirmed before the daemon stopped', { voided });
  let sync: GateSync | null = null;
  let daemon: GateDaemon | null = null;
  const laneIdle = () => daemon?.whenIdle() ?? Promise.resolve();
  const file = new AllowListFile(config.journalDir, (err) => logger.error('allow-list not saved', { error: err.message }), {
    beforeWrite: laneIdle, onSaved: (saved) => (savedSeq = saved.syncedSeq),
  });
  const persist = () => file.save(() => allowList.toPersisted());

  daemon = new GateDaemon(
    { gateId: config.gate, direction: config.direction, arming: armingMode(config), pulseMs: config.pulseMs, minPlateConfidence: config.minPlateConfidence },
    {
      journal, barrier: o.barrier, inputs: o.inputs, sign: o.sign ?? null, printer: o.printer ?? null, ticketPrefix: config.printer?.ticketPrefix, allowList, clock, logger, newId: randomUUID,
      onJournaled: (seq, record) => {
        o.onJournaled?.(seq, record);
        sync?.kick();
      },
      // Local decisions are not saved here: they are in the journal, replayed above after a restart.
      // Saving the whole list on every car put a second fsync beside the journal's on the lane's path.
    },
  );
  let barrierState = 'unknown';
  o.barrier?.on('state', (s) => (barrierState = s));
  sync = new GateSync(
    { intervalMs: config.syncIntervalSeconds * 1000, refreshMs: config.allowListRefreshSeconds * 1000, horizonHours: config.allowListHorizonHours, host: hostname(), pid: process.pid },
    {
      store, journal, allowList, clock, logger, barrierState: () => barrierState, onInstalled: persist, laneIdle,
      onCommand: (c) => daemon!.manualOpen({ by: c.by, reason: c.reason, commandId: c.commandId }),
    },
  );
  await sync.pass(); // first load and replay push before the lane opens for business (fails soft)
  daemon.start();
  sync.start();

  // parkctl_events says which lot changed (empty: anything may have); other lots' bookings are not ours.
  const ourLot = (payload: string) => {
    const lotId = pgStore?.knownLotId ?? null;
    return !payload || lotId === null || payload === String(lotId);
  };
  const listener = o.listen === false || o.store ? null : new PgListener(o.databaseUrl, (channel, payload) => {
    if (channel === gateCommandsChannel && !payload.endsWith(`:${config.gate}`)) return;
    if (channel === gateCommandsChannel) sync!.kickNow();
    else if (ourLot(payload)) sync!.requestRefresh();
  }, logger);
  listener?.start();

  const systemd = new SystemdNotifier(o.notifySocket ?? null, process.pid);
  await systemd.notify('READY=1');
  const watchdog = systemd.enabled ? setInterval(() => void systemd.notify('WATCHDOG=1'), (config.watchdogSeconds * 1000) / 3) : null;
  logger.info('gate daemon up', {
    lot: config.lot, gate: config.gate, direction: config.direction, journalLastSeq: journal.lastSeq(), journalSynced: journal.syncedUpTo(),
    reservations: allowList.current.reservationCount, online: sync.online,
  });

  let stopped = false;
  return {
    daemon, sync, journal, allowList,
    async stop() {
      if (stopped) return;
      stopped = true;
      await systemd.notify('STOPPING=1');
      if (watchdog) clearInterval(watchdog);
      daemon.stop();
      await listener?.stop();
      await sync!.stop();
      await sync!.pass().catch(() => undefined); // last push, best effort
      await file.flush();
      await journal.close();
      await pool?.end().catch(() => undefined);
    },
  };
}
