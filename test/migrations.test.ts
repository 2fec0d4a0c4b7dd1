import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { listMigrations, migrate, migrationStatus, readMigrations } from '../src/core/migrate.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => { await db.drop(); });

describe('migrations', () => {
  it('are all applied to the template and a second run applies nothing', async () => {
    const migrations = await readMigrations(join(import.meta.dirname, '../migrations'));
    const status = await migrationStatus(db.pool, migrations);
    expect(status.length).toBeGreaterThan(1);
    expect(status.every((s) => s.appliedAt instanceof Date)).toBe(true);
    expect(await migrate(db.pool, migrations)).toEqual([]);
  });

  it('are listed by id and name, without their SQL, as they are read (the check before every command)', async () => {
    const dir = join(import.meta.dirname, '../migrations');
    const read = await readMigrations(dir);
    expect(await listMigrations(dir)).toEqual(read.map(({ id, name }) => ({ id, name })));
    expect(read.every((m) => m.sql.length > 0)).toBe(true);
  });

  it('leave the allocator with bitmap scans and sorts off (0008: a later create or replace must keep them)', async () => {
    const { rows } = await db.pool.query<{ proconfig: string[] | null }>(
      `select proconfig from pg_proc where proname = 'parkctl_reserve'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.proconfig?.sort()).toEqual(['enable_bitmapscan=off', 'enable_sort=off']);
  });

  it('run the trigger after updates of reservations without JIT (0009: compiling cost more than the statement)', async () => {
    const { rows } = await db.pool.query<{ proconfig: string[] | null }>(
      `select proconfig from pg_proc where proname = 'reservations_after_update'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.proconfig).toEqual(['jit=off']);
  });

  it('two migrators at once apply each file exactly once', async () => {
    const empty = await createTestDatabase();
    try {
      await empty.pool.query('drop schema public cascade; create schema public');
      const migrations = await readMigrations(join(import.meta.dirname, '../migrations'));
      const [a, b] = await Promise.all([migrate(empty.pool, migrations), migrate(empty.pool, migrations)]);
      expect([...a, ...b].sort()).toEqual(migrations.map((m) => m.name).sort());
    } finally {
      await empty.drop();
    }
  });
});
