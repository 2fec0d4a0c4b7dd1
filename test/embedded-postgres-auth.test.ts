// The embedded server listens on 127.0.0.1, which every local process reaches: every login needs a
// password (SCRAM), kept mode 600 in <home>/credentials, and the gate daemon's role logs in with its
// own and can write only what the gate writes (issue 19, item 11). Clusters made by older versions,
// which trusted every local login, are secured in place on their next start, data kept.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureEmbeddedPostgres, removeEmbeddedPostgres, stopEmbeddedPostgres } from '../src/drivers/embedded-postgres/index.js';
import { runCli } from './support/cli.js';

const homes: string[] = [];
const scratchDirs: string[] = [];

async function newHome(label: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `parkctl-auth-${label}-`));
  scratchDirs.push(dir);
  await fs.chmod(dir, 0o755);
  const home = path.join(dir, 'home');
  homes.push(home);
  return home;
}

afterAll(async () => {
  for (const home of homes) await removeEmbeddedPostgres(home);
  for (const dir of scratchDirs) await fs.rm(dir, { recursive: true, force: true });
}, 120_000);

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

/** What a cluster made by parkctl before passwords looked like: pg_hba.conf trusting all, no passwords, no credentials. */
async function makeItTrustEveryone(home: string, server: { url: string; dataDir: string }, running: boolean): Promise<void> {
  const hba = path.join(server.dataDir, 'pg_hba.conf');
  const owner = await fs.stat(hba);
  await fs.writeFile(hba, '# written by parkctl: this server listens on 127.0.0.1 and a private socket only\nlocal all all trust\nhost  all all 127.0.0.1/32 trust\n');
  await fs.chown(hba, owner.uid, owner.gid);
  if (running) {
    await query(server.url, `select pg_reload_conf()`);
    await untilTrusting(server.url);
    await query(withPassword(server.url, ''), `alter role postgres password null; alter role parkctl_gate password null`);
  }
  await fs.rm(path.join(home, 'credentials'), { recursive: true, force: true });
}

/** Resolves once a login without a password is let in (a reload is applied asynchronously); bounded. */
async function untilTrusting(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await query(withPassword(url, ''), 'select 1 as one').then(() => true, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the cluster never trusted logins');
}

describe('embedded PostgreSQL logins', () => {
  it('refuse a login without the password; parkctl commands work; the gate role has its own and cannot write reservations or payments', async () => {
    const home = await newHome('fresh');
    const imported = await runCli(['lot', 'import', path.join(import.meta.dirname, '../fixtures/surface-lot.yaml')], { PARKCTL_HOME: home });
    expect(imported.code, imported.stderr).toBe(0);
    const listed = await runCli(['--json', 'lot', 'list'], { PARKCTL_HOME: home });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.stringify(listed.json)).toContain('RIVERSIDE');

    expect((await fs.stat(path.join(home, 'credentials'))).mode & 0o777).toBe(0o700);
    for (const file of ['postgres', 'parkctl_gate']) expect((await fs.stat(path.join(home, 'credentials', file))).mode & 0o777).toBe(0o600);

    const server = await ensureEmbeddedPostgres(home);
    expect(await fs.readFile(path.join(server.dataDir, 'pg_hba.conf'), 'utf8')).not.toMatch(/trust/);
    await expect(query(withPassword(server.url, ''), 'select 1')).rejects.toThrow();
    await expect(query(withPassword(server.url, 'guessed-password'), 'select 1')).rejects.toThrow(/password authentication failed/);
    const gatePassword = new URL(server.gateUrl).password;
    await expect(query(withPassword(server.url, gatePassword), 'select 1')).rejects.toThrow(/password authentication failed/);

    expect(new URL(server.gateUrl).username).toBe('parkctl_gate');
    expect(await query(server.gateUrl, `select code from lots`)).toEqual([{ code: 'RIVERSIDE' }]);
    await expect(query(server.gateUrl, `update reservations set price_minor = 0`)).rejects.toMatchObject({ code: '42501' });
    await expect(query(server.gateUrl, `delete from payments`)).rejects.toMatchObject({ code: '42501' });
    await expect(query(server.gateUrl, `alter role parkctl_gate superuser`)).rejects.toMatchObject({ code: '42501' });
  });

  it('secures a cluster from an older parkctl in place, running or stopped, keeping its data', async () => {
    const home = await newHome('upgrade');
    const first = await ensureEmbeddedPostgres(home);
    await query(first.url, `create table kept (id int primary key, note text); insert into kept values (1, 'from before')`);

    await makeItTrustEveryone(home, first, true);
    const upgraded = await ensureEmbeddedPostgres(home);
    expect(upgraded.pid).toBe(first.pid); // reloaded, not restarted
    expect(upgraded.url).not.toBe(first.url); // new passwords
    await expect(query(withPassword(upgraded.url, ''), 'select 1')).rejects.toThrow();
    expect(await query(upgraded.url, 'select note from kept')).toEqual([{ note: 'from before' }]);
    expect(await query(upgraded.gateUrl, 'select current_user as who')).toEqual([{ who: 'parkctl_gate' }]);

    await stopEmbeddedPostgres(home);
    await makeItTrustEveryone(home, upgraded, false);
    const restarted = await ensureEmbeddedPostgres(home);
    await expect(query(withPassword(restarted.url, ''), 'select 1')).rejects.toThrow();
    expect(await query(restarted.url, 'select note from kept')).toEqual([{ note: 'from before' }]);
    expect(await fs.readFile(path.join(restarted.dataDir, 'pg_hba.conf'), 'utf8')).not.toMatch(/trust/);
  });
});
