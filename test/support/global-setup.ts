// Once per test run: find a PostgreSQL (PARKCTL_TEST_DATABASE_URL, else an embedded server in a temp
// home), and build a migrated template database that every test file clones (graphile-worker style).
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate, migrationsDigest, readMigrations } from '../../src/core/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
    /** the parkctl_gate role's password on the embedded server; '' on PARKCTL_TEST_DATABASE_URL */
    gatePassword: string;
  }
}

let embeddedHome: string | null = null;
let gatePassword = '';

async function adminUrl(): Promise<string> {
  const url = process.env.PARKCTL_TEST_DATABASE_URL;
  if (url) return url;
  embeddedHome = process.env.PARKCTL_TEST_HOME ?? mkdtempSync(join(tmpdir(), 'parkctl-test-'));
  // Run as root, the server runs as an unprivileged user: let it into the home so the cluster stays here.
  chmodSync(embeddedHome, 0o755);
  const { ensureEmbeddedPostgres } = await import('../../src/drivers/embedded-postgres/index.js');
  const server = await ensureEmbeddedPostgres(embeddedHome);
  // every role logs in with a password there (the gate daemon's role with its own)
  gatePassword = decodeURIComponent(new URL(server.gateUrl).password);
  return server.url;
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const admin = await adminUrl();
  const migrations = await readMigrations(join(import.meta.dirname, '../../migrations'));
  const templateDb = `parkctl_tpl_${migrationsDigest(migrations)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    // Two test runs at once (a developer and CI) must not build the same template twice.
    await client.query(`select pg_advisory_lock(7214300002)`);
    const { rowCount } = await client.query(`select 1 from pg_database where datname = $1`, [templateDb]);
    if (!rowCount) {
      await client.query(`create database ${templateDb}`);
      const pool = new pg.Pool({ connectionString: withDatabase(admin, templateDb), max: 1 });
      try {
        await migrate(pool, migrations);
      } catch (err) {
        await pool.end();
        await client.query(`drop database if exists ${templateDb}`);
        throw err;
      }
      await pool.end();
    }
    await client.query(`select pg_advisory_unlock(7214300002)`);
  } finally {
    await client.end();
  }
  project.provide('adminUrl', admin);
  project.provide('templateDb', templateDb);
  project.provide('gatePassword', gatePassword);
  return async () => {
    if (embeddedHome && !process.env.PARKCTL_TEST_HOME) {
      const { removeEmbeddedPostgres } = await import('../../src/drivers/embedded-postgres/index.js');
      await removeEmbeddedPostgres(embeddedHome);
      rmSync(embeddedHome, { recursive: true, force: true });
    }
  };
}
