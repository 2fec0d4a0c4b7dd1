import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { migrate, migrationStatus, readMigrations } from '../src/core/migrate.js';
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
