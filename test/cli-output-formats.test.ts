// Issue 13, output point 2: the global -o table|wide|json|yaml|csv (--json as -o json), --fields,
// --no-headers and -q, on the lists, through the built CLI. CSV and YAML are read back with csv-parse and
// yaml and must say what -o json says.
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runBuilt } from './support/built-cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let env: Record<string, string>;
const ids: string[] = [];

async function ok(args: string[]): Promise<string> {
  const r = await runBuilt(args, env);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, PARKCTL_NOW: '2031-06-01T09:00:00Z' };
  await ok(['lot', 'import', 'fixtures/surface-lot.yaml']);
  // a customer reference with a comma, a quote and a line end: CSV must quote it
  for (const plate of ['AA11AAA', 'BB22BBB']) {
    ids.push((await ok(['-q', 'booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', '2031-06-03 10:00', '--to', '2031-06-03 12:00', '--plate', plate, '--customer', 'Smith, "J"'])).trim());
  }
  await ok(['permit', 'create', '--lot', 'RIVERSIDE', '--holder', 'Acme Ltd', '--plate', 'PP11AAA', '--from', '2031-06-01', '--until', '2031-07-01']);
  await ok(['shift', 'open', '--lot', 'RIVERSIDE', '--attendant', 'Sam', '--float', '50']);
});

afterAll(async () => {
  await db?.drop();
});

