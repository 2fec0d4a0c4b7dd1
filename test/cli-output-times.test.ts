// Issue 13, output point 5: times in one convention. People read them in the lot's zone as
// "2031-06-03 10:00" with the zone named once; JSON says ISO UTC. booking reserve printed the hold in
// local time and the payment line in UTC; payments list changed zone with --lot. Both fixed here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTimesIn, timeHeader, zoneAbbreviation } from '../src/commands/output.js';
import { runBuilt } from './support/built-cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let env: Record<string, string>;
let reserved: string;
let id: string;
const isoUtc = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z/;

beforeAll(async () => {
  db = await createTestDatabase();
  // Europe/London in June is BST, UTC+1: a time in the wrong zone is an hour out and shows
  env = { DATABASE_URL: db.url, PARKCTL_NOW: '2031-06-01T09:00:00Z' };
  expect((await runBuilt(['lot', 'import', 'fixtures/surface-lot.yaml'], env)).code).toBe(0);
  const r = await runBuilt(['booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular', '--from', '2031-06-03 10:00', '--to', '2031-06-03 12:00', '--plate', 'TI11AAA'], env);
  expect(r.code, r.stderr).toBe(0);
  reserved = r.stdout;
  id = /^reservation:\s+(\S+)/m.exec(reserved)![1]!;
  const show = JSON.parse((await runBuilt(['--json', 'booking', 'show', id], env)).stdout) as { priceMinor: number };
  expect((await runBuilt(['booking', 'complete', id, '--payment-token', `cash:${id}:${show.priceMinor}:GBP`], env)).code).toBe(0);
});

afterAll(async () => {
  await db?.drop();
});

describe('one convention for times', () => {
  it('booking reserve: the window, the hold and the payment line all in the lot\'s zone, none in UTC', () => {
    expect(reserved).toMatch(/^window:\s+2031-06-03 10:00 -> 2031-06-03 12:00 \(Europe\/London\)$/m);
    expect(reserved).toMatch(/^hold expires:\s+2031-06-01 10:15 BST$/m);
    expect(reserved).toMatch(/^pay:\s+pay the attendant .* before 2031-06-01 10:15 BST /m);
    expect(reserved).not.toMatch(isoUtc);
  });

  it('--json says ISO UTC', async () => {
    const j = JSON.parse((await runBuilt(['--json', 'booking', 'show', id], env)).stdout) as Record<string, string>;
    expect(j.start).toBe('2031-06-03T09:00:00.000Z');
    expect(j.end).toBe('2031-06-03T11:00:00.000Z');
  });

  it('payments list shows the lot\'s time with --lot and without it', async () => {
    const lines = async (args: string[]) => (await runBuilt(['payments', 'list', ...args], env)).stdout.trimEnd().split('\n');
    const [header, row] = await lines([]);
    const [headerLot, rowLot] = await lines(['--lot', 'RIVERSIDE']);
    expect(header).toMatch(/WHEN \(BST\)/);
    expect(headerLot).toBe(header);
    expect(row).toBe(rowLot);
    expect(row).toContain('2031-06-01 10:00'); // paid at 09:00 UTC
  });

  it('booking list names the zone once, in the FROM header', async () => {
    const [header, row] = (await runBuilt(['booking', 'list'], env)).stdout.split('\n');
    expect(header).toMatch(/FROM \(BST\)\s+TO\s/);
    expect(row).toMatch(/2031-06-03 10:00\s+12:00\s/);
  });

  it('helpers: zone names, a header across a clock change, ISO instants in a provider\'s text', () => {
    expect(zoneAbbreviation('Europe/London', new Date('2031-01-10T12:00:00Z'))).toBe('GMT');
    expect(zoneAbbreviation('Europe/London', new Date('2031-06-10T12:00:00Z'))).toBe('BST');
    expect(zoneAbbreviation('America/New_York', new Date('2031-01-10T12:00:00Z'))).toBe('EST');
    const times = (zone: string, ...at: string[]) => at.map((a) => ({ at: new Date(a), timeZone: zone }));
    expect(timeHeader('from', times('Europe/London', '2031-03-01T10:00:00Z', '2031-06-01T10:00:00Z'))).toBe('from (Europe/London)');
    expect(timeHeader('from', [...times('Europe/London', '2031-06-01T10:00:00Z'), ...times('Europe/Paris', '2031-06-01T10:00:00Z')])).toBe('from (local)');
    expect(localTimesIn('pay before 2031-06-01T09:15:00.000Z (ref)', 'Europe/London')).toBe('pay before 2031-06-01 10:15 BST (ref)');
  });
});
