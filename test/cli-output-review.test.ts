// A reviewer's findings on output (after issue 13), through the built CLI (`npm run build` first):
// times as people type them on every time and date flag, CSV of envelopes and lists of scalars, -q ids,
// -o wide of tables without wide columns, --no-headers of envelopes, -q with --json, range errors, money.
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv } from '../src/commands/output-formats.js';
import { loadLot, type Lot } from '../src/core/lots/lot.js';
import { arrive } from '../src/core/visits.js';
import { runBuilt } from './support/built-cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let lot: Lot;
let env: Record<string, string>;
const now = new Date('2031-03-03T08:00:00Z'); // GMT: lot time is UTC
const tickets: string[] = [];
let permitId: string;

async function ok(args: string[]): Promise<string> {
  const r = await runBuilt(args, env);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Bad input: exit 2, one line and a hint. */
async function bad(args: string[]): Promise<string> {
  const r = await runBuilt(args, env);
  expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(2);
  expect(r.stdout).toBe('');
  return r.stderr;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await createTestLot(db.pool, { code: 'OUT', spots: 10, ratePerHourMinor: 200, policy: { walk_ins: true, tickets: { exit_grace_minutes: 15, lost_ticket_fee: 3000 } } });
  lot = await loadLot(db.pool, 'OUT');
  env = { DATABASE_URL: db.url, PARKCTL_NOW: now.toISOString() };
  for (const plate of ['WA11AAA', 'WB22BBB']) {
    const a = await arrive({ pool: db.pool, clock: { now: () => new Date(now.getTime() - 3_600_000) }, actor: 'test' }, lot, { plate, gate: 'north-in', walkIn: true });
    tickets.push((await db.pool.query<{ number: string }>('select number from tickets where visit_id = $1', [a.visit.visit_id])).rows[0]!.number);
  }
  await ok(['validation', 'validator', 'add', '--lot', 'OUT', '--code', 'CINEMA', '--name', 'Cinema', '--hours', '1', '--invoice']);
  await ok(['validation', 'apply', 'CINEMA', '--lot', 'OUT', '--ticket', tickets[0]!]);
  const permit = JSON.parse(await ok(['--json', 'permit', 'create', '--lot', 'OUT', '--holder', 'Acme', '--plate', 'PA11AAA', '--plate', 'PB22BBB', '--from', 'tomorrow 08:00', '--until', '2031-03-20'])) as { permitId: string; validFrom: string; validUntil: string };
  permitId = permit.permitId;
  expect(permit.validFrom).toBe('2031-03-04T08:00:00.000Z');
  expect(permit.validUntil).toBe('2031-03-20T00:00:00.000Z');
  await ok(['shift', 'open', '--lot', 'OUT', '--attendant', 'Sam', '--float', '50']);
  await ok(['shift', 'close', '--lot', 'OUT', '--counted', '50']);
});

afterAll(async () => {
  await db?.drop();
});

