// Issue 21, items 1-3 against real PostgreSQL: a connection terminated mid-query (57P01, as in a
// restart) is an outage (exit 69, one line, a hint), never a bug; what it did to the write is said;
// what cannot have taken effect is retried inside parkctl, logged; a lost answer to COMMIT is not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOutage, describeError } from '../src/cli.js';
import { connectionLossOf, withTransaction, type RetryPolicy } from '../src/core/db.js';
import type { Logger } from '../src/core/ports.js';
import { createPool, type Pool } from '../src/drivers/postgres.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { FaultProxy } from './support/fault-proxy.js';

let db: TestDatabase;
let proxy: FaultProxy;
const pools: Pool[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(`create table outage_t (id int primary key, v int not null)`);
  await db.pool.query(`insert into outage_t values (1, 0), (2, 0)`);
  const u = new URL(db.url);
  proxy = new FaultProxy({ host: u.hostname, port: Number(u.port || 5432) });
  await proxy.start();
});

afterAll(async () => {
  for (const p of pools) await p.end().catch(() => {});
  await proxy?.stop();
  await db?.drop();
});

function pool(name: string, retry?: Partial<RetryPolicy>, logger?: Logger, url = db.url): Pool {
  const p = createPool(url, { max: 2, applicationName: name, retry: retry ?? false, logger });
  pools.push(p);
  return p;
}

