// The machine formats of `-o` (issue 13): json, yaml and csv, all made from the JSON shape of the
// resource (docs/json-shapes.md), with --fields picking fields by their JSON names (a.b for a nested
// one) and -q printing ids only. CSV is written by csv-stringify; nested objects become dotted columns.
import { csvStringifyModule, yamlModule } from './lazy-modules.js';
import { UsageError } from '../core/errors.js';

export const outputFormats = ['table', 'wide', 'json', 'yaml', 'csv'] as const;
export type OutputFormat = (typeof outputFormats)[number];

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** The list of records an output is about: a list as it is, one object as a list of one. */
function records(data: unknown): unknown[] {
  return Array.isArray(data) ? data : [data];
}

/**
 * An envelope: an object around exactly one list of records (a report's days, a validation report's
 * days) with scalars or small objects beside it (a title, totals). Its rows are that list; null otherwise.
 */
export function envelopeRows(data: unknown): Obj[] | null {
  if (!isObject(data)) return null;
  // a report names its list `rows`: an empty one is still its rows (no records), not a record itself
  if (Array.isArray(data.rows) && data.rows.every(isObject) && !Object.entries(data).some(([k, v]) => k !== 'rows' && Array.isArray(v))) return data.rows as Obj[];
  const lists = Object.values(data).filter((v) => Array.isArray(v) && v.some(isObject));
  if (lists.length !== 1) return null;
  const list = lists[0] as unknown[];
  return list.every(isObject) ? (list as Obj[]) : null;
}

/** What a table or CSV of `data` shows a row each of: an envelope's rows (unless --fields names its own fields), else the records. */
export function tableRecords(data: unknown, fields: readonly string[] | null): unknown[] {
  const rows = envelopeRows(data);
  if (rows && !(fields && isObject(data) && fields.every((f) => hasPath(data, f)))) return rows;
  return records(data);
}

function get(o: unknown, path: string): unknown {
  let v: unknown = o;
  for (const k of path.split('.')) v = isObject(v) ? v[k] : undefined;
  return v;
}

/** "a,b, c" -> ['a', 'b', 'c']; bad input (exit 2) when empty. */
export function parseFields(text: string): string[] {
  const fields = text.split(',').map((f) => f.trim()).filter(Boolean);
  if (fields.length === 0 || fields.some((f) => !/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(f))) {
    throw new UsageError(`--fields "${text.slice(0, 60)}" is not a list of field names`, { hint: 'e.g. --fields reservationId,plate,status (the names --json prints)' });
  }
  return fields;
}

/** Every field path of the records, nested objects as a.b (the CSV columns). */
function fieldPaths(rows: readonly unknown[]): string[] {
  const paths: string[] = [];
  const walk = (o: Obj, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      const p = prefix + k;
      if (isObject(v) && Object.keys(v).length > 0) walk(v, `${p}.`);
      else if (!paths.includes(p)) paths.push(p);
    }
  };
  for (const r of rows) if (isObject(r)) walk(r, '');
  return paths;
}

/** Refuses (exit 2) a field that no record has, naming the ones there are. */
function checkFields(rows: readonly unknown[], fields: readonly string[]): void {
  const objects = rows.filter(isObject);
  if (objects.length === 0) return;
  const missing = fields.find((f) => objects.every((o) => get(o, f) === undefined && !hasPath(o, f)));
  if (missing === undefined) return;
  const known = Object.keys(objects[0]!);
  throw new UsageError(`--fields: no field "${missing}" in this output`, { hint: `fields: ${known.join(', ').slice(0, 300)}` });
}

function hasPath(o: Obj, path: string): boolean {
  const keys = path.split('.');
  const last = keys.pop()!;
  const parent = keys.length ? get(o, keys.join('.')) : o;
  return isObject(parent) && last in parent;
}

/** The data with only `fields` (in their order); the data itself without --fields. */
export function selectFields(data: unknown, fields: readonly string[] | null): unknown {
  if (!fields) return data;
  checkFields(records(data), fields);
  const pick = (o: unknown) => (isObject(o) ? Object.fromEntries(fields.map((f) => [f, get(o, f) ?? null])) : o);
  return Array.isArray(data) ? data.map(pick) : pick(data);
}

/** The joint between the items of a list of scalars in one cell (plates: AB12CDE;CD34EFG). */
export const listSeparator = ';';

function cellValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v) && v.every((x) => x === null || x instanceof Date || typeof x !== 'object')) return v.map(cellValue).join(listSeparator);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The table of `fields` (or every field) of the records, as cells: the basis of CSV and of a table by --fields. */
export function recordCells(data: unknown, fields: readonly string[] | null): { header: string[]; rows: string[][] } {
  const rows = tableRecords(data, fields);
  // an empty list: no columns to name unless --fields named them
  if (rows.length === 0) return { header: fields ? [...fields] : [], rows: [] };
  if (fields) checkFields(rows, fields);
  const header = fields ? [...fields] : fieldPaths(rows);
  if (header.length === 0) return { header: ['value'], rows: rows.map((r) => [cellValue(r)]) };
  return { header, rows: rows.map((r) => header.map((f) => cellValue(get(r, f)))) };
}

export function toCsv(data: unknown, fields: readonly string[] | null, headers: boolean): string {
  const { header, rows } = recordCells(data, fields);
  if (header.length === 0) return '';
  return csvStringifyModule().stringify(headers ? [header, ...rows] : rows, { record_delimiter: 'unix' });
}

export function toYaml(data: unknown, fields: readonly string[] | null): string {
  return yamlModule().stringify(selectFields(data, fields), { lineWidth: 0 });
}

/**
 * A resource's own id where it is not its first ...Id field: a ticket is known by its number (its
 * visitId is the visit's), a validator by its code.
 */
const ownIdFields = ['number'] as const;

/** The id field of a record: `id`, else its own id field (ownIdFields), else the first field named ...Id, else `code`. */
function idField(o: Obj): string | undefined {
  const keys = Object.keys(o);
  return keys.find((k) => k === 'id') ?? keys.find((k) => (ownIdFields as readonly string[]).includes(k) && typeof o[k] === 'string')
    ?? keys.find((k) => /Id$/.test(k) && typeof o[k] === 'string') ?? keys.find((k) => k === 'code');
}

/** -q: the ids of the records, one a line; null when they have none (the output is then shown as usual). */
export function idLines(data: unknown, field?: string): string | null {
  const rows = records(data);
  if (rows.length === 0) return '';
  const ids: string[] = [];
  for (const r of rows) {
    if (!isObject(r)) return null;
    const f = field ?? idField(r);
    if (!f || r[f] === undefined || r[f] === null) return null;
    ids.push(String(r[f]));
  }
  // each id once (rows of one resource, e.g. the connectors of one charge point, share it)
  return [...new Set(ids)].map((id) => `${id}\n`).join('');
}
