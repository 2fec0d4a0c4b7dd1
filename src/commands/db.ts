import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { migrate, migrationStatus, readMigrations } from '../core/migrate.js';
import { createPool, describeConnectionError } from '../drivers/postgres.js';
import { embeddedPostgresStatus, ensureEmbeddedPostgres, stopEmbeddedPostgres } from '../drivers/embedded-postgres/index.js';
import { credentialsDir } from '../drivers/embedded-postgres/credentials.js';
import { redactUrl } from './redact.js';
import { migrationsDir } from './context.js';
import type { Run } from './index.js';
import { registerDbDistribute } from './db-distribute.js';
import { registerDbPrune } from './db-prune.js';
import { formatTime, renderFields, renderTable } from './output.js';

export function registerDb(program: Command, run: Run): void {
  const db = program.command('db').description('the database: migrations and the embedded server');

  db.command('migrate')
    .description('apply pending migrations (each in its own transaction; safe to run twice at once)')
    .action((_o, cmd: Command) => run(async (ctx) => {
      const url = ctx.config.databaseUrl ?? (await ensureEmbeddedPostgres(ctx.config.home)).url;
      const pool = createPool(url, { max: 1 });
      try {
        const applied = await migrate(pool, await readMigrations(migrationsDir)).catch((e) => { throw describeConnectionError(e, url); });
        ctx.out.result({ applied }, (d) => (d.applied.length ? `applied ${d.applied.join(', ')}` : 'already up to date'));
      } finally {
        await pool.end();
      }
    }, cmd));

  registerDbDistribute(db, run);
  registerDbPrune(db, run);

  db.command('status')
    .description('where the database is, whether it runs, and which migrations are applied')
    .action((_o, cmd: Command) => run(async (ctx) => {
      const embedded = ctx.config.databaseUrl ? null : await embeddedPostgresStatus(ctx.config.home);
      const url = ctx.config.databaseUrl ?? embedded?.server?.url ?? null;
      let migrations: { name: string; appliedAt: Date | null }[] = [];
      if (url && (!embedded || embedded.running)) {
        const pool = createPool(url, { max: 1 });
        try {
          migrations = await migrationStatus(pool, await readMigrations(migrationsDir)).catch((e) => { throw describeConnectionError(e, url); });
        } finally {
          await pool.end();
        }
      }
      const data = {
        mode: embedded ? 'embedded' : 'external',
        running: embedded ? embedded.running : true,
        dataDir: embedded?.server?.dataDir ?? null,
        url: url === null ? null : redactUrl(url),
        migrations: migrations.map((m) => ({ name: m.name, appliedAt: m.appliedAt })),
      };
      ctx.out.result(data, (d) => [
        renderFields([['database', d.mode === 'embedded' ? `embedded (${d.running ? 'running' : 'stopped'})` : 'DATABASE_URL'], ['url', d.url], ['data', d.dataDir ?? undefined]]),
        '',
        d.migrations.length ? renderTable(d.migrations, [{ header: 'migration', value: (m) => m.name }, { header: 'applied', value: (m) => formatTime(m.appliedAt) }]) : '(not reachable: no migration status)',
      ].join('\n'));
    }, cmd));

  db.command('start')
    .description('start the embedded PostgreSQL (left running for other parkctl processes)')
    .action((_o, cmd: Command) => run(async (ctx) => {
      if (ctx.config.databaseUrl) throw new UsageError('DATABASE_URL is set: parkctl does not manage that server', { hint: 'unset DATABASE_URL to use the embedded database' });
      const server = await ensureEmbeddedPostgres(ctx.config.home);
      const pool = createPool(server.url, { max: 1 });
      try {
        await migrate(pool, await readMigrations(migrationsDir));
      } finally {
        await pool.end();
      }
      // The URLs carry passwords (kept mode 600 in the home): shown redacted, never printed in full.
      const shown = { ...server, url: redactUrl(server.url), gateUrl: redactUrl(server.gateUrl), credentials: credentialsDir(ctx.config.home) };
      ctx.out.result(shown, (s) => `embedded PostgreSQL ${s.version} running on port ${s.port} (data in ${s.dataDir}; passwords in ${s.credentials})`);
    }, cmd));

  db.command('stop')
    .description('stop the embedded PostgreSQL')
    .action((_o, cmd: Command) => run(async (ctx) => {
      if (ctx.config.databaseUrl) throw new UsageError('DATABASE_URL is set: parkctl does not manage that server', { hint: 'unset DATABASE_URL to manage the embedded database' });
      const r = await stopEmbeddedPostgres(ctx.config.home);
      ctx.out.result(r, (d) => (d.wasRunning ? 'embedded PostgreSQL stopped' : 'embedded PostgreSQL was not running'));
    }, cmd));
}
