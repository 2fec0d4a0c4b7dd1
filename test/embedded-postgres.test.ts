// The embedded PostgreSQL driver against the real binaries from the embedded-postgres package.
// Each test uses its own home under os.tmpdir(); every server started here is stopped in afterAll.
// Slow by nature (initdb takes about a second), so there are few tests and each checks a lot.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { hydrateSymlinks, preparePostgresBinaries } from '../src/drivers/embedded-postgres/binaries.js';
import { embeddedPostgresStatus, ensureEmbeddedPostgres, removeEmbeddedPostgres, stopEmbeddedPostgres, type EmbeddedServer } from '../src/drivers/embedded-postgres/index.js';
import { withLockFile } from '../src/drivers/embedded-postgres/lock.js';
import { lookupUser, runCommand } from '../src/drivers/embedded-postgres/run-as.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const isRoot = process.getuid?.() === 0;
const startedHomes: string[] = [];
const scratchDirs: string[] = [];

async function newHome(label: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `parkctl-epg-${label}-`));
  scratchDirs.push(dir);
  await fs.chmod(dir, 0o755); // mkdtemp makes it 0700; a home is normally reachable
  return path.join(dir, 'home');
}

async function start(home: string, log?: (line: string) => void): Promise<EmbeddedServer> {
  if (!startedHomes.includes(home)) startedHomes.push(home);
  return ensureEmbeddedPostgres(home, { log });
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Waits until status reports the server down; bounded, since a test must never hang. */
async function waitUntilDown(home: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (!(await embeddedPostgresStatus(home)).running) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the server for ${home} is still up`);
}

/**
 * Plain-node build of the driver for child processes (no tsx here): transpile its sources and
 * core/errors.ts into a scratch folder whose node_modules links to ours, so `pg` resolves.
 */
async function buildDriverForChildProcesses(): Promise<string> {
  const outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parkctl-epg-build-'));
  scratchDirs.push(outDir);
  const driverDir = path.join('src', 'drivers', 'embedded-postgres');
  const sources = [path.join('src', 'core', 'errors.ts'), path.join('src', 'drivers', 'pg-stream.ts'), ...(await fs.readdir(path.join(repoRoot, driverDir))).map((file) => path.join(driverDir, file))];
  for (const source of sources.filter((file) => file.endsWith('.ts'))) {
    const output = ts.transpileModule(await fs.readFile(path.join(repoRoot, source), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const target = path.join(outDir, source.replace(/\.ts$/, '.js'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, output.outputText);
  }
  await fs.writeFile(path.join(outDir, 'package.json'), '{"type":"module"}\n');
  await fs.symlink(path.join(repoRoot, 'node_modules'), path.join(outDir, 'node_modules'));
  await fs.writeFile(path.join(outDir, 'ensure.mjs'), `
import { ensureEmbeddedPostgres } from './src/drivers/embedded-postgres/index.js';
const [home, startAtMs] = process.argv.slice(2);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAtMs) - Date.now())));
const lines = [];
const server = await ensureEmbeddedPostgres(home, { log: (line) => lines.push(line) });
process.stdout.write(JSON.stringify({ server, lines }));
`);
  return outDir;
}

function runChild(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

afterAll(async () => {
  for (const home of startedHomes) await removeEmbeddedPostgres(home);
  for (const dir of scratchDirs) await fs.rm(dir, { recursive: true, force: true });
}, 120_000);

describe('embedded PostgreSQL', () => {
  it('starts, keeps data across stop and start, and stop is idempotent', async () => {
    const home = await newHome('life');
    expect(await embeddedPostgresStatus(home)).toEqual({ running: false, initialised: false });
    expect(await stopEmbeddedPostgres(home)).toEqual({ wasRunning: false });

    const logLines: string[] = [];
    const first = await start(home, (line) => logLines.push(line));
    expect(first.url).toMatch(new RegExp(`^postgres://postgres:[A-Za-z0-9_-]{32,}@127\\.0\\.0\\.1:${first.port}/parkctl$`));
    expect(first.version).toMatch(/^\d+\.\d+/);
    expect(first.pid).toBeGreaterThan(0);
    expect(logLines.some((line) => line.startsWith('initialising'))).toBe(true);
    const state = JSON.parse(await fs.readFile(path.join(home, 'postgres.json'), 'utf8')) as { port: number; dataDir: string };
    expect(state).toMatchObject({ port: first.port, dataDir: first.dataDir });
    expect(first.dataDir).toBe(path.join(home, 'postgres', 'data'));
    if (isRoot) expect((await fs.stat(first.dataDir)).uid).not.toBe(0);

    const settings = await query<{ max_connections: string; listen_addresses: string; encoding: string }>(first.url,
      `select current_setting('max_connections') as max_connections, current_setting('listen_addresses') as listen_addresses,
              pg_encoding_to_char(encoding) as encoding from pg_database where datname = current_database()`);
    expect(Number(settings[0]?.max_connections)).toBeGreaterThanOrEqual(100);
    expect(settings[0]).toMatchObject({ listen_addresses: '127.0.0.1', encoding: 'UTF8' });

    await query(first.url, `create table kept (id int primary key, note text); insert into kept values (1, 'before restart')`);
    expect(await start(home)).toEqual(first); // already running: same server, nothing restarted
    expect(await embeddedPostgresStatus(home)).toEqual({ running: true, initialised: true, server: first });

    expect(await stopEmbeddedPostgres(home)).toEqual({ wasRunning: true });
    expect(await embeddedPostgresStatus(home)).toMatchObject({ running: false, initialised: true, server: { pid: null, port: first.port } });
    expect(await stopEmbeddedPostgres(home)).toEqual({ wasRunning: false });

    const warmLog: string[] = [];
    const second = await start(home, (line) => warmLog.push(line));
    expect(warmLog.some((line) => line.startsWith('initialising'))).toBe(false);
    expect(second).toMatchObject({ port: first.port, dataDir: first.dataDir });
    expect(await query(second.url, 'select id, note from kept')).toEqual([{ id: 1, note: 'before restart' }]);
  });

  it('recovers after the postmaster is killed, leaving a stale postmaster.pid', async () => {
    const home = await newHome('crash');
    const server = await start(home);
    await query(server.url, `create table survivor (id int); insert into survivor values (7)`);
    process.kill(server.pid!, 'SIGKILL');
    // Not waiting for the pid to vanish: a killed postmaster can stay a zombie for seconds, and
    // the driver must cope with that, the stale postmaster.pid and the orphaned backends.
    await waitUntilDown(home);
    await expect(fs.access(path.join(server.dataDir, 'postmaster.pid'))).resolves.toBeUndefined();

    const again = await start(home);
    expect(again.pid).not.toBe(server.pid);
    expect(await query(again.url, 'select id from survivor')).toEqual([{ id: 7 }]);
  });

  it('two processes starting at the same moment share one cluster, created once', async () => {
    const build = await buildDriverForChildProcesses();
    const home = await newHome('race');
    startedHomes.push(home);
    const startAtMs = Date.now() + 1_500; // both children are loaded and waiting by then
    const results = await Promise.all([0, 1].map(() => runChild(path.join(build, 'ensure.mjs'), [home, String(startAtMs)])));
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const outputs = results.map((result) => JSON.parse(result.stdout) as { server: EmbeddedServer; lines: string[] });
    expect(outputs[0]?.server).toEqual(outputs[1]?.server);
    const initdbRuns = outputs.flatMap((output) => output.lines).filter((line) => line.startsWith('initialising'));
    expect(initdbRuns).toHaveLength(1);
    await expect(fs.access(path.join(home, 'postgres.lock'))).rejects.toThrow();
    // Both children have exited: the server they started outlives them, as the dashboard needs.
    expect(await query(outputs[0]!.server.url, 'select current_database() as db')).toEqual([{ db: 'parkctl' }]);
  });

  it.runIf(isRoot)('as root, keeps a cluster whose home the server account cannot reach under /var/lib/parkctl', async () => {
    const home = await newHome('private');
    await fs.mkdir(path.dirname(home), { recursive: true });
    await fs.chmod(path.dirname(home), 0o700); // like /root
    const server = await start(home);
    expect(server.dataDir.startsWith('/var/lib/parkctl/')).toBe(true);
    expect((await fs.stat(server.dataDir)).uid).not.toBe(0);
    expect(await query(server.url, 'select 1 as one')).toEqual([{ one: 1 }]);

    await removeEmbeddedPostgres(home);
    await expect(fs.access(path.dirname(server.dataDir))).rejects.toThrow();
    expect(await embeddedPostgresStatus(home)).toEqual({ running: false, initialised: false });
  });

  it('repairs missing library symlinks and copies binaries the server account cannot reach', async () => {
    const { initdb } = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { initdb: string };
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'parkctl-epg-bin-'));
    scratchDirs.push(scratch);
    await fs.chmod(scratch, 0o755);
    const shippedPackage = path.dirname(path.dirname(path.dirname(initdb)));
    const privatePackage = path.join(scratch, 'private', 'package');
    await fs.cp(shippedPackage, privatePackage, { recursive: true, verbatimSymlinks: true });
    const links = JSON.parse(await fs.readFile(path.join(privatePackage, 'native', 'pg-symlinks.json'), 'utf8')) as { target: string }[];
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) await fs.rm(path.join(privatePackage, link.target)); // as if npm skipped postinstall

    const runAs = isRoot ? await lookupUser((await lookupUser('postgres')) ? 'postgres' : 'nobody') : null;
    if (isRoot) await fs.chmod(path.join(scratch, 'private'), 0o700);
    const copyRoot = path.join(scratch, 'copies');
    await fs.mkdir(copyRoot, { mode: 0o755 });
    const binaries = await preparePostgresBinaries(runAs, copyRoot, path.join(privatePackage, 'native'));
    expect(binaries.version).toMatch(/^\d+\.\d+/);
    for (const link of links) await expect(fs.readlink(path.join(privatePackage, link.target))).resolves.toBeTruthy();
    expect(binaries.binDir.startsWith(isRoot ? copyRoot : privatePackage)).toBe(true);
    const version = await runCommand(path.join(binaries.binDir, 'postgres'), ['--version'], { runAs });
    expect(version).toMatchObject({ code: 0 });

    await hydrateSymlinks(path.join(privatePackage, 'native')); // idempotent on a hydrated tree
    expect((await fs.readdir(path.join(privatePackage, 'native', 'lib'))).length).toBeGreaterThan(links.length);
  });
});

describe('the start lock', () => {
  it('serialises holders and breaks a lock left by a dead process', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parkctl-epg-lock-'));
    scratchDirs.push(dir);
    const lock = path.join(dir, 'postgres.lock');
    const events: string[] = [];
    const hold = (name: string) => withLockFile(lock, 10_000, async () => {
      events.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      events.push(`${name} out`);
    });
    await Promise.all([hold('a'), hold('b')]);
    const [first, second] = events[0] === 'a in' ? ['a', 'b'] : ['b', 'a'];
    expect(events).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]); // never both inside

    const deadPid = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' }); // certainly dead once it exits
      child.on('exit', () => resolve(child.pid!));
    });
    await fs.writeFile(lock, `${deadPid}\n`);
    await expect(withLockFile(lock, 2_000, async () => 'taken')).resolves.toBe('taken');
    await expect(fs.access(lock)).rejects.toThrow(); // released after use
  });
});
