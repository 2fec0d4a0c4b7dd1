// `db distribute`: the Citus statements that spread the schema over many servers by lot_id.
import type { Command } from 'commander';
import { citusStatements, distributionPlan, lotScopeProblems } from '../core/bulk/distribution.js';
import { RefusedError, UsageError } from '../core/errors.js';
import { selectKeys, selectTables } from '../core/sql/catalog.js';
import type { Run } from './index.js';

/** Subcommands of `parkctl db` (added to the group made in db.ts). */
export function registerDbDistribute(db: Command, run: Run): void {
  db.command('distribute')
    .description('print the Citus statements that distribute the schema by lot_id (from the live catalog)')
    .option('--print', 'print the statements (parkctl never runs them itself)')
    .action((o: { print?: boolean }, cmd: Command) => run(async (ctx) => {
      if (!o.print) {
        throw new UsageError('parkctl does not distribute the database itself: that needs a Citus cluster and an operator', {
          hint: 'print the statements and run them on the Citus coordinator: parkctl db distribute --print | psql "$CITUS_URL"',
          code: 'needs_citus',
        });
      }
      const pool = await ctx.pool();
      const [tables, keys] = await Promise.all([selectTables(pool), selectKeys(pool)]);
      const problems = lotScopeProblems(tables, keys);
      if (problems.length > 0) {
        throw new RefusedError(`the schema cannot be distributed by lot_id: ${problems.map((p) => p.message).join('; ')}`, {
          hint: 'every key of a lot-scoped table must include lot_id (README: Outgrowing one server): fix the migration', code: 'not_distributable',
        });
      }
      const plan = distributionPlan(tables, keys);
      if (ctx.options.json) return ctx.out.result({ ...plan, sql: citusStatements(plan) }, () => '');
      ctx.out.raw(citusStatements(plan));
    }, cmd));
}