describe('-o json|yaml|csv say the same thing', () => {
  it('--json is -o json; yaml parses back to the same list', async () => {
    const json = JSON.parse(await ok(['--json', 'booking', 'list'])) as Record<string, unknown>[];
    expect(JSON.parse(await ok(['-o', 'json', 'booking', 'list']))).toEqual(json);
    expect(JSON.parse(await ok(['booking', 'list', '--output=json']))).toEqual(json);
    expect(json.map((r) => r.reservationId).sort()).toEqual([...ids].sort());
    expect(parseYaml(await ok(['-o', 'yaml', 'booking', 'list']))).toEqual(json);
  });

  it('csv parses back with csv-parse: a header of the JSON field names, a row per reservation, quoting kept', async () => {
    const json = JSON.parse(await ok(['--json', 'booking', 'list'])) as Record<string, unknown>[];
    const rows = parseCsv(await ok(['-o', 'csv', 'booking', 'list']), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(json.length);
    expect(Object.keys(rows[0]!)).toEqual(Object.keys(json[0]!));
    rows.forEach((row, i) => {
      for (const [k, v] of Object.entries(json[i]!)) expect(row[k], k).toBe(v === null ? '' : String(v));
    });
    expect(rows[0]!.customerRef).toBe('Smith, "J"');
  });

  it('nested objects are dotted columns in CSV (lot list totals)', async () => {
    const rows = parseCsv(await ok(['-o', 'csv', 'lot', 'list']), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([expect.objectContaining({ code: 'RIVERSIDE', 'totals.total': '40' })]);
  });

  it('every list takes -o: lot, booking, payments, permit and shift list', async () => {
    for (const args of [['lot', 'list'], ['booking', 'list'], ['payments', 'list'], ['permit', 'list', '--lot', 'RIVERSIDE'], ['shift', 'list', '--lot', 'RIVERSIDE']]) {
      const json = JSON.parse(await ok(['-o', 'json', ...args])) as unknown[];
      expect(parseYaml(await ok(['-o', 'yaml', ...args])) ?? [], args.join(' ')).toEqual(json);
      const csv = await ok(['-o', 'csv', ...args]);
      expect((parseCsv(csv, { columns: true }) as unknown[]).length, args.join(' ')).toBe(json.length);
    }
  });
});

describe('--fields, --no-headers, -q', () => {
  it('--fields picks JSON fields by name, in order, in json, yaml, csv and table', async () => {
    const json = JSON.parse(await ok(['-o', 'json', '--fields', 'plate,reservationId', 'booking', 'list'])) as Record<string, unknown>[];
    expect(json.map((r) => Object.keys(r))).toEqual([['plate', 'reservationId'], ['plate', 'reservationId']]);
    expect(parseYaml(await ok(['-o', 'yaml', '--fields', 'plate,reservationId', 'booking', 'list']))).toEqual(json);
    // (two bookings of one window: listed in either order)
    const lines = (text: string) => { const [head, ...rest] = text.trimEnd().split('\n'); return [head, ...rest.sort()]; };
    expect(lines(await ok(['-o', 'csv', '--fields', 'plate,status', 'booking', 'list']))).toEqual(['plate,status', 'AA11AAA,TENTATIVE', 'BB22BBB,TENTATIVE']);
    const table = lines(await ok(['booking', 'list', '--fields', 'plate,status']));
    expect(table).toEqual([expect.stringMatching(/^PLATE\s+STATUS$/), expect.stringMatching(/^AA11AAA\s+TENTATIVE$/), expect.stringMatching(/^BB22BBB\s+TENTATIVE$/)]);
    // a field no column of the table shows: a table of those fields all the same, times in the lot's zone
    const other = lines(await ok(['booking', 'list', '--fields', 'plate,holdExpiresAt,paymentRef']));
    expect(other[0]).toMatch(/^PLATE\s+HOLDEXPIRESAT \(BST\)\s+PAYMENTREF$/);
    expect(other[1]).toMatch(/^AA11AAA\s+2031-06-01 10:15$/);
    // nested, dotted
    expect(JSON.parse(await ok(['--json', '--fields', 'code,totals.free', 'lot', 'list']))).toEqual([{ code: 'RIVERSIDE', 'totals.free': 40 }]);
  });

  it('an unknown field is bad input (exit 2) naming the fields there are', async () => {
    const r = await runBuilt(['--fields', 'plate,nope', 'booking', 'list'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^parkctl: --fields: no field "nope" in this output\n {2}hint: fields: reservationId, lotCode,/);
    const bad = await runBuilt(['-o', 'xml', 'booking', 'list'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/xml.*table, wide, json, yaml, csv|Allowed choices are table, wide, json, yaml, csv/);
  });

  it('--no-headers drops the header line of tables and CSV', async () => {
    const table = await ok(['--no-headers', 'booking', 'list']);
    expect(table.trimEnd().split('\n')).toHaveLength(2);
    expect(table).not.toMatch(/PLATE/);
    expect((await ok(['-o', 'csv', '--no-headers', '--fields', 'plate', 'booking', 'list'])).trimEnd().split('\n').sort()).toEqual(['AA11AAA', 'BB22BBB']);
  });

  it('-q prints whole ids, one a line: lists, lots by code, and the one thing a write made', async () => {
    expect((await ok(['-q', 'booking', 'list'])).trimEnd().split('\n').sort()).toEqual([...ids].sort());
    expect(await ok(['lot', 'list', '--quiet'])).toBe('RIVERSIDE\n');
    const permits = (await ok(['-q', 'permit', 'list', '--lot', 'RIVERSIDE'])).trimEnd().split('\n');
    expect(permits).toHaveLength(1);
    expect(permits[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(await ok(['-q', 'booking', 'list', '--plate', 'ZZ99ZZZ'])).toBe('');
  });

  it('an empty list: nothing in CSV (the header only when --fields names it), [] in JSON and YAML, the words in a table', async () => {
    const none = ['booking', 'list', '--plate', 'ZZ99ZZZ'];
    expect(await ok(['-o', 'csv', ...none])).toBe('');
    expect(await ok(['-o', 'csv', '--fields', 'plate,status', ...none])).toBe('plate,status\n');
    expect(JSON.parse(await ok(['-o', 'json', ...none]))).toEqual([]);
    expect(parseYaml(await ok(['-o', 'yaml', ...none]))).toEqual([]);
    expect(await ok(['--fields', 'plate', ...none])).toBe('no reservations match\n');
  });
});
