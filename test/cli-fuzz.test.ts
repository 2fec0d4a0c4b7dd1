// Issue 13, "Bad input, everywhere": a property per command feeds generated garbage into each of its
// options and arguments (and into the files it reads) and asserts what a person or a script sees:
// exit 0, 2, 3, 4 or 69 (never 70, a bug), one error line and at most one hint line, each of bounded
// length, and the database as it was whenever the input was refused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { runCli } from './support/cli.js';

let db: TestDatabase;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'parkctl-fuzz-'));
const fixtures = join(import.meta.dirname, '..', 'fixtures');
const now = '2026-12-01T07:00:00Z';
const allowedExits = [0, 2, 3, 4, 69];
/** "parkctl: " + the longest line (one-line.ts) and the hint's indent */
const maxLine = 320;

/** Odd values people and fuzzers type: the classes issue 13's fuzzer found, plus random text. */
const oddValue = fc.oneof(
  fc.constantFrom('', ' ', '\0', 'a\0b', 'RIVER\0SIDE', 'x\ny', 'x\r\n', '\u001b[2J', '-1', '0', '1.5', '1e400', 'NaN', '0x10', '2147483648',
    '99999999999999999999', '-99999999999999999999', '9007199254740993', '2026-12-01T08:00+99:00', '2026-12-01T25:00', '9999-12-31T23:59',
    '+275760-09-13T00:00Z', '0000-01-01T00:00Z', '2026-02-30T08:00', '00000000-0000-4000-8000-00000000000', 'zzzzzzzz-zzzz', '€£¥',
    '$(id)', '%s%n', '../../etc/passwd', '99999999999999999999h', '1', 'RIVERSIDE', 'regular', 'tomorrow', '--json'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.integer({ min: 1, max: 6000 }).map((n) => 'x'.repeat(n)),
  fc.tuple(fc.constantFrom('2026-12-0', '08:', '+', 'now', 'tomorrow '), fc.string({ maxLength: 6 })).map(([a, b]) => a + b),
);

/** Contents of a file a command reads: a valid fixture with a field replaced by garbage, or garbage. */
function fileFrom(fixture: string, field: RegExp): fc.Arbitrary<string> {
  return fc.oneof(
    oddValue.map((v) => fixture.replace(field, (m) => m.replace(/[^:,]+$/, JSON.stringify(v).slice(1, -1)))),
    oddValue.map((v) => fixture.replace(field, v)),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );
}

interface CommandSpec {
  /** the words that name it */
  path: string[];
  /** positional arguments: a valid value each (garbage replaces one) */
  args?: string[];
  /** options with a valid value (garbage replaces one; flags not listed are left out) */
  options?: Record<string, string>;
  /** always passed, never fuzzed (keeps a valid run short and harmless: --print instead of writing units) */
  fixed?: string[];
  /** a file argument or option whose content is fuzzed */
  file?: { arg?: number; option?: string; content: fc.Arbitrary<string>; ext: string };
  /** valid garbage that would make a run long (a demo of many bookings): filtered out */
  skip?: (value: string) => boolean;
}

const lotYaml = `code: RIVERSIDE\nname: Riverside\ntime_zone: Europe/London\ncurrency: GBP\nzones:\n  - code: A\n    name: Row A\n    floor: 0\n    spots:\n      - labels: A-01..A-04\n        type: regular\npricing:\n  rates:\n    - rate_per_hour_minor: 200\n      priority: 1\n`;
const bookingsCsv = 'lot,vehicle_type,start,end,plate,customer_ref,external_ref,payment\nRIVERSIDE,regular,2026-12-02T10:00,2026-12-02T12:00,AB12CDE,cust-1,ord-1,paid:cash:480:GBP\n';
const uuid = '00000000-0000-4000-8000-000000000000';
const window = { '--lot': 'RIVERSIDE', '--type': 'regular', '--from': '2026-12-02T09:00', '--to': '2026-12-02T11:00' };

const commands: CommandSpec[] = [
  { path: ['lot', 'list'] },
  { path: ['lot', 'show'], args: ['RIVERSIDE'] },
  { path: ['lot', 'import'], args: ['FILE'], file: { arg: 0, ext: 'yaml', content: fileFrom(lotYaml, /name: Riverside|rate_per_hour_minor: 200|priority: 1|A-01\.\.A-04|time_zone: Europe\/London/) } },
  { path: ['lot', 'rates'], args: ['RIVERSIDE'], options: { '--set': 'FILE' }, file: { option: '--set', ext: 'yaml', content: fileFrom('rates:\n  - rate_per_hour_minor: 300\n    priority: 2\n', /rate_per_hour_minor: 300|priority: 2/) } },
  { path: ['capacity', 'check'], options: window },
  { path: ['price', 'quote'], options: window },
  { path: ['booking', 'reserve'], options: { ...window, '--plate': 'AB12CDE', '--customer': 'c1', '--external-ref': 'ref-1' } },
  { path: ['booking', 'show'], args: [uuid] },
  { path: ['booking', 'pay-link'], args: [uuid] },
  { path: ['booking', 'complete'], args: [uuid], options: { '--payment-token': `cash:${uuid}:480:GBP` } },
  { path: ['booking', 'cancel'], args: [uuid], options: { '--reason': 'changed plans' } },
  { path: ['booking', 'list'], options: { '--lot': 'RIVERSIDE', '--status': 'CONFIRMED', '--plate': 'AB12CDE', '--day': '2026-12-02', '--limit': '5' } },
  { path: ['booking', 'export'], options: { '--lot': 'RIVERSIDE', '--status': 'CONFIRMED', '--format': 'csv' } },
  {
    path: ['booking', 'import'], args: ['FILE'], options: { '--format': 'csv', '--report-format': 'table', '--concurrency': '2' }, fixed: ['--dry-run'],
    file: { arg: 0, ext: 'csv', content: fileFrom(bookingsCsv, /cust-1|ord-1|480|2026-12-02T10:00|AB12CDE/) },
  },
  {
    path: ['booking', 'import'], args: ['FILE'],
    file: { arg: 0, ext: 'json', content: fileFrom(JSON.stringify([{ lot: 'RIVERSIDE', vehicle_type: 'regular', start: '2026-12-03T10:00', end: '2026-12-03T12:00', plate: 'JS1', customer_ref: 'cust-2' }]), /cust-2|JS1|2026-12-03T10:00/) },
  },
  { path: ['booking', 'extend'], args: [uuid], options: { '--by': '30m', '--reason': 'late flight' } },
  { path: ['booking', 'extend'], args: [uuid], options: { '--to': '+1h' } },
  { path: ['booking', 'find'], args: ['AB12CDE'], options: { '--lot': 'RIVERSIDE' } },
  { path: ['lot', 'spot', 'disable'], args: ['RIVERSIDE', 'A-03'], options: { '--reason': 'pothole' } },
  { path: ['lot', 'spot', 'enable'], args: ['RIVERSIDE', 'A-03'] },
  { path: ['visit', 'arrive'], options: { '--lot': 'RIVERSIDE', '--plate': 'AB12CDE', '--type': 'regular', '--gate': 'attendant' }, fixed: ['--walk-in'] },
  { path: ['visit', 'depart'], options: { '--lot': 'RIVERSIDE', '--plate': 'AB12CDE', '--gate': 'attendant' } },
  { path: ['payments', 'collect'], args: [uuid], options: { '--method': 'cash', '--amount': '450' } },
  { path: ['payments', 'settle-refunds'], options: { '--lot': 'RIVERSIDE' } },
  { path: ['payments', 'hand-back'], args: [uuid] },
  { path: ['payments', 'list'], options: { '--lot': 'RIVERSIDE', '--reservation': uuid, '--visit': uuid, '--status': 'due', '--limit': '5' } },
  { path: ['sweeper', 'run'], options: { '--lot': 'RIVERSIDE', '--batch': '100', '--workers': '1' } },
  // --every alone: a valid interval would sweep until stopped, so only values that cannot be one
  { path: ['sweeper', 'run'], options: { '--every': '60s' }, skip: (v) => /^\s*\d+(ms|s|m|h)\s*$/.test(v) },
  { path: ['gate', 'open'], options: { '--gate': 'entry-1', '--lot': 'RIVERSIDE', '--reason': 'stuck ticket', '--wait-seconds': '1' }, skip: (v) => /^\s*\d+\s*$/.test(v) && Number(v) > 1 },
  { path: ['gate-daemon', 'check-config'], options: { '--config': join(fixtures, 'gates', 'entry-1.yaml') } },
  { path: ['api', 'install'], options: { '--user': 'parkctl', '--host': '127.0.0.1', '--rate-limit': '600', '--watchdog-seconds': '30' }, fixed: ['--print', '--unit-dir', dir, '--env-dir', dir] },
  { path: ['api', 'key', 'create'], options: { '--name': 'k1', '--scope': 'operator', '--lot': 'RIVERSIDE' } },
  { path: ['api', 'key', 'revoke'], args: ['k1'] },
  { path: ['demo'], options: { '--bookings': '40' }, skip: (v) => /^\s*\d+\s*$/.test(v) },
  { path: ['completion'], args: ['bash'] },
];

async function snapshot(): Promise<string> {
  const { rows } = await db.pool.query(`select (select count(*) from reservations) r, (select count(*) from events) e, (select count(*) from lots) l,
    (select count(*) from spots) s, (select count(*) from visits) v, (select count(*) from payments) p, (select count(*) from api_keys) k,
    (select coalesce(sum(rate_per_hour_minor), 0) from pricing_rules) pr`);
  return JSON.stringify(rows[0]);
}

let fileCount = 0;
function writeTemp(content: string, ext: string): string {
  const path = join(dir, `f${fileCount++}.${ext}`);
  writeFileSync(path, content);
  return path;
}

/** The words for one run: every option valid but the one at `target`, which gets `value`. */
function argvFor(spec: CommandSpec, target: number, value: string, fileContent: string | null): string[] {
  const args = [...(spec.args ?? [])];
  const options = { ...(spec.options ?? {}) };
  const slots = [...args.map((_, i) => ({ arg: i })), ...Object.keys(options).map((o) => ({ option: o }))];
  const slot = slots.length ? slots[target % slots.length] : null;
  if (spec.file) {
    const path = writeTemp(fileContent ?? '', spec.file.ext);
    if (spec.file.arg !== undefined) args[spec.file.arg] = path;
    if (spec.file.option) options[spec.file.option] = path;
  }
  if (slot && 'arg' in slot) args[slot.arg!] = value;
  if (slot && 'option' in slot) options[slot.option!] = value;
  return ['--now', now, ...spec.path, ...args, ...Object.entries(options).flat(), ...(spec.fixed ?? [])];
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  expect((await runCli(['lot', 'import', join(fixtures, 'surface-lot.yaml')], env)).code).toBe(0);
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** What every run must show, whatever it was given. */
async function checkRun(argv: string[]): Promise<void> {
  const before = await snapshot();
  const r = await runCli(argv, env);
  const shown = JSON.stringify(argv).slice(0, 300);
  expect(allowedExits, `exit ${r.code} for ${shown}: ${r.stderr.slice(0, 400)}`).toContain(r.code);
  if (r.code !== 0 && argv.includes('--json')) {
    // a script's view: one JSON error object on stdout, its message one bounded line
    const error = (r.json as { error?: { message?: string; exitCode?: number } } | undefined)?.error;
    expect(error?.exitCode, `${shown}: ${r.stdout.slice(0, 400)}`).toBe(r.code);
    expect(error!.message!.length).toBeLessThanOrEqual(maxLine);
    expect(error!.message).not.toContain('\n');
  } else if (r.code !== 0) {
    const lines = r.stderr.trimEnd().split('\n');
    const errorLines = lines.filter((l) => l.startsWith('parkctl: '));
    expect(errorLines, `${shown}: ${r.stderr.slice(0, 400)}`).toHaveLength(1);
    expect(lines.filter((l) => !l.startsWith('parkctl: ') && !l.startsWith('  hint: ') && !l.startsWith('  idempotency key: ')), shown).toEqual([]);
    for (const l of lines) expect(l.length, `${shown}: ${l.slice(0, 200)}`).toBeLessThanOrEqual(maxLine);
  }
  if (r.code !== 0 && r.code !== 69) expect(await snapshot(), `refused input changed the database: ${shown}`).toBe(before);
}

describe('garbage in every option and argument: exit 0/2/3/4/69, one bounded line, nothing written when refused', () => {
  for (const spec of commands) {
    const name = `${spec.path.join(' ')}${spec.file ? ` (${spec.file.ext} file)` : ''}${spec.options?.['--every'] ? ' --every' : ''}`;
    it(name, async () => {
      const value = spec.skip ? oddValue.filter((v) => !spec.skip!(v)) : oddValue;
      await fc.assert(fc.asyncProperty(fc.nat(), value, spec.file ? spec.file.content : fc.constant(null), async (target, v, content) => {
        await checkRun(argvFor(spec, target, v, content));
      }), { numRuns: 8 });
    });
  }
});

describe('the classes issue 13 names', () => {
  const cases: [string, string[], Record<string, string>?][] = [
    ['a 32-bit overflow in --limit', ['booking', 'list', '--limit', '2147483648']],
    ['an empty --status', ['booking', 'list', '--status', '']],
    ['a NUL byte in a lot code', ['lot', 'show', 'RIVER\0SIDE']],
    ['a timer overflow', ['sweeper', 'run', '--every', '99999999999999999999h']],
    ['an interval without its unit', ['sweeper', 'run', '--every', '1']],
    ['a demo of "abc" bookings', ['demo', '--bookings', 'abc']],
    ['an offset out of range', ['capacity', 'check', ...Object.entries({ ...window, '--from': '2026-12-02T09:00+99:00' }).flat()]],
    ['a malformed DATABASE_URL', ['lot', 'list'], { DATABASE_URL: 'postgres://[bad' }],
    ['a port out of range in DATABASE_URL', ['lot', 'list'], { DATABASE_URL: 'postgres://127.0.0.1:99999/x' }],
    ['an unknown sslmode in DATABASE_URL', ['lot', 'list'], { DATABASE_URL: 'postgres://127.0.0.1/x?sslmode=bogus' }],
  ];
  for (const [name, argv, overrides] of cases) {
    it(`${name}: exit 2, one line`, async () => {
      const before = await snapshot();
      const r = await runCli(['--now', now, ...argv], { ...env, ...overrides });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trimEnd().split('\n')[0]).toMatch(/^parkctl: /);
      expect(r.stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(2);
      expect(await snapshot()).toBe(before);
    });
  }

  it('a 5,000-character input is echoed cut, with its length', async () => {
    const r = await runCli(['lot', 'show', 'x'.repeat(5000)], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"x{60}…" \(5000 characters\)/);
    expect(r.stderr.split('\n')[0]!.length).toBeLessThanOrEqual(maxLine);
  });

  it('a line break in the input stays inside the one line, escaped', async () => {
    const r = await runCli(['booking', 'list', '--status', 'CONFIRMED\nparkctl: all good'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CONFIRMED\\x0aparkctl: all good');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('parkctl:'))).toHaveLength(1);
  });

  it('a NUL byte in a CSV field is that row\'s problem, not a crash', async () => {
    const path = writeTemp(bookingsCsv.replace('cust-1', 'cu\0st'), 'csv');
    const r = await runCli(['--json', '--now', now, 'booking', 'import', path], env);
    expect(r.code).toBe(2);
    expect(JSON.stringify(r.json)).toContain('control_character');
  });
});
