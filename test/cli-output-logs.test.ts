/* eslint-disable no-control-regex -- the colour codes (ESC [ ... m) are what this test looks for */
// Issue 13, output point 6: -v logs (pino) read by people on a terminal, one short line each; JSON lines
// when stderr is not a terminal (journald, files, pipes). Redis at a port nobody listens on makes the
// capacity cache warn on every call (it never fails the answer: DESIGN.md invariant 7).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanLine } from '../src/drivers/process-logger.js';
import { runBuilt } from './support/built-cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let env: Record<string, string>;
const check = ['-v', 'capacity', 'check', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', '2031-06-03 10:00', '--to', '2031-06-03 12:00'];

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, PARKCTL_NOW: '2031-06-01T09:00:00Z' };
  expect((await runBuilt(['lot', 'import', 'fixtures/surface-lot.yaml'], env)).code).toBe(0);
  env.REDIS_URL = 'redis://127.0.0.1:1';
});

afterAll(async () => {
  await db?.drop();
});

describe('-v logs', () => {
  it('piped: JSON lines with time, level and msg; the answer unharmed on stdout', async () => {
    const r = await runBuilt(check, env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^free:/m);
    const lines = r.stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'redis capacity cache call failed', service: 'Redis' }));
    for (const l of lines) expect(l.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('on a terminal: a line a person reads, the level in colour unless NO_COLOR', async () => {
    const r = await runBuilt(check, env, { columns: 120, rows: 50 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d \u001b\[33mWARN \u001b\[39m redis capacity cache call failed {2}service=Redis operation=(get|set) error="/m);
    expect(r.stdout).not.toMatch(/^\{"level"/m);
    const plain = await runBuilt(check, { ...env, NO_COLOR: '1' }, { columns: 120, rows: 50 });
    expect(plain.stdout).toMatch(/^\d\d:\d\d:\d\d WARN {2}redis capacity cache call failed/m);
    expect(plain.stdout).not.toContain('\u001b[');
  });

  it('a logged value cannot drive the terminal', () => {
    const line = humanLine({ time: '2031-06-01T09:00:00.000Z', level: 'info', msg: 'plate \u001b[2J', plate: 'A\nB' });
    expect(line).not.toContain('\u001b');
    expect(line.trimEnd().split('\n')).toHaveLength(1);
    expect(line).toMatch(/^\d\d:\d\d:\d\d INFO {2}plate \\x1b\[2J {2}plate=/);
  });
});