function recordingLogger(): Logger & { lines: { msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
  const log = (msg: string, fields?: Record<string, unknown>) => void lines.push({ msg, fields });
  return { lines, info: log, warn: log, error: log };
}

/** Runs `sql` on its own connection and terminates that backend while it runs (what a fast restart does). */
async function terminatedMidQuery(p: Pool, name: string, sql: string): Promise<unknown> {
  const running = p.query(sql).then(() => null, (err: unknown) => err);
  for (;;) {
    const { rows } = await db.pool.query<{ n: number }>(`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = $1 and state = 'active'`, [name]);
    if (rows[0]!.n > 0) break;
  }
  return running;
}

describe('a connection lost mid-query', () => {
  it('terminated by an administrator (57P01) while a read runs: exit 69, one line naming PostgreSQL, nothing written', async () => {
    const err = await terminatedMidQuery(pool('outage-read'), 'outage-read', 'select pg_sleep(30)');
    expect((err as { code?: string }).code).toBe('57P01');
    const report = describeError(await asOutage(err, db.url), { path: 'booking reserve', args: [], opts: { lot: 'L', plate: 'AB12CDE' } });
    expect(report.exitCode).toBe(69);
    expect(report.message).toMatch(/^PostgreSQL: lost the connection to .*terminating connection due to administrator command \(not applied\)$/);
    expect(report.message).not.toContain('\n');
    expect(report.outcome).toBe('not_applied');
    expect(report.hint).toMatch(/nothing was written/);
  });

  it('terminated while a write outside a transaction runs: the outcome is unknown, with how to check and the key to re-run with', async () => {
    const err = await terminatedMidQuery(pool('outage-write'), 'outage-write', 'update outage_t set v = v + 1 from pg_sleep(30) where id = 1');
    expect(connectionLossOf(err)).toMatchObject({ phase: 'statement', mayHaveApplied: true, outcome: 'unknown' });
    const report = describeError(await asOutage(err, db.url), {
      path: 'booking reserve', args: [], opts: { lot: 'RIVERSIDE', plate: 'AB12CDE' }, key: { flag: '--external-ref', value: 'parkctl-k1', generated: true },
    });
    expect(report.exitCode).toBe(69);
    expect(report.outcome).toBe('unknown');
    expect(report.idempotencyKey).toBe('parkctl-k1');
    expect(report.hint).toBe('see whether it took effect with: parkctl booking list --lot RIVERSIDE --plate AB12CDE; re-running with --external-ref parkctl-k1 is safe and returns the same reservation');
  });

  it('any other way a service goes away is exit 69 too; a constraint violation stays a bug', async () => {
    const lost = [
      Object.assign(new Error('Connection terminated unexpectedly'), {}),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      Object.assign(new Error('server closed the connection unexpectedly'), { code: '08006' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('terminating connection due to unexpected postmaster exit'), { code: '57P02' }),
    ];
    for (const err of lost) expect(describeError(await asOutage(err, null)).exitCode, err.message).toBe(69);
    expect(describeError(await asOutage(Object.assign(new Error('duplicate key'), { code: '23505' }), null)).exitCode).toBe(70);
  });
});

describe('retries inside parkctl', () => {
  it('a deadlock between two transactions is retried: both land, and the retry is logged', async () => {
    const logger = recordingLogger();
    const p = pool('outage-deadlock', { baseDelayMs: 5, random: () => 0.5 }, logger);
    let firstA = true;
    let firstB = true;
    let release!: () => void;
    const bothLocked = new Promise<void>((r) => { release = r; });
    let locked = 0;
    const lockedOne = () => { if (++locked === 2) release(); };
    const tx = (first: () => boolean, a: number, b: number) => withTransaction(p, async (c) => {
      await c.query(`update outage_t set v = v + 1 where id = $1`, [a]);
      if (first()) { lockedOne(); await bothLocked; }
      await c.query(`update outage_t set v = v + 1 where id = $1`, [b]);
    });
    const before = (await db.pool.query<{ s: number }>(`select sum(v)::int as s from outage_t`)).rows[0]!.s;
    await Promise.all([
      tx(() => { const f = firstA; firstA = false; return f; }, 1, 2),
      tx(() => { const f = firstB; firstB = false; return f; }, 2, 1),
    ]);
    expect((await db.pool.query<{ s: number }>(`select sum(v)::int as s from outage_t`)).rows[0]!.s).toBe(before + 4);
    expect(logger.lines).toContainEqual(expect.objectContaining({ msg: 'retrying transaction', fields: expect.objectContaining({ reason: 'deadlock (40P01)' }) }));
  });

  it('a connection cut before COMMIT is retried on a fresh one; a lost answer to COMMIT is not retried and says unknown', async () => {
    const logger = recordingLogger();
    const p = pool('outage-proxy', { baseDelayMs: 5 }, logger, proxy.urlFor(db.url));
    let runs = 0;
    const bump = () => withTransaction(p, async (c) => {
      runs++;
      await c.query(`update outage_t set v = v + 10 where id = 2`);
    });
    const v = async () => (await db.pool.query<{ v: number }>(`select v from outage_t where id = 2`)).rows[0]!.v;

    const start = await v();
    proxy.arm({ point: 'before_query', nth: 2, action: 'reset' }); // the update, inside the transaction
    await bump();
    expect(runs).toBe(2);
    expect(await v()).toBe(start + 10);
    expect(logger.lines.map((l) => l.msg)).toContain('retrying transaction');

    runs = 0;
    proxy.arm({ point: 'after_commit', nth: 1, action: 'reset' });
    const err = await bump().then(() => null, (e: unknown) => e);
    proxy.arm(null);
    expect(runs).toBe(1);
    expect(connectionLossOf(err)).toMatchObject({ phase: 'commit', mayHaveApplied: true, outcome: 'unknown' });
    expect(await v()).toBe(start + 20); // it had committed: running it again blindly would have added 10 more
  });

  it('a server that is starting (57P03) is waited for, within the budget', async () => {
    const logger = recordingLogger();
    const p = pool('outage-starting', { baseDelayMs: 5, random: () => 0 }, logger);
    let calls = 0;
    const starting = {
      query: p.query.bind(p),
      retryPolicy: p.retryPolicy,
      connect: async () => {
        if (++calls <= 2) throw Object.assign(new Error('the database system is starting up'), { code: '57P03' });
        return p.connect();
      },
    };
    expect(await withTransaction(starting, async (c) => (await c.query<{ one: number }>('select 1 as one')).rows[0]!.one)).toBe(1);
    expect(calls).toBe(3);
    expect(logger.lines.filter((l) => l.fields?.reason === 'the database is starting (57P03)')).toHaveLength(2);
  });

  it('without a retry policy nothing is retried (tests and callers that want every failure)', async () => {
    const p = pool('outage-noretry', undefined, undefined, proxy.urlFor(db.url));
    proxy.arm({ point: 'before_query', nth: 1, action: 'reset' });
    const err = await p.query('select 1').then(() => null, (e: unknown) => e);
    proxy.arm(null);
    expect(connectionLossOf(err)).toMatchObject({ mayHaveApplied: false, outcome: 'not_applied' });
  });
});
