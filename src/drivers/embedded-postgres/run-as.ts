// PostgreSQL refuses to run as root (initdb, pg_ctl and postgres all check). When parkctl runs
// as root we run the server tools as an unprivileged account instead: every spawn here takes
// an optional `RunAs` and passes it to child_process as {uid, gid}.
import { execFile, spawn } from 'node:child_process';

/** The account the server tools run as; null means "as ourselves" (not root). */
export interface RunAs {
  user: string;
  uid: number;
  gid: number;
}

export interface CommandResult {
  code: number | null;
  /** stdout and stderr interleaved, trimmed */
  output: string;
}

/**
 * A minimal, fixed environment: the server tools need nothing from ours, and inheriting
 * PGDATA/PGPORT/LANG from the caller would change what they do. LC_ALL=C keeps messages
 * in English so errors we show are greppable.
 */
const toolEnvironment = { PATH: '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };

/** Runs a program to completion and collects its output. Never throws for a non-zero exit. */
export function runCommand(
  file: string,
  args: readonly string[],
  opts: { runAs?: RunAs | null; cwd?: string; detached?: boolean; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: toolEnvironment,
      cwd: opts.cwd ?? '/',
      stdio: ['ignore', 'pipe', 'pipe'],
      // pg_ctl start leaves the postmaster behind: keep it out of our process group so a
      // Ctrl-C or a test runner killing our group does not take the shared server down.
      detached: opts.detached ?? false,
      ...(opts.runAs ? { uid: opts.runAs.uid, gid: opts.runAs.gid } : {}),
      timeout: opts.timeoutMs,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: output.trim() }));
  });
}

function execText(file: string, args: readonly string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(file, args, { env: toolEnvironment }, (error, stdout) => resolve(error ? null : stdout.trim()));
  });
}

/** Looks an account up through NSS (getent), so LDAP/sssd users work as well as /etc/passwd. */
export async function lookupUser(user: string): Promise<RunAs | null> {
  const line = await execText('getent', ['passwd', user]);
  const fields = line?.split('\n')[0]?.split(':');
  if (!fields || fields.length < 4) return null;
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { user, uid, gid } : null;
}

/**
 * The account to run PostgreSQL as when we are root: an existing `postgres` account (packaged
 * PostgreSQL made it for exactly this), else a system account `parkctl` we create, else
 * `nobody` (works, but shares an identity with other daemons: last resort).
 */
export async function chooseServerAccount(): Promise<RunAs> {
  const existing = (await lookupUser('postgres')) ?? (await lookupUser('parkctl'));
  if (existing) return existing;
  // Run useradd even if a concurrent parkctl might be doing the same: the loser fails with
  // "user exists" and the lookup below finds the winner's account.
  await execText('useradd', ['--system', '--user-group', '--no-create-home',
    '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'parkctl']);
  const created = await lookupUser('parkctl');
  if (created) return created;
  const nobody = await lookupUser('nobody');
  if (nobody) return nobody;
  return { user: 'nobody', uid: 65534, gid: 65534 };
}

/** True when `runAs` can search (traverse) `dir`; checked by the kernel, so ACLs count too. */
export async function canTraverse(dir: string, runAs: RunAs): Promise<boolean> {
  const result = await runCommand('/bin/sh', ['-c', 'test -x "$0"', dir], { runAs }).catch(() => null);
  return result?.code === 0;
}
