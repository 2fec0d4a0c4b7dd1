// Where a parkctl home's cluster lives, and the small state file (home/postgres.json) through
// which every parkctl process sharing that home finds the same server: port, folders, version.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { canTraverse, type RunAs } from './run-as.js';

/** Shared by root-run clusters whose home the server account cannot reach (e.g. under /root). */
export const systemClusterRoot = '/var/lib/parkctl';

/** Contents of home/postgres.json. */
export interface ClusterState {
  /** TCP port on 127.0.0.1; chosen free once, kept across restarts */
  port: number;
  /** holds data/, the log and (usually) the socket folder; owned by the server account */
  clusterDir: string;
  /** the PostgreSQL data directory (PGDATA) */
  dataDir: string;
  /** unix socket folder passed as -k */
  socketDir: string;
  logFile: string;
  /** server version of the binaries that last started it, e.g. "18.4" */
  version: string;
  /** account the server runs as; null when parkctl is not root and runs it as itself */
  serverUser: string | null;
}

export const statePath = (home: string): string => path.join(home, 'postgres.json');
export const lockPath = (home: string): string => path.join(home, 'postgres.lock');

export async function readClusterState(home: string): Promise<ClusterState | null> {
  const text = await fs.readFile(statePath(home), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as ClusterState;
  } catch {
    return null; // torn or hand-edited: treated as absent, and rewritten by the next start
  }
}

/** Writes via a temporary file and rename, so a concurrent reader sees the old or the new file, never half. */
export async function writeClusterState(home: string, state: ClusterState): Promise<void> {
  const temporary = `${statePath(home)}.${process.pid}.tmp`;
  await fs.writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  await fs.rename(temporary, statePath(home));
}

/** A port nobody listens on right now, from the kernel's ephemeral range. */
export function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** sun_path holds 108 bytes on Linux; the socket file name adds up to 17 (".s.PGSQL.65535" + NUL and slack). */
const maxSocketDirLength = 90;

/**
 * Decides the folders for a new cluster. Not root: inside the home. Root: inside the home too if the
 * server account can reach it, else under /var/lib/parkctl/<hash of home> so the data never sits
 * in a folder only root can open.
 */
export async function planClusterLayout(home: string, runAs: RunAs | null): Promise<Omit<ClusterState, 'port' | 'version'>> {
  const homeHash = createHash('sha256').update(path.resolve(home)).digest('hex').slice(0, 16);
  const reachable = runAs === null || (await canTraverse(home, runAs));
  const clusterDir = reachable ? path.join(home, 'postgres') : path.join(systemClusterRoot, homeHash);
  const preferredSocketDir = path.join(clusterDir, 'run');
  const socketDir = preferredSocketDir.length <= maxSocketDirLength
    ? preferredSocketDir
    : path.join(os.tmpdir(), `parkctl-pg-${homeHash}`);
  return {
    clusterDir,
    dataDir: path.join(clusterDir, 'data'),
    socketDir,
    logFile: path.join(clusterDir, 'postgres.log'),
    serverUser: runAs?.user ?? null,
  };
}
