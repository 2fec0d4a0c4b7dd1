// Kill -9 the gate daemon (a child process) at random points in a stream of 1,000 plate reads,
// restart it each time, and prove invariant 6: every event the daemon acknowledged reaches
// gate_events exactly once, and no car got in twice (the journal replays anti-passback).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import { MockBarrier, MockGateInputSource } from '../src/core/gate/test-doubles.js';
import { silentLogger, systemClock } from '../src/core/ports.js';
import { startGateRuntime } from '../src/drivers/gate-runtime/runtime.js';
import { createTestDatabase, gateRoleTestUrl, type TestDatabase } from './support/db.js';
import { buildGateChild } from './support/gate-child.js';
import { createTestLot } from './support/lots.js';

const totalEvents = 1000;
let db: TestDatabase;
let lotId: number;
let work: string;
let journalDir: string;
let childScript: string;
const children = new Set<ChildProcess>();

/** The child: reads [from, to) as plates, printing each acknowledged read. */
function buildChild(): Promise<string> {
  return buildGateChild(join(work, 'build'), `
import { parseGateDaemonConfig } from './src/core/gate-daemon/config.js';
import { MockBarrier, MockGateInputSource } from './src/core/gate/test-doubles.js';
import { startGateRuntime } from './src/drivers/gate-runtime/runtime.js';
const [configJson, from, to] = process.argv.slice(2);
const config = parseGateDaemonConfig(JSON.parse(configJson), 'child');
const source = new MockGateInputSource();
const quiet = { info() {}, warn() {}, error() {} };
const rt = await startGateRuntime({ config, databaseUrl: config.databaseUrl, barrier: new MockBarrier(), inputs: [source],
  clock: { now: () => new Date() }, logger: quiet, listen: false,
  onJournaled: (seq, r) => { if (r.detail?.input?.readId) process.stdout.write('ACK ' + seq + ' ' + r.detail.input.readId + '\\n'); } });
for (let i = Number(from); i < Number(to); i++) {
  const plate = i % 3 === 0 ? 'V' + (i % 600) : 'U' + i;
  source.emitInput({ kind: 'plate', plate, confidence: 0.9, source: 'child', readId: 'c' + i, at: new Date() });
  if (i % 7 === 0) await new Promise((r) => setTimeout(r, 1));
}
await new Promise((r) => setTimeout(r, 200));
await rt.stop();
process.stdout.write('DONE\\n');
`);
}

beforeAll(async () => {
  db = await createTestDatabase();
  lotId = (await createTestLot(db.pool, { code: 'CRASH', spots: 400, policy: { walk_ins: false } })).lotId;
  // Plates V0..V599 (every third read; V0..V399 with a booking): some cars come twice.
  await db.pool.query(
    `insert into reservations (lot_id, customer_ref, plate, vehicle_type, spot_id, period, status, price_minor, currency, created_at, updated_at)
     select $1, 'crash', 'V' || n, 'regular', s.spot_id, tstzrange(now() - interval '1 hour', now() + interval '3 hours', '[)'), 'CONFIRMED', 100, 'GBP', now(), now()
       from generate_series(0, 399) n join spots s on s.lot_id = $1 and s.label = 'A-' || lpad((n + 1)::text, 3, '0')`, [lotId]);
  work = await mkdtemp(join(tmpdir(), 'parkctl-gate-crash-'));
  journalDir = join(work, 'journal');
  childScript = await buildChild();
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await db?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

function config() {
  return { lot: 'CRASH', gate: 'crash-in', direction: 'entry', journalDir, barrier: { driver: 'none' }, databaseUrl: gateRoleTestUrl(db.url), syncIntervalSeconds: 0.05 };
}

/** Runs the child over reads [from, total); kills it after `killAfterAcks` acknowledgements (null: let it finish). */
function runChild(from: number, killAfterAcks: number | null, acked: Map<number, number>): Promise<{ nextFrom: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, JSON.stringify(config()), String(from), String(totalEvents)], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    children.add(child);
    let buffer = '';
    let acks = 0;
    let highest = from - 1;
    let stderr = '';
    let finished = false;
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      buffer += c.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line === 'DONE') finished = true;
        const m = /^ACK (\d+) c(\d+)$/.exec(line);
        if (!m) continue;
        acked.set(Number(m[1]), Number(m[2]));
        highest = Math.max(highest, Number(m[2]));
        if (++acks === killAfterAcks) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      children.delete(child);
      if (!finished && signal !== 'SIGKILL') reject(new Error(`child exited ${code}: ${stderr}`));
      else resolve({ nextFrom: highest + 1, finished });
    });
  });
}

it('every acknowledged event lands exactly once after kill -9 at random points', async () => {
  const acked = new Map<number, number>();
  let from = 0;
  let kills = 0;
  for (let round = 0; round < 30 && from < totalEvents; round++) {
    const killAfter = kills < 6 ? 40 + Math.floor(Math.random() * 180) : null;
    const r = await runChild(from, killAfter, acked);
    if (!r.finished) kills++;
    from = r.finished ? totalEvents : r.nextFrom;
  }
  expect(from).toBe(totalEvents);
  expect(kills).toBeGreaterThanOrEqual(3);

  // Restart once more in-process and let it sync whatever the last run left.
  const rt = await startGateRuntime({
    config: parseGateDaemonConfig(config(), 'test'), databaseUrl: config().databaseUrl, barrier: new MockBarrier(), inputs: [new MockGateInputSource()],
    clock: systemClock, logger: silentLogger, listen: false,
  });
  await rt.sync.pass();
  const last = rt.journal.lastSeq();
  expect(rt.journal.syncedUpTo()).toBe(last);
  await rt.stop();

  const { rows } = await db.pool.query<{ seq: number }>(`select seq from gate_events where lot_id = $1 and gate_id = 'crash-in' order by seq`, [lotId]);
  const seqs = rows.map((r) => r.seq);
  expect(new Set(seqs).size).toBe(seqs.length);
  const inDb = new Set(seqs);
  const missing = [...acked.keys()].filter((s) => !inDb.has(s));
  expect(missing).toEqual([]);
  expect(acked.size).toBeGreaterThanOrEqual(totalEvents);
  // No car entered twice, each confirmed entry made exactly one visit, and every allowed decision
  // has exactly one outcome: confirmed, or void (the kill came before the barrier's confirmation).
  const twice = await db.pool.query(`select plate from gate_events where lot_id = $1 and kind = 'entry_confirmed' group by plate having count(*) > 1`, [lotId]);
  expect(twice.rows).toEqual([]);
  const entries = await db.pool.query<{ n: number }>(`select count(*)::int as n from gate_events where lot_id = $1 and kind = 'entry_confirmed'`, [lotId]);
  const visits = await db.pool.query<{ n: number }>(`select count(*)::int as n from visits where lot_id = $1`, [lotId]);
  expect(visits.rows[0]!.n).toBe(entries.rows[0]!.n);
  expect(entries.rows[0]!.n).toBeGreaterThan(0);
  const outcomes = await db.pool.query<{ seq: number; n: number }>(
    `select d.seq, count(o.seq)::int as n from gate_events d
       left join gate_events o on o.lot_id = d.lot_id and o.gate_id = d.gate_id and o.kind in ('entry_confirmed', 'entry_void')
                               and (o.detail->>'decisionSeq')::bigint = d.seq
      where d.lot_id = $1 and d.decision = 'RESERVATION' group by d.seq having count(o.seq) <> 1`, [lotId]);
  expect(outcomes.rows).toEqual([]);
}, 180_000);
