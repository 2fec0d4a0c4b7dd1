// Is our server up? Answered without the server tools (so `parkctl db status` needs no binaries
// and no account switch): the postmaster.pid names a live process, and a connection to the
// recorded port reaches a server whose data_directory is ours (not some other PostgreSQL that
// took the port while ours was down).
import fs from 'node:fs/promises';
import path from 'node:path';
import '../pg-stream.js';
import pg from 'pg';
import { superuser } from './cluster.js';
import type { ClusterState } from './layout.js';

/** ms to wait for a TCP connection to the local server */
const connectTimeoutMs = 3_000;
export const databaseName = 'parkctl';

/** The URL of `database` as `user` (the superuser by default) with its password; null: none (an old trusting cluster). */
export function connectionUrl(port: number, database: string, password: string | null, user: string = superuser): string {
  return `postgres://${user}${password === null ? '' : `:${encodeURIComponent(password)}`}@127.0.0.1:${port}/${database}`;
}

/** The postmaster's pid from postmaster.pid when that process is alive, else null (stopped, or a stale file after a crash). */
export async function livePostmasterPid(dataDir: string): Promise<number | null> {
  const text = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  const pid = text === null ? NaN : Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  // After a reboot the recorded pid may belong to an unrelated process; on Linux we can tell
  // (and must, before pg_ctl stop signals it). Elsewhere /proc is absent and we trust the pid.
  // A killed postmaster is reparented to init and can linger as a zombie: kill(pid, 0) still
  // succeeds, but it is dead (state Z/X in /proc/<pid>/stat).
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return pid;
  const match = /^\d+ \((.*)\) (\S)/.exec(stat);
  return match && match[1] === 'postgres' && !['Z', 'X', 'x'].includes(match[2] ?? '') ? pid : null;
}

/** ms we wait for a killed postmaster (a zombie until init reaps it) or its orphaned backends to go */
const deadPostmasterWaitMs = 20_000;

/**
 * After a crash (kill -9, OOM killer) the dead postmaster may stay a zombie for a while (seen: 2 s
 * under this sandbox's init), and PostgreSQL refuses to start while kill(pid, 0) succeeds on it.
 * Waits, bounded, until the recorded pid is really gone. Deleting postmaster.pid instead would be
 * unsafe: it is how PostgreSQL finds orphaned backends still attached to the old shared memory.
 */
export async function waitForDeadPostmaster(dataDir: string): Promise<void> {
  const text = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  const pid = text === null ? NaN : Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const deadline = Date.now() + deadPostmasterWaitMs;
  while (Date.now() < deadline) {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (stat === null || !/^\d+ \(postgres\) [ZXx]/.test(stat)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function withClient<T>(port: number, database: string, password: string | null, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: connectionUrl(port, database, password), connectionTimeoutMillis: connectTimeoutMs });
  client.on('error', () => undefined); // a server shutting down under us must not crash the caller
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** True when the server on `state.port` is up, accepts us, and serves `state.dataDir`. */
export async function serverAnswers(state: ClusterState, password: string | null): Promise<boolean> {
  try {
    const served = await withClient(state.port, 'postgres', password, async (client) => {
      const result = await client.query<{ data_directory: string }>(`select current_setting('data_directory') as data_directory`);
      return result.rows[0]?.data_directory ?? '';
    });
    const ours = await fs.realpath(state.dataDir).catch(() => state.dataDir);
    return served === ours || served === state.dataDir;
  } catch {
    return false;
  }
}

/** Creates database `parkctl` unless it exists; safe when two processes race (42P04 is success). */
export async function ensureDatabase(port: number, password: string): Promise<void> {
  await withClient(port, 'postgres', password, async (client) => {
    const found = await client.query(`select 1 from pg_database where datname = $1::text`, [databaseName]);
    if (found.rowCount) return;
    try {
      await client.query(`create database ${databaseName}`);
    } catch (error) {
      if ((error as { code?: string }).code !== '42P04') throw error;
    }
  });
}
