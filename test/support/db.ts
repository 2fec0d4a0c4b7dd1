// A fresh, migrated database per test file, cloned from the run's template.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createPool } from '../../src/drivers/postgres.js';

export interface TestDatabase {
  url: string;
  name: string;
  pool: pg.Pool;
  /** drop the database; call in afterAll */
  drop(): Promise<void>;
}

export function databaseUrl(db: string): string {
  const u = new URL(inject('adminUrl'));
  u.pathname = `/${db}`;
  // parkctl's pools give a connection 5 s unless the URL says otherwise: at load 28 the embedded server took
  // longer, and in-process commands said 69 (PostgreSQL unavailable) where the test expected their answer
  u.searchParams.set('connect_timeout', '60');
  return u.toString();
}

/** `url` as the gate daemon's role parkctl_gate (with that role's password on the embedded server). */
export function gateRoleTestUrl(url: string): string {
  const u = new URL(url);
  u.username = 'parkctl_gate';
  u.password = inject('gatePassword') ? encodeURIComponent(inject('gatePassword')) : '';
  return u.toString();
}

export async function createTestDatabase(opts: { poolSize?: number } = {}): Promise<TestDatabase> {
  const name = `parkctl_t_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  try {
    // Cloning needs the template to be idle; another worker's clone in flight can make it busy briefly.
    // Every run against the same server shares the template (9 engineers' suites at once): 5 s was not
    // always enough at load 20, so the bound is 120 s against a hang.
    for (const deadline = Date.now() + 120_000; ;) {
      try {
        await admin.query(`create database ${name} template ${inject('templateDb')}`);
        break;
      } catch (err) {
        if (Date.now() > deadline || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  // 60 s to get a connection, not the CLI's 5 s: pg-pool counts the wait for a free client in it, and at
  // load 28 tests racing 32 reservers over a pool timed out waiting (a refusal the test did not expect)
  const pool = createPool(url, { max: opts.poolSize ?? 8, applicationName: 'parkctl-test', connectTimeoutMs: 60_000 });
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: inject('adminUrl') });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
