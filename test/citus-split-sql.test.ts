// How a migration file is sent to a Citus coordinator: one statement at a time (src/core/citus/split-sql.ts),
// each new lot-scoped table distributed after its CREATE TABLE (migrate-on-citus.ts). Pure: no database.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createdTable } from '../src/core/citus/migrate-on-citus.js';
import { splitSqlStatements } from '../src/core/citus/split-sql.js';

describe('splitSqlStatements', () => {
  it('splits on semicolons outside quotes, dollar quotes and comments', () => {
    const sql = [
      "-- a comment; not a statement",
      "create table a (x text default 'a;b', \"odd;name\" int);",
      "/* block; comment */ create function f() returns int language plpgsql as $$ begin return 1; end $$;",
      "create function g() returns text language sql as $body$ select 'x;y' $body$;",
      "insert into a (x) values ('it''s; fine')",
      "-- trailing comment only",
    ].join('\n');
    const parts = splitSqlStatements(sql);
    expect(parts).toHaveLength(4);
    expect(parts[0]).toContain("'a;b'");
    expect(parts[1]).toMatch(/begin return 1; end \$\$$/);
    expect(parts[2]).toContain("$body$ select 'x;y' $body$");
    expect(parts[3]).toMatch(/^insert into a \(x\) values \('it''s; fine'\)/);
  });

  it('every migration splits into whole statements (dollar quotes balanced)', () => {
    const dir = join(import.meta.dirname, '..', 'migrations');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql'))) {
      const parts = splitSqlStatements(readFileSync(join(dir, file), 'utf8'));
      expect(parts.length, file).toBeGreaterThan(0);
      for (const p of parts) expect((p.match(/\$\$/g) ?? []).length % 2, `${file}: ${p.slice(0, 60)}`).toBe(0);
    }
  });
});

describe('createdTable', () => {
  it('names the table a CREATE TABLE makes, and nothing for other statements', () => {
    expect(createdTable('-- permits\ncreate table permits (\n lot_id integer)')).toBe('permits');
    expect(createdTable('create table if not exists public.shifts (lot_id int)')).toBe('shifts');
    expect(createdTable('create index permits_by_status on permits (lot_id)')).toBeNull();
    expect(createdTable('create table t2 as select 1')).toBeNull();
  });
});
