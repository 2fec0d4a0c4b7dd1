// An exclusive lock file so that, of several parkctl processes starting at the same moment (a
// dashboard, a daemon and a sweeper), exactly one runs initdb / pg_ctl start and the others wait
// and then find the server running. Created with O_EXCL ('wx'); it holds the owner's pid so a
// lock left by a crashed process is recognised and broken.
import fs from 'node:fs/promises';
import { ExternalError } from '../../core/errors.js';

/** ms between attempts while another process holds the lock */
const pollIntervalMs = 100;
/** ms after which a lock file that still holds no pid is taken as abandoned mid-creation */
const emptyLockGraceMs = 10_000;

/** Locks this process holds, so a lock file naming our pid but not held here (pid reused after a reboot, in a container) is seen as stale. */
const heldHere = new Set<string>();

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwnerPid(lockPath: string): Promise<number | null> {
  const text = await fs.readFile(lockPath, 'utf8').catch(() => null);
  if (text === null) return null;
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Breaks a lock whose owner is dead. Renaming is atomic, so of two waiters breaking the same stale
 * lock only one succeeds; if what we renamed turns out to be a fresh lock (someone broke and
 * re-took it between our read and our rename), we put it back.
 */
async function breakStaleLock(lockPath: string, stalePid: number | null): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}`;
  try {
    await fs.rename(lockPath, aside);
  } catch {
    return;
  }
  if ((await readOwnerPid(aside)) !== stalePid) {
    await fs.link(aside, lockPath).catch(() => undefined);
  }
  await fs.rm(aside, { force: true });
}

async function isStale(lockPath: string, ownerPid: number | null): Promise<boolean> {
  if (ownerPid === null) {
    // No pid yet: normally being written this instant; only old and empty means abandoned.
    const stat = await fs.stat(lockPath).catch(() => null);
    return stat !== null && Date.now() - stat.mtimeMs > emptyLockGraceMs;
  }
  if (ownerPid === process.pid) return !heldHere.has(lockPath);
  return !isProcessAlive(ownerPid);
}

/** Runs `work` while holding `lockPath`; waits up to `timeoutMs` for another holder to finish. */
export async function withLockFile<T>(lockPath: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      heldHere.add(lockPath);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const ownerPid = await readOwnerPid(lockPath);
    if (await isStale(lockPath, ownerPid)) {
      await breakStaleLock(lockPath, ownerPid);
      continue;
    }
    if (Date.now() > deadline) {
      throw new ExternalError('embedded PostgreSQL', `another parkctl process (pid ${ownerPid ?? '?'}) has been starting the database for too long`, {
        hint: `If no parkctl is running, delete ${lockPath} and try again.`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  try {
    return await work();
  } finally {
    heldHere.delete(lockPath);
    await fs.rm(lockPath, { force: true });
  }
}
