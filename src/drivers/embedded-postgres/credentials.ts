// The embedded server's passwords: one for the superuser `postgres` (every parkctl command) and one
// for the gate daemon's role `parkctl_gate`, which may write only visits and gate events. Random,
// made once per home, kept in <home>/credentials/ (folder 700, files 600, owned by whoever runs
// parkctl; the server account never needs to read them). Any other local user, who could reach the
// server's TCP port, cannot read them, so cannot log in.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface Credentials {
  /** password of the superuser `postgres` */
  superuser: string;
  /** password of the gate daemon's role `parkctl_gate` */
  gate: string;
}

export const credentialsDir = (home: string): string => path.join(home, 'credentials');
const fileOf = (home: string, role: 'postgres' | 'parkctl_gate'): string => path.join(credentialsDir(home), role);

/** base64url: safe in a URL and as an SQL literal without quoting tricks. */
const passwordShape = /^[A-Za-z0-9_-]{32,}$/;

async function readPassword(file: string): Promise<string | null> {
  const text = await fs.readFile(file, 'utf8').catch(() => null);
  const password = text?.trim() ?? null;
  return password !== null && passwordShape.test(password) ? password : null;
}

/** The home's credentials, or null when they were never made (a cluster from before they existed, or none). */
export async function readCredentials(home: string): Promise<Credentials | null> {
  const [superuser, gate] = await Promise.all([readPassword(fileOf(home, 'postgres')), readPassword(fileOf(home, 'parkctl_gate'))]);
  return superuser && gate ? { superuser, gate } : null;
}

async function writePassword(file: string): Promise<string> {
  const password = randomBytes(32).toString('base64url');
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, `${password}\n`, { mode: 0o600 });
  await fs.rename(temporary, file);
  return password;
}

/** Reads the credentials, making any that are missing. Callers hold the home's lock. */
export async function ensureCredentials(home: string): Promise<Credentials> {
  const dir = credentialsDir(home);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  const superuser = (await readPassword(fileOf(home, 'postgres'))) ?? (await writePassword(fileOf(home, 'postgres')));
  const gate = (await readPassword(fileOf(home, 'parkctl_gate'))) ?? (await writePassword(fileOf(home, 'parkctl_gate')));
  return { superuser, gate };
}

/** For initdb --pwfile: a copy of the superuser password the server account can read, removed after use. */
export async function writePasswordFileFor(dir: string, password: string, owner: { uid: number; gid: number } | null): Promise<string> {
  const file = path.join(dir, `.pwfile-${process.pid}`);
  await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
  if (owner) await fs.chown(file, owner.uid, owner.gid);
  return file;
}