describe('1: time and date flags take what people type, in the lot\'s zone', () => {
  it('permit create --from "tomorrow 08:00" (above), today, +2h and a spaced time; a bad one says the forms', async () => {
    const today = JSON.parse(await ok(['--json', 'permit', 'create', '--lot', 'OUT', '--holder', 'B', '--plate', 'PC33CCC', '--from', 'today', '--until', '+2h'])) as { validFrom: string; validUntil: string };
    expect(today.validFrom).toBe('2031-03-03T00:00:00.000Z');
    expect(today.validUntil).toBe('2031-03-03T10:00:00.000Z');
    const spaced = JSON.parse(await ok(['--json', 'permit', 'create', '--lot', 'OUT', '--holder', 'C', '--plate', 'PD44DDD', '--from', '2031-03-05 07:30', '--until', '2031-03-06', '--paid-until', '2031-03-05'])) as { validFrom: string };
    expect(spaced.validFrom).toBe('2031-03-05T07:30:00.000Z');
    const err = await bad(['permit', 'create', '--lot', 'OUT', '--holder', 'D', '--plate', 'PE55EEE', '--from', 'someday', '--until', '2031-04-01']);
    expect(err).toMatch(/^parkctl: --from "someday" is not a date and time\n {2}hint: .*tomorrow.*08:00.*\+2h/);
  });

  it('validation report --from/--to take today, yesterday, dates and a time\'s day', async () => {
    const r = JSON.parse(await ok(['--json', 'validation', 'report', '--lot', 'OUT', '--validator', 'CINEMA', '--from', 'yesterday', '--to', 'today'])) as { from: string; to: string; uses: number };
    expect(r).toMatchObject({ from: '2031-03-02', to: '2031-03-03', uses: 1 });
    const t = JSON.parse(await ok(['--json', 'validation', 'report', '--lot', 'OUT', '--validator', 'CINEMA', '--from', '2031-03-01 08:00', '--to', 'tomorrow 08:00'])) as { from: string; to: string };
    expect(t).toMatchObject({ from: '2031-03-01', to: '2031-03-04' });
    expect(await bad(['validation', 'report', '--lot', 'OUT', '--validator', 'CINEMA', '--from', 'last week'])).toMatch(/^parkctl: --from "last week" is not a date\n {2}hint: use today, tomorrow, yesterday, 2026-12-05/);
  });

  it('booking list --day takes today and tomorrow', async () => {
    await ok(['booking', 'list', '--lot', 'OUT', '--day', 'tomorrow']);
    expect(await bad(['booking', 'list', '--day', '2031-02-30'])).toMatch(/^parkctl: --day "2031-02-30" is not a date/);
  });
});

