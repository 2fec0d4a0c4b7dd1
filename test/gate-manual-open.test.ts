// `parkctl gate open` (issue 19, item 10): the audit trail says what happened to a manual open, not
// only that it was asked for. An unknown gate is bad input (exit 2, the known gates listed) and writes
// nothing; a known gate whose daemon never answers is "requested" then "not opened" (exit 69), and
// cannot open later; a gate whose daemon opens it is "requested" then "opened".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lot } from '../src/core/lots/lot.js';
import { insertGateEvent } from '../src/core/sql/gate.js';
import { finishGateCommand, takeGateCommands, upsertGateHeartbeat } from '../src/core/sql/gate-control.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';

let db: TestDatabase;
let lot: Lot;

beforeAll(async () => {
  db = await createTestDatabase();
  lot = await createTestLot(db.pool, { code: 'MANUAL' });
  const at = new Date();
  await upsertGateHeartbeat(db.pool, {
    lotId: lot.lotId, gateId: 'east-in', direction: 'entry', host: 'h', pid: 1, startedAt: at, seenAt: at,
    journalLastSeq: 0, journalSyncedSeq: 0, barrierState: 'closed', allowListSyncedAt: null,
  });
  await insertGateEvent(db.pool, { lotId: lot.lotId, gateId: 'east-out', seq: 1, kind: 'exit', plate: null, credential: null, decision: 'NO_VISIT', detail: {}, occurredAt: at });
});

afterAll(async () => {
  await db?.drop();
});

async function audit(): Promise<Array<{ kind: string; actor: string; reason: string | null; gate: string; result: string | null }>> {
  const { rows } = await db.pool.query(
    `select kind, actor, reason, detail->>'gate' as gate, detail->>'result' as result from events
      where lot_id = $1 and kind like 'gate.manual_open%' order by event_id`, [lot.lotId]);
  return rows;
}

async function clearAudit(): Promise<void> {
  await db.pool.query(`delete from events where lot_id = $1 and kind like 'gate.manual_open%'`, [lot.lotId]);
}

describe('parkctl gate open', () => {
  it('refuses an unknown gate at once with exit 2, names the known gates and records nothing', async () => {
    const r = await runCli(['gate', 'open', '--lot', 'MANUAL', '--gate', 'west-in', '--reason', 'ticket machine jammed', '--wait-seconds', '1'], { DATABASE_URL: db.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown gate "west-in" at MANUAL/);
    expect(r.stderr).toMatch(/known gates: east-in, east-out/);
    expect((await db.pool.query(`select 1 from gate_commands where lot_id = $1`, [lot.lotId])).rowCount).toBe(0);
    expect(await audit()).toEqual([]);
  });

  it('records a known gate whose daemon never answers as requested, then not opened (exit 69), and it never opens later', async () => {
    await clearAudit();
    const r = await runCli(['gate', 'open', '--lot', 'MANUAL', '--gate', 'east-in', '--reason', 'ticket machine jammed', '--wait-seconds', '1'],
      { DATABASE_URL: db.url, PARKCTL_ACTOR: 'attendant:ann' });
    expect(r.code).toBe(69);
    expect(r.stderr).toMatch(/asked MANUAL\/east-in to open .*waiting up to 1 s/);
    expect(r.stderr).toMatch(/not opened: no answer from its gate daemon/);
    expect(await audit()).toEqual([
      { kind: 'gate.manual_open_requested', actor: 'attendant:ann', reason: 'ticket machine jammed', gate: 'east-in', result: null },
      { kind: 'gate.manual_open_failed', actor: 'attendant:ann', reason: 'ticket machine jammed', gate: 'east-in', result: 'no answer from its gate daemon' },
    ]);
    // the daemon coming back later finds nothing to open
    expect(await takeGateCommands(db.pool, lot.lotId, 'east-in', new Date())).toEqual([]);
  });

  it('records an open its daemon carried out as requested, then opened', async () => {
    await clearAudit();
    let stop = false;
    // the daemon's side, as its sync loop does it: take the command, open, report
    const daemon = (async () => {
      while (!stop) {
        for (const c of await takeGateCommands(db.pool, lot.lotId, 'east-in', new Date())) {
          await finishGateCommand(db.pool, lot.lotId, 'east-in', c.command_id, 'opened');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const r = await runCli(['--json', 'gate', 'open', '--lot', 'MANUAL', '--gate', 'east-in', '--reason', 'lost ticket', '--wait-seconds', '30'],
      { DATABASE_URL: db.url, PARKCTL_ACTOR: 'attendant:bob' });
    stop = true;
    await daemon;
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ result: 'opened', by: 'attendant:bob', gate: 'east-in' });
    expect(await audit()).toEqual([
      { kind: 'gate.manual_open_requested', actor: 'attendant:bob', reason: 'lost ticket', gate: 'east-in', result: null },
      { kind: 'gate.manual_open', actor: 'attendant:bob', reason: 'lost ticket', gate: 'east-in', result: 'opened' },
    ]);
  });
});
