// The server tools, run as the server account: initdb once, then pg_ctl start/stop. pg_ctl start
// daemonizes the postmaster (setsid, output to our log file), so the server outlives the parkctl
// process that started it and the dashboard, the gate daemon and the sweepers share it.
import fs from 'node:fs/promises';
import path from 'node:path';
import { ExternalError } from '../../core/errors.js';
import { writeHostBasedAuth } from './access.js';
import { writePasswordFileFor } from './credentials.js';
import type { ClusterState } from './layout.js';
import { runCommand, type RunAs } from './run-as.js';

const service = 'embedded PostgreSQL';
/** seconds pg_ctl waits for the server to come up or go down */
const pgCtlWaitSeconds = 60;
/** the initdb superuser; logs in with the password in <home>/credentials/postgres (access.ts) */
export const superuser = 'postgres';

/**
 * Settings for a dev/edge box (2 cores, a few GB): enough connections for a dashboard, a gate
 * daemon, sweepers and a 16-client benchmark; durable commits (invariant 6: nothing acknowledged
 * is lost); reachable only from this machine.
 */
const serverSettings = `# written by parkctl; overrides postgresql.conf
listen_addresses = '127.0.0.1'
max_connections = 200
shared_buffers = 256MB
effective_cache_size = 1GB
work_mem = 8MB
maintenance_work_mem = 128MB
max_wal_size = 2GB
timezone = 'UTC'
log_timezone = 'UTC'
log_min_messages = warning
log_checkpoints = off
`;

/** chowns a folder we (root) created to the server account; a no-op when not root. */
export async function giveToServerAccount(dir: string, runAs: RunAs | null, mode: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  if (runAs) await fs.chown(dir, runAs.uid, runAs.gid);
  await fs.chmod(dir, mode);
}

export async function isInitialised(dataDir: string): Promise<boolean> {
  return fs.access(path.join(dataDir, 'PG_VERSION')).then(() => true, () => false);
}

/**
 * initdb into a staging folder, configure, then rename to dataDir: a crash mid-initdb leaves only
 * a staging folder that the next attempt deletes, never a half cluster that looks initialised.
 */
export async function initCluster(binDir: string, state: ClusterState, runAs: RunAs | null, superuserPassword: string): Promise<void> {
  const stagingPrefix = `${path.basename(state.dataDir)}.initdb-`;
  for (const leftover of await fs.readdir(path.dirname(state.dataDir))) {
    if (leftover.startsWith(stagingPrefix)) await fs.rm(path.join(path.dirname(state.dataDir), leftover), { recursive: true, force: true });
  }
  const staging = path.join(path.dirname(state.dataDir), `${stagingPrefix}${process.pid}`);
  // The superuser has its password from the first moment: the cluster never trusts anyone.
  const passwordFile = await writePasswordFileFor(path.dirname(state.dataDir), superuserPassword, runAs);
  const result = await runCommand(path.join(binDir, 'initdb'), [
    '-D', staging, '-U', superuser, '-E', 'UTF8', '--locale=C',
    // The builtin provider gives C.UTF-8 semantics without depending on the OS's locales.
    '--locale-provider=builtin', '--builtin-locale=C.UTF-8',
    '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', `--pwfile=${passwordFile}`, '--no-instructions',
  ], { runAs }).finally(() => fs.rm(passwordFile, { force: true }));
  if (result.code !== 0) {
    await fs.rm(staging, { recursive: true, force: true });
    const diskFull = /No space left on device/i.test(result.output);
    throw new ExternalError(service, `initdb failed: ${lastLines(result.output, 3)}`, {
      hint: diskFull ? `Free disk space under ${state.clusterDir} and try again.` : `Check that ${state.clusterDir} is writable by ${runAs?.user ?? 'this user'}.`,
    });
  }
  await fs.writeFile(path.join(staging, 'parkctl.conf'), serverSettings);
  await fs.appendFile(path.join(staging, 'postgresql.conf'), "\ninclude 'parkctl.conf'\n");
  await writeHostBasedAuth(staging, runAs);
  if (runAs) {
    for (const file of ['parkctl.conf', 'postgresql.conf']) {
      await fs.chown(path.join(staging, file), runAs.uid, runAs.gid);
    }
  }
  await fs.rename(staging, state.dataDir);
}

/** Quotes for the /bin/sh command line pg_ctl builds from -o. */
const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** port-in-use: move to another port; old-server-exiting: a crashed server's processes are still going away, retry shortly */
export type StartFailure = 'port-in-use' | 'old-server-exiting' | 'other';

/** pg_ctl start -w. Returns null on success, else why it failed (the caller may retry on another port). */
export async function startCluster(binDir: string, state: ClusterState, runAs: RunAs | null): Promise<{ failure: StartFailure; detail: string } | null> {
  const logOffset = await fs.stat(state.logFile).then((stat) => stat.size, () => 0);
  const result = await runCommand(path.join(binDir, 'pg_ctl'), [
    'start', '-w', '-t', String(pgCtlWaitSeconds), '-D', state.dataDir, '-l', state.logFile,
    '-o', `-p ${state.port} -k ${shellQuote(state.socketDir)}`,
  ], { runAs, detached: true });
  if (result.code === 0) return null;
  const log = await readLogSince(state.logFile, logOffset);
  const failure: StartFailure = /Address already in use|could not create any TCP\/IP sockets/i.test(log) ? 'port-in-use'
    : /pre-existing shared memory block .* still in use|lock file "postmaster.pid" already exists/i.test(log) ? 'old-server-exiting'
      : 'other';
  return { failure, detail: lastLines(`${result.output}\n${log}`, 4) };
}

/** pg_ctl stop -m fast: open sessions are rolled back, committed data is safe. */
export async function stopCluster(binDir: string, state: ClusterState, runAs: RunAs | null): Promise<void> {
  const result = await runCommand(path.join(binDir, 'pg_ctl'), [
    'stop', '-w', '-t', String(pgCtlWaitSeconds), '-m', 'fast', '-D', state.dataDir,
  ], { runAs });
  if (result.code !== 0 && !/Is server running\?/.test(result.output)) {
    throw new ExternalError(service, `pg_ctl stop failed: ${lastLines(result.output, 2)}`, {
      hint: `See ${state.logFile}.`,
    });
  }
}

export function startFailureError(state: ClusterState, detail: string): ExternalError {
  const diskFull = /No space left on device/i.test(detail);
  return new ExternalError(service, `the server did not start: ${detail}`, {
    hint: diskFull ? `Free disk space under ${state.clusterDir}, then retry.` : `Read ${state.logFile} for the cause.`,
  });
}

/** What this start attempt wrote to the log (older failures must not be mistaken for this one). */
async function readLogSince(logFile: string, offset: number): Promise<string> {
  const text = await fs.readFile(logFile).catch(() => Buffer.alloc(0));
  return text.subarray(offset).toString('utf8').slice(-4000);
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}
