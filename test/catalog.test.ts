// Invariant 3, read from pg_catalog of the migrated schema: every lot-scoped table keeps lot_id in its
// primary key and in every unique, exclusion and foreign key; so it can be distributed by lot_id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributionPlan, lotScopeProblems } from '../src/core/bulk/distribution.js';
import { readCluster } from '../src/core/citus/cluster.js';
import { distributionScript, distributionSteps } from '../src/core/citus/distribute.js';
import { selectFunctions, selectKeys, selectTables } from '../src/core/sql/catalog.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

/**
 * Tables without lot_id, each on purpose. A new table missing lot_id fails here until it is listed,
 * which makes its author decide: lot-scoped (add lot_id) or truly global.
 */
const tablesWithoutLotId = [
  'parkctl_migrations', // the migrator's own bookkeeping, coordinator only
  'webhook_events', // payment provider webhook log, keyed by the provider's event id
  'api_keys', // HTTP API keys: a key may span lots (--lot, repeated) or cover all of them
  'api_idempotency', // Idempotency-Key replies, per API key
];

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.drop());

async function readCatalog() {
  const [tables, keys] = await Promise.all([selectTables(db.pool), selectKeys(db.pool)]);
  return { tables, keys };
}

describe('the migrated schema', () => {
  it('keeps lot_id in every primary, unique, exclusion and foreign key of every lot-scoped table', async () => {
    const { tables, keys } = await readCatalog();
    expect(tables.filter((t) => t.has_lot_id).map((t) => t.table_name)).toEqual(expect.arrayContaining(['lots', 'reservations', 'spots', 'visits', 'payments', 'spot_days']));
    expect(lotScopeProblems(tables, keys)).toEqual([]);
    // the check looked at the constraints that matter
    expect(keys.find((k) => k.name === 'reservations_no_double_booking')).toMatchObject({ kind: 'x', columns: ['spot_id', 'lot_id', 'spot_period'] });
    expect(keys.find((k) => k.name === 'reservations_one_per_plate')).toMatchObject({ kind: 'x', columns: ['plate_key', 'lot_id', 'period'] });
    expect(keys.find((k) => k.name === 'visits_one_open_per_plate')).toMatchObject({ kind: 'i', columns: ['lot_id', 'plate'] });
  });

  it('has no table without lot_id except the ones listed on purpose', async () => {
    const { tables } = await readCatalog();
    expect(tables.filter((t) => !t.has_lot_id).map((t) => t.table_name).sort()).toEqual([...tablesWithoutLotId].sort());
  });
});

describe('the check itself (negative controls)', () => {
  it('names the table and constraint when a unique key, a unique index or a foreign key leaves lot_id out', async () => {
    await db.pool.query(`create table bad_tickets (lot_id integer not null references lots, ticket_id integer not null, code text not null,
                           reservation_id uuid, primary key (lot_id, ticket_id), constraint bad_tickets_code_key unique (code))`);
    await db.pool.query(`create unique index bad_tickets_by_reservation on bad_tickets (reservation_id)`);
    await db.pool.query(`create table bad_notes (lot_id integer not null, note_id integer not null, ticket_id integer not null,
                           primary key (note_id), constraint bad_notes_ticket_fkey foreign key (lot_id, ticket_id) references bad_tickets (lot_id, ticket_id))`);
    await db.pool.query(`create table bad_marks (lot_id integer not null, mark_id integer not null, ticket_code text not null,
                           primary key (lot_id, mark_id), constraint bad_marks_code_fkey foreign key (ticket_code) references bad_tickets (code))`);
    try {
      const { tables, keys } = await readCatalog();
      const problems = lotScopeProblems(tables, keys);
      expect(problems.map((p) => [p.table, p.constraint])).toEqual([
        ['bad_marks', 'bad_marks_code_fkey'],
        ['bad_notes', 'bad_notes_pkey'],
        ['bad_tickets', 'bad_tickets_by_reservation'],
        ['bad_tickets', 'bad_tickets_code_key'],
      ]);
      expect(problems.find((p) => p.constraint === 'bad_tickets_code_key')!.message).toBe('bad_tickets: unique constraint bad_tickets_code_key (code) does not include lot_id');
      const r = await runCli(['db', 'distribute', '--print'], { DATABASE_URL: db.url });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('bad_marks_code_fkey'); // the one-line error is bounded (issue 13); the problems list above has them all
    } finally {
      await db.pool.query('drop table bad_marks, bad_notes, bad_tickets');
    }
  });
});

describe('parkctl db distribute', () => {
  it('--print gives reference tables first, then every lot-scoped table after the tables it references', async () => {
    const r = await runCli(['db', 'distribute', '--print'], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^-- parkctl on Citus/);
    const order = [...r.stdout.matchAll(/create_(reference|distributed)_table\('(\w+)'/g)].map((m) => m[2]!);
    expect(order[0]).toBe('lots');
    expect(r.stdout).toContain(`select create_distributed_table('${order[1]}', 'lot_id');`);
    expect(r.stdout).toContain(`select create_distributed_table('reservations', 'lot_id', colocate_with => '${order[1]}');`);
    const { tables, keys } = await readCatalog();
    for (const t of tables.filter((x) => x.has_lot_id)) expect(order).toContain(t.table_name);
    for (const local of tablesWithoutLotId) expect(order).not.toContain(local);
    // a table referring to itself (a replacement ticket names the lost one) is distributed with itself
    for (const fk of keys.filter((k) => k.kind === 'f' && k.ref_table !== k.table_name)) {
      expect(order.indexOf(fk.ref_table!), `${fk.table_name} -> ${fk.ref_table}`).toBeLessThan(order.indexOf(fk.table_name));
    }
  });

  it('a new lot-scoped table is covered without editing any list', async () => {
    await db.pool.query(`create table zz_new_feature (lot_id integer not null references lots, item_id integer not null, primary key (lot_id, item_id))`);
    try {
      const { tables, keys } = await readCatalog();
      const plan = distributionPlan(tables, keys);
      const script = distributionScript(plan, distributionSteps(plan, await selectFunctions(db.pool), await readCluster(db.pool)));
      expect(script).toContain(`'zz_new_feature', 'lot_id', colocate_with =>`);
    } finally {
      await db.pool.query('drop table zz_new_feature');
    }
  });

  it('--print delegates the functions of one lot (first argument p_lot) to the lot\'s worker', async () => {
    const r = await runCli(['db', 'distribute', '--print'], { DATABASE_URL: db.url });
    expect(r.stdout).toMatch(/create_distributed_function\('parkctl_reserve\(integer,[^']*\)', 'p_lot', colocate_with => 'reservations'\)/);
    expect(r.stdout).not.toMatch(/create_distributed_function\('parkctl_day_mask[^']*', 'p_lot'/);
    expect(r.stdout.indexOf('begin;')).toBeLessThan(r.stdout.indexOf('create_reference_table'));
    expect(r.stdout.trimEnd().endsWith('commit;')).toBe(true);
  });

  it('without --print on plain PostgreSQL refuses (exit 3), says why and how to review first', async () => {
    const r = await runCli(['db', 'distribute'], { DATABASE_URL: db.url });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no citus extension');
    expect(r.stderr).toContain('parkctl db distribute --print');
  });
});
