// Issue 21: every command that writes, with its connection to PostgreSQL cut at every point a cut can
// land (refused, before a statement, after a statement and before its answer, after COMMIT and before
// its answer) and at seeded random points. Whatever happens: the exit is 0, 69 or the command's
// documented refusal, never 70; the database holds the state before or the state after, never one in
// between; what the error says about the write agrees with the database; and running the command
// again (with the idempotency key parkctl printed, if it made one up) converges to exactly one effect.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { FaultProxy, type Cut, type CutAction, type CutPoint, type Traffic } from './support/fault-proxy.js';
import { buildScenarios, type Scenario } from './support/fault-scenarios.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let dir: string;
let scenarios: Scenario[];
const proxies: FaultProxy[] = [];
const reference = new Map<string, { after: string; traffic: Traffic }>();
let nextSubject = 1;

interface CutReport {
  scenario: string;
  cut: Cut;
  code: number;
  state: 'before' | 'after' | 'between';
  outcome?: string;
  rerunCode?: number;
  /** what the cut run printed under --json */
  json: unknown;
  problems: string[];
}

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
  dir = mkdtempSync(join(tmpdir(), 'parkctl-faults-'));
  const u = new URL(db.url);
  for (let k = 0; k < 4; k++) {
    const proxy = new FaultProxy({ host: u.hostname, port: Number(u.port || 5432) });
    await proxy.start();
    proxies.push(proxy);
  }
  const directEnv = { DATABASE_URL: db.url, PARKCTL_HOME: dir };
  scenarios = buildScenarios({ pool: db.pool, directEnv, dir });
  for (let k = 0; k < scenarios.length; k++) {
    for (let w = 0; w < proxies.length; w++) await createTestLot(db.pool, { code: lotOf(scenarios[k]!, w), spots: 10 });
  }
  // The state after each command, and what it sends, from one run with nothing cut.
  for (const s of scenarios) {
    const subject = await s.prepare(nextSubject++, lotOf(s, 0));
    proxies[0]!.arm(null);
    const r = await runThroughProxy(proxies[0]!, subject.args, subject.now);
    expect(r.code, `${s.name}: ${r.stdout}${r.stderr}`).toBe(0);
    reference.set(s.name, { after: await subject.snapshot(), traffic: proxies[0]!.traffic() });
  }
});

