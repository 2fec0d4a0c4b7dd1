// The raw-SQL bitmap baseline (bench/baseline, from /work/shared/baseline) run by pgbench on a scratch
// database of the same server, so `parkctl bench api` can print today's ratio instead of a figure
// measured on another day. pgbench's C client calls one PL/pgSQL function per booking: no application.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import './pg-stream.js';
import pg from 'pg';
import { packageRoot } from '../package-root.js';
import { addMachineCpu, machineCpuBetween, sampleMachineCpu, type MachineCpu } from './machine-cpu.js';

export interface BaselineResult {
  /** reservations (pgbench transactions) per second */
  perSecond: number;
  transactions: number;
  clients: number;
  /** b.overlaps('resv_p'): must be 0 */
  overlaps: number;
  command: string;
  /** this machine's CPU while pgbench ran (null where /proc/stat cannot be read) */
  machine: MachineCpu | null;
}

const baselineDir = join(packageRoot(), 'bench', 'baseline');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 600_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A scratch database `<db>_baseline` with the baseline's schema; dropped by the returned function. */
export async function prepareBaseline(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${new URL(url).pathname.slice(1) || 'parkctl'}_baseline`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.query(`create database "${name}"`);
    await admin.query(`alter database "${name}" set search_path = b, public`);
  } finally {
    await admin.end();
  }
  const scratch = withDatabase(url, name);
  const c = new pg.Client({ connectionString: scratch });
  await c.connect();
  try {
    await c.query(await readFile(join(baselineDir, 'schema.sql'), 'utf8'));
  } finally {
    await c.end();
  }
  return {
    url: scratch,
    drop: async () => {
      const a = new pg.Client({ connectionString: url });
      await a.connect();
      try {
        await a.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}

async function query<T>(url: string, text: string): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows[0] as T;
  } finally {
    await c.end();
  }
}

/**
 * spread: 400 spots, 30 days, `-T seconds`. rush: 500 spots on one morning, rounds of 16 x 30 bookings
 * (a reset between rounds) until `seconds` pass. 16 clients, 2 threads, as the baseline was set.
 */
export async function runBaseline(url: string, profile: 'spread' | 'rush', seconds: number, clients = 16): Promise<BaselineResult> {
  const env = { ...process.env, PGAPPNAME: 'parkctl-baseline' };
  const parse = (out: string) => {
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
    const n = /number of transactions actually processed: (\d+)/.exec(out);
    if (!tps || !n) throw new Error(`pgbench printed no tps: ${out.slice(0, 300)}`);
    return { tps: Number(tps[1]), n: Number(n[1]) };
  };
  if (profile === 'spread') {
    await query(url, 'select b.reset(400, 30)');
    const args = ['-n', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', join(baselineDir, 'spread_bitmap.sql'), url];
    const before = await sampleMachineCpu();
    const r = parse(await run('pgbench', args, env));
    const machine = machineCpuBetween(before, await sampleMachineCpu());
    const { n: overlaps } = await query<{ n: string }>(url, `select b.overlaps('resv_p') as n`);
    return { perSecond: Math.round(r.tps), transactions: r.n, clients, overlaps: Number(overlaps), command: `pgbench ${args.slice(0, -1).join(' ')} <scratch db>`, machine };
  }
  let transactions = 0;
  let busySeconds = 0;
  let overlaps = 0;
  const machine: (MachineCpu | null)[] = [];
  const args = ['-n', '-c', String(clients), '-j', '2', '-t', '30', '-f', join(baselineDir, 'rush_bitmap.sql'), url];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    await query(url, 'select b.reset(500, 1)');
    const before = await sampleMachineCpu();
    const r = parse(await run('pgbench', args, env));
    machine.push(machineCpuBetween(before, await sampleMachineCpu()));
    transactions += r.n;
    busySeconds += r.n / r.tps;
    overlaps += Number((await query<{ n: string }>(url, `select b.overlaps('resv_p') as n`)).n);
  }
  return { perSecond: Math.round(transactions / busySeconds), transactions, clients, overlaps, command: `rounds of: select b.reset(500, 1); pgbench ${args.slice(0, -1).join(' ')} <scratch db>`, machine: addMachineCpu(machine) };
}
