// What the schema itself says, read from pg_catalog: tables, their keys and their foreign keys.
// Used to prove invariant 3 (every lot-scoped key carries lot_id) and to derive the Citus plan.
import type { Queryable } from '../ports.js';

export interface CatalogTable {
  table_name: string;
  /** the table has a lot_id column */
  has_lot_id: boolean;
}

export interface CatalogKey {
  table_name: string;
  /** constraint or index name */
  name: string;
  /** p primary key, u unique, x exclusion, f foreign key, i unique index without a constraint */
  kind: 'p' | 'u' | 'x' | 'f' | 'i';
  /** the constrained columns, in key order */
  columns: string[];
  /** foreign keys: the referenced table and columns */
  ref_table: string | null;
  ref_columns: string[] | null;
}

/** Ordinary and partitioned tables of a schema. */
export async function selectTables(db: Queryable, schema = 'public'): Promise<CatalogTable[]> {
  const { rows } = await db.query<CatalogTable & Record<string, unknown>>(
    `select c.relname::text as table_name,
            exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'lot_id' and not a.attisdropped) as has_lot_id
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1::text and c.relkind in ('r', 'p')
      order by c.relname`,
    [schema],
  );
  return rows;
}

/** Primary, unique, exclusion and foreign keys, plus unique indexes that back no constraint. */
export async function selectKeys(db: Queryable, schema = 'public'): Promise<CatalogKey[]> {
  const { rows } = await db.query<CatalogKey & Record<string, unknown>>(
    `select c.relname::text as table_name, k.conname::text as name, k.contype::text as kind,
            array(select a.attname::text from unnest(k.conkey) with ordinality u(attnum, i)
                    join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum order by u.i) as columns,
            r.relname::text as ref_table,
            case when k.contype = 'f' then array(select a.attname::text from unnest(k.confkey) with ordinality u(attnum, i)
                    join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.attnum order by u.i) end as ref_columns
       from pg_constraint k
       join pg_class c on c.oid = k.conrelid
       join pg_namespace n on n.oid = c.relnamespace
       left join pg_class r on r.oid = k.confrelid
      where n.nspname = $1::text and k.contype in ('p', 'u', 'x', 'f')
     union all
     select c.relname::text, ic.relname::text, 'i',
            array(select coalesce(a.attname::text, '(expression)') from unnest(i.indkey::int2[]) with ordinality u(attnum, o)
                    left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = u.attnum order by u.o),
            null, null
       from pg_index i
       join pg_class c on c.oid = i.indrelid
       join pg_class ic on ic.oid = i.indexrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1::text and i.indisunique
        and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid and k.contype in ('p', 'u', 'x'))
      order by 1, 2`,
    [schema],
  );
  return rows;
}

export interface CatalogFunction {
  /** regprocedure text, e.g. parkctl_reserve(integer,vehicle_type,...) */
  signature: string;
  name: string;
  /** the first argument's name and type: p_lot integer marks a function of one lot */
  first_arg: string | null;
  first_type: string | null;
}

/** The schema's own functions (not those of extensions such as btree_gist or citus). */
export async function selectFunctions(db: Queryable, schema = 'public'): Promise<CatalogFunction[]> {
  const { rows } = await db.query<CatalogFunction & Record<string, unknown>>(
    `select p.oid::regprocedure::text as signature, p.proname::text as name,
            p.proargnames[1]::text as first_arg, format_type(p.proargtypes[0], null) as first_type
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = $1::text and p.prokind in ('f', 'p')
        and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
      order by p.proname, p.oid`,
    [schema],
  );
  return rows;
}
