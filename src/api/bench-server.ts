// The API server for `parkctl bench api`: `parkctl api serve` as its own process (and its workers), so
// the load generator never shares an event loop with the server it measures. Its CPU is read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

const binPath = join(packageRoot(), 'bin', 'parkctl');

export interface BenchServer {
  url: string;
  /** CPU ms used so far by the server and every process under it (its workers) */
  cpuMs(): Promise<number | null>;
  stop(): Promise<void>;
}

export interface BenchServerOptions {
  databaseUrl: string;
  workers: number;
  groupCommit: boolean;
  /** api serve --batches-in-flight (its default when absent) */
  batchesInFlight?: number | undefined;
  /** `node --cpu-prof --cpu-prof-dir DIR` for the server's processes */
  cpuProfileDir?: string | undefined;
}

async function statOf(pid: number): Promise<{ ppid: number; ticks: number } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  const f = text.slice(text.lastIndexOf(') ') + 2).split(' ');
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
}

/** CPU ms (user + system) of `root` and its descendants, or null without /proc. */
export async function processTreeCpuMs(root: number): Promise<number | null> {
  const entries = await readdir('/proc').catch(() => null);
  if (!entries) return null;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  await Promise.all(entries.filter((e) => /^\d+$/.test(e)).map(async (e) => {
    const s = await statOf(Number(e));
    if (s) stats.set(Number(e), s);
  }));
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === root) return true;
      p = stats.get(p)?.ppid ?? 0;
    }
    return false;
  };
  let ticks = 0;
  for (const [pid, s] of stats) if (inTree(pid)) ticks += s.ticks;
  return (ticks * 1000) / 100; // USER_HZ
}

export async function startBenchServer(o: BenchServerOptions): Promise<BenchServer> {
  const args = [
    ...(o.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfileDir] : []),
    binPath, 'api', 'serve', '--listen', '127.0.0.1:0', '--rate-limit', '1000000000', '--workers', String(o.workers), '--log-level', 'warn',
    ...(o.groupCommit ? [] : ['--no-group-commit']),
    ...(o.groupCommit && o.batchesInFlight !== undefined ? ['--batches-in-flight', String(o.batchesInFlight)] : []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, DATABASE_URL: o.databaseUrl, NOTIFY_SOCKET: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`api serve did not listen within 120 s: ${stderr.slice(-500)}`)), 120_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      for (const line of stderr.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const j = JSON.parse(line) as { msg?: string; url?: string };
          if (j.msg === 'api listening' && j.url) {
            clearTimeout(timer);
            resolve(j.url);
          }
        } catch { /* a partial line */ }
      }
      if (stderr.length > 100_000) stderr = stderr.slice(-10_000);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`api serve exited (${code}) before listening: ${stderr.slice(-500)}`));
    });
  });
  const pid = child.pid!;
  return {
    url,
    cpuMs: () => processTreeCpuMs(pid),
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => { clearTimeout(kill); resolve(); });
      child.kill('SIGTERM');
    }),
  };
}