describe('2: CSV of envelopes and of lists of scalars', () => {
  it('an envelope\'s rows, nested objects dotted, lists of scalars joined (generic)', () => {
    const csv = toCsv({ title: 'x', total: 3, rows: [{ day: '2031-03-01', n: { a: 1 }, tags: ['p', 'q'] }] }, null, true);
    expect(csv).toBe('day,n.a,tags\n2031-03-01,1,p;q\n');
  });

  it('a report with no rows: no records (not the envelope as one record), its own fields with --fields', async () => {
    expect(toCsv({ report: 'revenue', lot: 'OUT', rows: [], totals: { netMinor: 0 } }, null, true)).toBe('');
    expect(await ok(['-o', 'csv', 'report', 'revenue', '--lot', 'OUT', '--from', '2031-01-01', '--to', '2031-01-02'])).toBe('');
    expect(await ok(['-o', 'csv', '--fields', 'report,lot', 'report', 'revenue', '--lot', 'OUT', '--from', '2031-01-01', '--to', '2031-01-02'])).toBe('report,lot\nrevenue,OUT\n');
  });

  it('permit list -o csv: plates joined with ";", no JSON in cells', async () => {
    const rows = parseCsv(await ok(['-o', 'csv', 'permit', 'list', '--lot', 'OUT']), { columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.permitId === permitId)!.plates).toBe('PA11AAA;PB22BBB');
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[[{]/);
  });

  it('validation report -o csv: a row per day', async () => {
    const rows = parseCsv(await ok(['-o', 'csv', 'validation', 'report', '--lot', 'OUT', '--validator', 'CINEMA']), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([{ day: '2031-03-03', uses: '1', amountMinor: '200' }]);
  });
});

describe('2: -o wide of an envelope', () => {
  it('validation report -o wide: the title kept, its rows with every field', async () => {
    const wide = await ok(['-o', 'wide', 'validation', 'report', '--lot', 'OUT', '--validator', 'CINEMA']);
    expect(wide).toMatch(/^validator:\s+CINEMA/m);
    expect(wide).toMatch(/^DAY\s+USES\s+AMOUNTMINOR$/m);
    expect(wide).toMatch(/^2031-03-03\s+1\s+200$/m);
  });
});

describe('3: -q prints the resource\'s own id', () => {
  it('tickets by number, permits by id, validators by code', async () => {
    expect((await ok(['-q', 'ticket', 'list', '--lot', 'OUT'])).trim().split('\n').sort()).toEqual([...tickets].sort());
    expect(await ok(['-q', 'ticket', 'show', tickets[0]!, '--lot', 'OUT'])).toBe(`${tickets[0]}\n`);
    expect(await ok(['-q', 'permit', 'list', '--lot', 'OUT'])).toContain(`${permitId}\n`);
    expect(await ok(['-q', 'validation', 'validator', 'list', '--lot', 'OUT'])).toBe('CINEMA\n');
  });
});

describe('4: -o wide shows more than the table', () => {
  it('ticket list and validation validator list: every field, whole ids', async () => {
    for (const args of [['ticket', 'list', '--lot', 'OUT'], ['validation', 'validator', 'list', '--lot', 'OUT']]) {
      const table = await ok(args);
      const wide = await ok(['-o', 'wide', ...args]);
      expect(wide, args.join(' ')).not.toBe(table);
      expect(wide.split('\n')[0]!.split(/\s+/).length).toBeGreaterThan(table.split('\n')[0]!.split(/\s+/).length);
    }
    const visit = (await db.pool.query<{ visit_id: string }>('select visit_id from tickets where number = $1', [tickets[0]])).rows[0]!.visit_id;
    expect(await ok(['-o', 'wide', 'ticket', 'list', '--lot', 'OUT'])).toContain(visit);
  });
});

describe('5: --no-headers of an envelope, -q with --json', () => {
  it('validation report --no-headers prints only its rows', async () => {
    const out = await ok(['--no-headers', 'validation', 'report', '--lot', 'OUT', '--validator', 'CINEMA']);
    expect(out).toMatch(/^2031-03-03\s+1\s+2\.00 GBP\n$/);
  });

  it('-q with --json or -o yaml is refused in one line', async () => {
    const r = await runBuilt(['-q', '--json', 'ticket', 'list', '--lot', 'OUT'], env);
    expect(r.code).toBe(2);
    // --json asked for: the error as JSON, as every error with --json
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'bad_option', message: '-q and --json do not go together' } });
    expect(await bad(['-q', '-o', 'yaml', 'ticket', 'list', '--lot', 'OUT'])).toMatch(/^parkctl: -q and -o yaml do not go together\n/);
  });
});

describe('6: range errors say the range', () => {
  it('db prune --older-than 400 and 0d say the allowed form', async () => {
    for (const v of ['400', '0d']) expect(await bad(['db', 'prune', '--older-than', v, '--dry-run'])).toMatch(new RegExp(`^parkctl: --older-than "${v}" is not a number of days from 1d to 99999d\\n  hint: .*400d`));
  });

  it('a short id prefix says a prefix needs at least 4 characters, for every resource', async () => {
    expect(await bad(['permit', 'show', '2aa', '--lot', 'OUT'])).toMatch(/^parkctl: "2aa" is not a permit id: a prefix needs at least 4 characters\n/);
    expect(await bad(['booking', 'show', '2aa'])).toMatch(/^parkctl: "2aa" is not a reservation id: a prefix needs at least 4 characters\n/);
    expect(await bad(['permit', 'show', 'zz-top', '--lot', 'OUT'])).toMatch(/is not a permit id nor a prefix of one \(at least 4 hex digits/);
  });
});

describe('7: money in shift list', () => {
  it('a drawer that balances shows 0.00 GBP, as the other amounts', async () => {
    const [header, row] = (await ok(['shift', 'list', '--lot', 'OUT'])).split('\n');
    expect(header).toMatch(/DIFFERENCE/);
    expect(row).toMatch(/\s0\.00 GBP$/);
  });
});
