// `db distribute`: spread the schema over a Citus cluster by lot_id (or, with --print, show how first).
import type { Command } from 'commander';
import { distributionPlan, lotScopeProblems } from '../core/bulk/distribution.js';
import { clusterProblem, readCluster } from '../core/citus/cluster.js';
import { applyDistribution, distributionScript, distributionSteps, hasWork } from '../core/citus/distribute.js';
import { RefusedError } from '../core/errors.js';
import { selectFunctions, selectKeys, selectTables } from '../core/sql/catalog.js';
import type { PoolLike } from '../core/ports.js';
import { MIGRATION_LOCK } from '../core/migrate.js';
import type { AppContext } from './context.js';
import type { Run } from './index.js';
import { renderFields } from './output.js';

/** Subcommands of `parkctl db` (added to the group made in db.ts). */
export function registerDbDistribute(db: Command, run: Run): void {
  db.command('distribute')
    .description('distribute the schema by lot_id over a Citus cluster, in one transaction (--print: only show the statements)')
    .option('--print', 'print the statements for review and change nothing')
    .action((o: { print?: boolean }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      // Two runs at once (two deploy scripts, two test files on a fresh cluster) would both read the schema
      // as not yet distributed, and the second would fail on "already distributed": the migrations' lock,
      // held by this session from the read to the commit, makes the second wait and then find nothing to do.
      const lock = o.print ? null : await pool.connect();
      try {
        if (lock) await lock.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK]);
        await distribute(ctx, pool, o);
      } finally {
        if (lock) {
          // a connection whose unlock failed is closed, not pooled: closing it is what lets the lock go
          const unlocked = await lock.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK]).then(() => true, () => false);
          lock.release(!unlocked);
        }
      }
    }, cmd));
}

async function distribute(ctx: AppContext, pool: PoolLike, o: { print?: boolean }): Promise<void> {
  const [tables, keys, functions, cluster] = await Promise.all([selectTables(pool), selectKeys(pool), selectFunctions(pool), readCluster(pool)]);
  const problems = lotScopeProblems(tables, keys);
  if (problems.length > 0) {
    // one line: the names; the first problem in words (an error line is cut at the terminal's width)
    const names = problems.map((p) => p.constraint ?? p.table);
    throw new RefusedError(`the schema cannot be distributed by lot_id: ${problems.length} key(s) leave lot_id out: ${names.join(', ')}`, {
      hint: `${problems[0]!.message}; every key of a lot-scoped table must include lot_id (README: Outgrowing one server): fix the migration`,
      code: 'not_distributable',
    });
  }
  const plan = distributionPlan(tables, keys);
  const steps = distributionSteps(plan, functions, cluster);
  if (o.print) {
    if (ctx.out.json) return ctx.out.result({ ...plan, statements: steps, sql: distributionScript(plan, steps) }, () => '');
    return ctx.out.raw(distributionScript(plan, steps));
  }
  const problem = clusterProblem(cluster);
  if (problem) throw new RefusedError(problem.message, { hint: problem.hint, code: 'not_citus' });
  const alreadyDone = !steps.some((s) => s.kind === 'reference' || s.kind === 'distributed');
  const applied = hasWork(steps) ? await applyDistribution(pool, steps) : null;
  const data = {
    citusVersion: cluster.version,
    workers: cluster.nodes.filter((n) => n.groupId !== 0).map((n) => `${n.nodeName}:${n.nodePort}`),
    alreadyDistributed: alreadyDone,
    referenceTables: applied?.referenceTables ?? [],
    distributedTables: applied?.distributedTables ?? [],
    localTables: plan.localTables,
    delegatedFunctions: applied?.delegatedFunctions ?? [],
    propagatedFunctions: applied?.propagatedFunctions ?? [],
  };
  ctx.out.result(data, (d) => renderFields([
    ['citus', d.citusVersion ?? undefined],
    ['workers', d.workers.join(', ')],
    ['reference', d.alreadyDistributed ? 'already distributed (nothing to do)' : d.referenceTables.join(', ') || '(already)'],
    ['distributed', d.distributedTables.map((t) => `${t.table} (${t.shards} shards)`).join(', ') || undefined],
    ['coordinator only', d.localTables.join(', ') || undefined],
    ['delegated', d.delegatedFunctions.map((f) => f.replace(/\(.*$/, '')).join(', ') || undefined],
    ['propagated', d.propagatedFunctions.length ? `${d.propagatedFunctions.length} functions to the workers` : undefined],
  ]));
}
