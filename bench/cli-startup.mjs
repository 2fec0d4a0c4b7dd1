#!/usr/bin/env node
/* global process, console, URL */
// How long a one-shot command takes, as a ratio to `node -e 0` measured in the same run (issue 13).
// Targets: --version and --help <= 1.5x; capacity check, booking reserve and lot list <= 2.5x, on a
// warm server. Uses hyperfine when it is on PATH (apt-get install hyperfine), else a node timing loop
// (median of the runs). Needs a PostgreSQL it can create a scratch database on:
//   BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres); the scratch database
//   parkctl_clibench is made afresh, migrated, given fixtures/surface-lot.yaml, and dropped after.
//   node bench/cli-startup.mjs [--runs 15]        (run `npm run build` first: it times bin/parkctl)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const root = join(import.meta.dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = 'parkctl_clibench';
const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();

async function admin(sql) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

const env = { ...process.env, DATABASE_URL: dbUrl, PARKCTL_NOW: '' };
const parkctl = (args) => execFileSync(process.execPath, [join(root, 'bin', 'parkctl'), ...args], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });

// Far enough ahead of any real clock that the window is never in the past.
const now = ['--now', '2031-06-02T12:00:00Z'];
const window = ['--lot', 'RIVERSIDE', '--type', 'regular', '--from', '2031-06-03T08:00', '--to', '2031-06-03T17:30'];
const clear = `${process.execPath} ${join(root, 'bench', 'cli-startup.mjs')} --clear`;
const cases = [
  { name: 'node -e 0', args: null, target: null },
  { name: 'parkctl --version', args: ['--version'], target: 1.5 },
  { name: 'parkctl --help', args: ['--help'], target: 1.5 },
  { name: 'parkctl capacity check', args: [...now, 'capacity', 'check', ...window], target: 2.5 },
  { name: 'parkctl booking reserve', args: [...now, 'booking', 'reserve', ...window, '--plate', 'AB12CDE'], target: 2.5, prepare: true },
  { name: 'parkctl lot list', args: ['lot', 'list'], target: 2.5 },
];
const argv = (c) => (c.args ? [process.execPath, join(root, 'bin', 'parkctl'), ...c.args] : [process.execPath, '-e', '0']);

/** Each booking reserve run starts from an empty lot: no bookings and no spot-days (deleting bookings by hand leaves their spot-day bits set, and the lot would fill up; lot_days says which days have spot-days). */
async function clearBookings() {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try { await c.query('delete from reservations; delete from spot_days; delete from lot_days'); } finally { await c.end(); }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function withHyperfine() {
  const dir = mkdtempSync(join(tmpdir(), 'parkctl-bench-'));
  const out = join(dir, 'results.json');
  const args = ['-N', '--warmup', '3', '--runs', String(runs), '--export-json', out, '--style', 'basic'];
  for (const c of cases) args.push(...(c.prepare ? ['--prepare', clear] : ['--prepare', 'true']), '-n', c.name, argv(c).join(' '));
  const r = spawnSync('hyperfine', args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('hyperfine failed');
  const results = JSON.parse(readFileSync(out, 'utf8')).results;
  rmSync(dir, { recursive: true, force: true });
  return cases.map((c, i) => median(results[i].times) * 1000);
}

async function withNodeLoop() {
  const medians = [];
  for (const c of cases) {
    const times = [];
    for (let i = 0; i < runs + 3; i++) {
      if (c.prepare) await clearBookings();
      const [cmd, ...rest] = argv(c);
      const t = process.hrtime.bigint();
      const r = spawnSync(cmd, rest, { cwd: root, env, stdio: 'ignore' });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}`);
      if (i >= 3) times.push(ms);
    }
    medians.push(median(times));
  }
  return medians;
}

if (process.argv.includes('--clear')) {
  await clearBookings();
  process.exit(0);
}

await admin(`drop database if exists ${dbName} with (force)`);
await admin(`create database ${dbName}`);
try {
  parkctl(['db', 'migrate']);
  parkctl(['lot', 'import', 'fixtures/surface-lot.yaml']);
  // A database just made and migrated is not a warm server: its catalogs hold the dead rows of the
  // migrations' DDL, which autovacuum and the first backends to read them clean up while the first case
  // is timed (capacity check measured 343 ms here that way, 274 ms once settled). Settle it first.
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try { await c.query('vacuum analyze'); } finally { await c.end(); }
  // warm the server's caches and the OS file cache before timing anything
  for (const c of cases.filter((x) => x.args)) {
    if (c.prepare) await clearBookings();
    spawnSync(argv(c)[0], argv(c).slice(1), { cwd: root, env, stdio: 'ignore' });
  }
  const hyperfine = spawnSync('hyperfine', ['--version'], { stdio: 'ignore' }).status === 0;
  const medians = hyperfine ? withHyperfine() : await withNodeLoop();
  const base = medians[0];
  console.log(`cli startup, median of ${runs} runs (${hyperfine ? 'hyperfine' : 'node timing loop'}), node ${process.version}`);
  for (const [i, c] of cases.entries()) {
    const ratio = medians[i] / base;
    const verdict = c.target === null ? '' : ratio <= c.target ? `ok (<= ${c.target}x)` : `OVER (target ${c.target}x)`;
    console.log(`${c.name.padEnd(26)} ${medians[i].toFixed(1).padStart(7)} ms  ${ratio.toFixed(2).padStart(5)}x  ${verdict}`);
  }
  console.log(JSON.stringify({ bench: 'cli-startup', runs, tool: hyperfine ? 'hyperfine' : 'node', ms: Object.fromEntries(cases.map((c, i) => [c.name, Number(medians[i].toFixed(1))])) }));
} finally {
  await admin(`drop database if exists ${dbName} with (force)`);
}
