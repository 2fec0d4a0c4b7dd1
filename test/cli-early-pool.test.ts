// A one-shot command connects while it loads (src/commands/early-pool.ts, issue 13): the connection it
// opens early is the one it uses, its migration check still refuses a database that needs migrating, and
// a command that never asks for the database leaves no connection behind.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createTestDatabase, databaseUrl, type TestDatabase } from './support/db.js';
import { runCli } from './support/cli.js';

let db: TestDatabase;
let bare: { url: string; name: string };

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 1 });
  const name = `parkctl_bare_${process.pid}`;
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name}`);
    await admin.query(`create database ${name} template template0`);
  } finally {
    await admin.end();
  }
  bare = { name, url: databaseUrl(name) };
});

afterAll(async () => {
  await db?.drop();
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${bare.name} with (force)`);
  } finally {
    await admin.end();
  }
});

/** parkctl's own backends on `name` (application_name parkctl), once those that are closing are gone. */
async function parkctlBackends(name: string): Promise<number> {
  let n = -1;
  for (const deadline = Date.now() + 3_000; Date.now() < deadline;) {
    const { rows } = await db.pool.query<{ n: number }>(
      `select count(*)::integer as n from pg_stat_activity where datname = $1::text and application_name = 'parkctl'`, [name]);
    n = rows[0]!.n;
    if (n === 0) return 0;
    await new Promise((r) => setTimeout(r, 50));
  }
  return n;
}

describe('the connection opened while a command loads', () => {
  it('serves the command, and is closed with it', async () => {
    const r = await runCli(['-o', 'json', 'lot', 'list'], { DATABASE_URL: db.url });
    expect(r.code).toBe(0);
    expect(Array.isArray(r.json)).toBe(true);
    expect(await parkctlBackends(db.name)).toBe(0);
  });

  it('still finds the migrations a database lacks', async () => {
    const r = await runCli(['lot', 'list'], { DATABASE_URL: bare.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the database needs \d+ migration\(s\): 0001_/);
    expect(r.stderr).toContain('hint: run: parkctl db migrate');
    expect(await parkctlBackends(bare.name)).toBe(0);
  });

  it('is closed when the command refuses its input before asking for the database', async () => {
    const r = await runCli(['booking', 'list', '--limit', 'lots'], { DATABASE_URL: db.url });
    expect(r.code).toBe(2);
    expect(await parkctlBackends(db.name)).toBe(0);
  });

  it('belongs to its own run when commands run side by side in one process', async () => {
    // one of each: refused before the database (its pool is closed by its own run) and served
    const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 3 === 0
      ? runCli(['booking', 'list', '--limit', 'lots'], { DATABASE_URL: db.url })
      : runCli(['-o', 'json', 'lot', 'list'], { DATABASE_URL: db.url }))));
    expect(runs.map((r) => r.code)).toEqual(Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 2 : 0)));
    expect(runs.filter((r) => r.stderr.includes('after calling end'))).toEqual([]);
    expect(await parkctlBackends(db.name)).toBe(0);
  });

  it('is opened by bin/parkctl before the program loads: it serves the command, refusals and a database that needs migrating close it', async () => {
    const { runBuilt } = await import('./support/built-cli.js');
    const served = await runBuilt(['-o', 'json', 'lot', 'list'], { DATABASE_URL: db.url });
    expect(served.code, served.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(served.stdout))).toBe(true);
    const refused = await runBuilt(['booking', 'list', '--limit', 'lots'], { DATABASE_URL: db.url });
    expect(refused.code).toBe(2);
    expect(await parkctlBackends(db.name)).toBe(0);
    const unmigrated = await runBuilt(['lot', 'list'], { DATABASE_URL: bare.url });
    expect(unmigrated.code).toBe(2);
    expect(unmigrated.stderr).toMatch(/the database needs \d+ migration\(s\): 0001_/);
    expect(await parkctlBackends(bare.name)).toBe(0);
  });

  it('is not opened for help', async () => {
    const r = await runCli(['booking', 'reserve', '--help'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--plate');
  });
});

describe('warming the early connection', () => {
  it('plans the capacity count on a migrated database (an EXPLAIN: nothing read or written), and fails on a bare one', async () => {
    const { busyCountWarmUpSql } = await import('../src/core/sql/capacity.js');
    const sql = busyCountWarmUpSql();
    expect(sql).not.toMatch(/\$\d/); // every parameter written in: a simple query has none
    for (const [url, outcome] of [[db.url, 'resolves'], [bare.url, 'rejects']] as const) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        if (outcome === 'resolves') expect((await client.query(sql)).rows.length).toBeGreaterThan(0); // plan lines
        else await expect(client.query(sql)).rejects.toThrow(/does not exist/);
      } finally {
        await client.end();
      }
    }
  });
});
