// Issue 13: `parkctl booking list | head -1` stops quietly (no EPIPE stack trace), and a list cut at its
// --limit says so on stderr ("showing 2 of 3 (--limit to see more)") while stdout keeps its shape.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupThousands } from '../src/commands/list-limit.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

const bin = join(import.meta.dirname, '..', 'bin', 'parkctl');
const now = '2031-06-01T00:00:00Z';
let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url, PARKCTL_NOW: now };
  expect((await runCli(['lot', 'import', 'fixtures/surface-lot.yaml'], env)).code).toBe(0);
  for (const plate of ['AA11AAA', 'BB22BBB', 'CC33CCC']) {
    const r = await runCli(['booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', '2031-06-03T10:00', '--to', '2031-06-03T12:00', '--plate', plate], env);
    expect(r.code, r.stderr).toBe(0);
  }
});

afterAll(async () => {
  await db?.drop();
});

describe('a reader that goes away', () => {
  it('booking list into a closed pipe exits 0 with nothing on stderr', async () => {
    const child = spawn(process.execPath, [bin, 'booking', 'list'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    // the reader is gone before parkctl writes its first line, as `head -1` is after reading one
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const [code] = await once(child, 'exit');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('a list cut at its --limit', () => {
  it('booking list says how many it shows of how many match, on stderr only', async () => {
    const cut = await runCli(['booking', 'list', '--limit', '2'], env);
    expect(cut.code).toBe(0);
    expect(cut.stderr).toBe('showing 2 of 3 (--limit to see more)\n');
    expect(cut.stdout.trim().split('\n')).toHaveLength(3); // header + 2 rows
    const json = await runCli(['--json', 'booking', 'list', '--limit', '2'], env);
    expect(json.json).toHaveLength(2);
    expect(json.stderr).toBe('showing 2 of 3 (--limit to see more)\n');
  });

  it('says nothing when every match is shown', async () => {
    for (const limit of ['3', '200']) {
      const all = await runCli(['booking', 'list', '--limit', limit], env);
      expect(all.code).toBe(0);
      expect(all.stderr).toBe('');
      expect(all.stdout.trim().split('\n')).toHaveLength(4);
    }
  });

  it('payments list says it too', async () => {
    const ids = ((await runCli(['--json', 'booking', 'list'], env)).json as { reservation_id?: string; reservationId?: string }[])
      .map((r) => r.reservationId ?? r.reservation_id);
    for (const id of ids) {
      const show = await runCli(['--json', 'booking', 'show', id!], env);
      const price = (show.json as { priceMinor?: number; price_minor?: number });
      const amount = price.priceMinor ?? price.price_minor;
      const done = await runCli(['booking', 'complete', id!, '--payment-token', `cash:${id}:${amount}:GBP`], env);
      expect(done.code, done.stderr).toBe(0);
    }
    const cut = await runCli(['payments', 'list', '--limit', '1'], env);
    expect(cut.code).toBe(0);
    expect(cut.stderr).toBe('showing 1 of 3 (--limit to see more)\n');
  });

  it('groups thousands the same way in every locale', () => {
    expect(groupThousands(3113)).toBe('3,113');
    expect(groupThousands(200)).toBe('200');
    expect(groupThousands(1234567)).toBe('1,234,567');
  });
});