afterAll(async () => {
  for (const p of proxies) await p.stop();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Each scenario has a lot per proxy: runs in one lot never overlap (see Scenario.prepare). */
function lotOf(s: Scenario, worker: number): string {
  return `F${scenarios.indexOf(s)}W${worker}`;
}

function runThroughProxy(proxy: FaultProxy, args: string[], now: string): Promise<CliResult> {
  return runCli(['--json', ...args], { DATABASE_URL: proxy.urlFor(db.url), PARKCTL_HOME: dir, PARKCTL_NOW: now });
}

/** The arguments to run again after a lost answer: with the key parkctl made up, when it made one. */
function rerunArgs(args: string[], r: CliResult): string[] {
  const key = (r.json as { error?: { idempotencyKey?: string } } | undefined)?.error?.idempotencyKey;
  return key && !args.includes('--external-ref') ? [...args, '--external-ref', key] : args;
}

async function cutOnce(proxy: FaultProxy, s: Scenario, cut: Cut, run: (args: string[], now: string) => Promise<CliResult>): Promise<CutReport> {
  const ref = reference.get(s.name)!;
  const subject = await s.prepare(nextSubject++, lotOf(s, proxies.indexOf(proxy)));
  const before = await subject.snapshot();
  proxy.arm(cut);
  const r = await run(subject.args, subject.now);
  proxy.arm(null);
  const now = await subject.snapshot();
  const state = now === before ? 'before' : now === ref.after ? 'after' : 'between';
  const problems: string[] = [];
  const outcome = (r.json as { error?: { outcome?: string } } | undefined)?.error?.outcome;
  const report: CutReport = { scenario: s.name, cut, code: r.code, state, outcome, json: r.json, problems };
  if (![0, 69, ...s.refusals].includes(r.code)) problems.push(`exit ${r.code}: ${r.stdout}${r.stderr}`);
  if (state === 'between') problems.push(`half-written:\n${now}\nbefore:\n${before}\nafter:\n${ref.after}`);
  if (r.code === 0 && state !== 'after') problems.push(`exit 0 but the state is ${state}`);
  if (r.code === 69 && outcome === 'not_applied' && state !== 'before') problems.push(`said not applied, state is ${state}`);
  if (r.code === 69 && outcome === 'applied' && state !== 'after') problems.push(`said applied, state is ${state}`);
  if (r.code === 69 && s.name !== 'sweeper holds' && s.name !== 'sweeper no-shows' && !outcome) problems.push(`a write lost its database and did not say what became of it: ${r.stdout}`);
  if (r.code !== 0) {
    await proxy.released(db.pool);
    const again = await run(rerunArgs(subject.args, r), subject.now);
    report.rerunCode = again.code;
    if (![0, ...s.refusals].includes(again.code)) problems.push(`re-run exit ${again.code}: ${again.stdout}${again.stderr}`);
    const final = await subject.snapshot();
    if (final !== ref.after) problems.push(`re-run did not converge:\n${final}\nexpected:\n${ref.after}`);
  }
  await subject.cleanup?.();
  return report;
}

/**
 * Runs cuts four at a time, one per proxy: most of a cut is waiting (a retry's backoff, a stall).
 * Stops taking jobs once the test is over (`signal`: timed out): a test that timed out on a busy machine
 * went on arming the shared proxies under the next test's cuts, which then saw a cut undone (exit 0).
 */
async function runCuts(jobs: { s: Scenario; cut: Cut }[], signal: AbortSignal): Promise<CutReport[]> {
  await proxiesIdle();
  const reports: CutReport[] = [];
  let next = 0;
  const work = Promise.all(proxies.map(async (proxy) => {
    while (next < jobs.length && !signal.aborted) {
      const job = jobs[next++]!;
      reports.push(await cutOnce(proxy, job.s, job.cut, (args, now) => runThroughProxy(proxy, args, now)));
    }
  }));
  inFlight = work.catch(() => undefined);
  await work;
  return reports;
}

/** the cuts of the last runCuts, still finishing the runs they had started when their test timed out */
let inFlight: Promise<unknown> = Promise.resolve();
const proxiesIdle = () => inFlight;

const actions: CutAction[] = ['reset', 'close', 'stall'];

function everyCut(s: Scenario): Cut[] {
  const t = reference.get(s.name)!.traffic;
  const cuts: Cut[] = [];
  const add = (point: CutPoint, n: number) => { for (let nth = 1; nth <= n; nth++) cuts.push({ point, nth, action: actions[cuts.length % actions.length]! }); };
  add('connect', Math.min(t.connections, 2));
  add('before_query', t.statements);
  add('after_query', t.statements);
  add('after_commit', t.commits);
  return cuts;
}

function summary(reports: CutReport[]): string {
  return reports.filter((r) => r.problems.length > 0).map((r) => `${r.scenario} ${r.cut.point}#${r.cut.nth} ${r.cut.action}: exit ${r.code}, ${r.state}, outcome ${r.outcome}\n  ${r.problems.join('\n  ')}`).join('\n');
}

/** mulberry32: the same seed, the same cuts */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('a write whose connection is cut', () => {
  it('at every point, in every writing command: exit 0, 69 or a refusal; before or after; a re-run converges', async ({ signal }) => {
    const jobs = scenarios.flatMap((s) => everyCut(s).map((cut) => ({ s, cut })));
    const reports = await runCuts(jobs, signal);
    expect(summary(reports)).toBe('');
    expect(reports.length).toBe(jobs.length);
    // the suite reached every kind of ending it is about
    expect(reports.some((r) => r.code === 69 && r.outcome === 'unknown')).toBe(true);
    expect(reports.some((r) => r.code === 0 && r.cut.point === 'before_query')).toBe(true);
    expect(reports.some((r) => r.state === 'after' && r.code === 69)).toBe(true);
  }, 900_000); // a bound against a hang: it took over 180 s at load 20 on 2 cores

  it('at seeded random points', async ({ signal }) => {
    const random = seeded(21);
    const points: CutPoint[] = ['connect', 'before_query', 'after_query', 'after_commit'];
    const jobs = Array.from({ length: 60 }, () => {
      const s = scenarios[Math.floor(random() * scenarios.length)]!;
      const t = reference.get(s.name)!.traffic;
      const point = points[Math.floor(random() * points.length)]!;
      const most = point === 'connect' ? t.connections : point === 'after_commit' ? Math.max(1, t.commits) : t.statements;
      return { s, cut: { point, nth: 1 + Math.floor(random() * most), action: actions[Math.floor(random() * actions.length)]! } };
    });
    const reports = await runCuts(jobs, signal);
    expect(summary(reports)).toBe('');
  }, 600_000);

  it('with PostgreSQL gone for good: exit 69 once the retries are spent, saying not applied (or unknown after COMMIT left)', async ({ signal }) => {
    const jobs = [
      ...scenarios.map((s) => ({ s, cut: { point: 'connect', nth: 1, action: 'reset', persist: true } as Cut })),
      ...scenarios.filter((s) => reference.get(s.name)!.traffic.commits > 0).slice(0, 3)
        .map((s) => ({ s, cut: { point: 'after_commit', nth: 1, action: 'close', persist: true } as Cut })),
    ];
    const reports = await runCuts(jobs, signal);
    expect(summary(reports)).toBe('');
    for (const r of reports) {
      expect(r.code, `${r.scenario} ${r.cut.point}`).toBe(69);
      expect(r.outcome, `${r.scenario} ${r.cut.point}`).toBe(r.cut.point === 'connect' ? 'not_applied' : 'unknown');
      expect(r.state).toBe(r.cut.point === 'connect' ? 'before' : 'after');
      // nothing was written: the re-run does it all; after a COMMIT that landed, it converges (summary above)
      if (r.cut.point === 'connect') expect(r.rerunCode).toBe(0);
    }
  }, 300_000);

  it('through the real binary: a lost answer to a reservation is asked again with its key; if PostgreSQL stays away the key is printed and the re-run books once', async () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'parkctl');
    expect(existsSync(join(import.meta.dirname, '..', 'dist', 'cli.js')), 'build first: npm run build').toBe(true);
    const run = async (args: string[], now: string): Promise<CliResult> => {
      const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', DATABASE_URL: proxies[0]!.urlFor(db.url), PARKCTL_HOME: dir, PARKCTL_NOW: now, PARKCTL_ACTOR: 'test' };
      const out = await promisify(execFile)(process.execPath, [bin, '--json', ...args], { env }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
      let json: unknown;
      try { json = JSON.parse(out.stdout); } catch { json = undefined; }
      return { ...out, json };
    };
    await proxiesIdle();
    const reserve = scenarios.find((s) => s.name === 'booking reserve')!;
    const t = reference.get(reserve.name)!.traffic;
    const allocator = t.texts.findIndex((text) => text.includes('parkctl_reserve(')) + 1;
    expect(allocator).toBeGreaterThan(0);
    const reports: CutReport[] = [];
    for (const cut of [
      // the allocator's answer lost, once: parkctl asks again with the key and gets the same reservation
      { point: 'after_query', nth: allocator, action: 'reset' },
      // lost, and PostgreSQL stays away: exit 69, outcome unknown, the made-up key printed for the re-run
      { point: 'after_query', nth: allocator, action: 'close', persist: true },
      { point: 'before_query', nth: 1, action: 'reset' },
      { point: 'connect', nth: 1, action: 'close' },
    ] as Cut[]) {
      // odd subjects reserve without a key: the key parkctl made up must be printed
      if (nextSubject % 2 === 0) nextSubject++;
      reports.push(await cutOnce(proxies[0]!, reserve, cut, run));
    }
    expect(summary(reports)).toBe('');
    expect(reports.map((r) => [r.code, r.state])).toEqual([[0, 'after'], [69, 'after'], [0, 'after'], [0, 'after']]);
    expect(reports[1]).toMatchObject({ outcome: 'unknown', rerunCode: 0 });
    // asked again under the key it made up, the reservation it found is the one this run made
    expect(reports[0]!.json).toMatchObject({ created: true, status: 'TENTATIVE' });
  }, 300_000);
});
