// Issue 13: every command that takes an id takes a unique prefix of it, as git does, and says so when
// the prefix is ambiguous (exit 2) or names nothing (exit 4).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prefixRange, resolveIdPrefix } from '../src/core/ids/prefix.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { runCli } from './support/cli.js';

let db: TestDatabase;
let env: Record<string, string>;
const now = '2026-12-01T07:00:00Z';
// two reservations whose ids share "abcd1" and one alone under "0123"
const twinA = 'abcd1111-1111-4111-8111-111111111111';
const twinB = 'abcd1222-2222-4222-8222-222222222222';
const single = '01234567-89ab-4cde-8f01-23456789abcd';

async function reserve(plate: string, hour: number): Promise<string> {
  const r = await runCli(['--json', '--now', now, 'booking', 'reserve', '--lot', 'RIVERSIDE', '--type', 'regular',
    '--from', `2026-12-02T${String(hour).padStart(2, '0')}:00`, '--to', `2026-12-02T${String(hour + 1).padStart(2, '0')}:00`, '--plate', plate], env);
  expect(r.code, r.stderr).toBe(0);
  return (r.json as { reservationId: string }).reservationId;
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  expect((await runCli(['lot', 'import', join(import.meta.dirname, '../fixtures/surface-lot.yaml')], env)).code).toBe(0);
  for (const [plate, hour, id] of [['PRE1', 9, twinA], ['PRE2', 10, twinB], ['PRE3', 11, single]] as const) {
    const made = await reserve(plate, hour);
    await db.pool.query('update reservations set reservation_id = $2 where reservation_id = $1', [made, id]);
  }
});
afterAll(async () => { await db.drop(); });

describe('the uuid range of a prefix', () => {
  it('pads with zeros and fs in uuid form', () => {
    expect(prefixRange('8f83')).toEqual(['8f830000-0000-0000-0000-000000000000', '8f83ffff-ffff-ffff-ffff-ffffffffffff']);
    expect(prefixRange('abcd12345')).toEqual(['abcd1234-5000-0000-0000-000000000000', 'abcd1234-5fff-ffff-ffff-ffffffffffff']);
  });
});

describe('booking show and friends take a unique prefix', () => {
  it('a unique prefix finds its reservation (also typed in capitals, or with its dash)', async () => {
    for (const prefix of ['0123', '01234567', '01234567-89', 'ABCD11']) {
      const r = await runCli(['--json', 'booking', 'show', prefix], env);
      expect(r.code, `${prefix}: ${r.stderr}`).toBe(0);
      expect(JSON.stringify(r.json)).toContain(prefix === 'ABCD11' ? twinA : single);
    }
  });

  it('an ambiguous prefix is exit 2 and lists what it matches', async () => {
    const r = await runCli(['booking', 'show', 'abcd1'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^parkctl: ambiguous prefix abcd1, matches 2: abcd1111-111\w*, abcd1222-222\w*\n/);
    const json = await runCli(['--json', 'booking', 'cancel', 'abcd'], env);
    expect(json.json).toMatchObject({ error: { code: 'ambiguous_id', exitCode: 2 } });
  });

  it('a prefix nothing starts with is exit 4', async () => {
    const r = await runCli(['--json', 'booking', 'show', 'ffff'], env);
    expect(r.code).toBe(4);
    expect(r.json).toMatchObject({ error: { code: 'unknown_reservation' } });
  });

  it('fewer than four characters, or a non-hex word, is bad input', async () => {
    expect((await runCli(['booking', 'show', 'abc'], env)).stderr).toMatch(/a prefix needs at least 4 characters/);
    expect((await runCli(['booking', 'show', 'banana'], env)).code).toBe(2);
    expect((await runCli(['booking', 'show', 'abcd-1'], env)).code).toBe(2); // a dash where a uuid has none
  });

  it('cancel, pay-link, visit arrive --reservation and payments list --reservation resolve prefixes', async () => {
    const link = await runCli(['--now', now, 'booking', 'pay-link', '0123'], env);
    expect(link.code, link.stderr).toBe(0);
    expect(link.stdout).toContain(single);
    const list = await runCli(['--json', 'payments', 'list', '--reservation', '0123'], env);
    expect(list.code, list.stderr).toBe(0);
    const early = await runCli(['--now', now, 'visit', 'arrive', '--lot', 'RIVERSIDE', '--reservation', '0123'], env);
    expect(early.stderr).not.toMatch(/not a reservation id|ambiguous/);
    const cancel = await runCli(['--json', '--now', now, 'booking', 'cancel', '01234'], env);
    expect(cancel.code, cancel.stderr).toBe(0);
    const { rows } = await db.pool.query('select status from reservations where reservation_id = $1', [single]);
    expect(rows[0].status).toBe('CANCELLED');
  });

  it('payments hand-back looks among reservations and payments', async () => {
    const r = await resolveIdPrefix(db.pool, ['reservation', 'payment'], 'ABCD12');
    expect(r).toEqual({ kind: 'reservation', id: twinB });
  });
});
