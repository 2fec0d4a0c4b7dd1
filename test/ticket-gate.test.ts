// Issue 15: the entry lane's ticket path, ticket button (or an unbooked plate) -> print -> barrier, with the
// real ESC/POS network driver talking to a TCP server standing in for the printer's port 9100, the gate
// daemon in-process against real PostgreSQL (as parkctl_gate). The ticket the printer received carries the
// number the database keeps for the visit; no paper, no entry.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGateDaemonConfig } from '../src/core/gate-daemon/config.js';
import type { GateEventRecord, GateInput } from '../src/core/gate/ports.js';
import { MockBarrier, MockGateInputSource } from '../src/core/gate/test-doubles.js';
import { silentLogger, systemClock } from '../src/core/ports.js';
import { NetworkTicketPrinter } from '../src/drivers/escpos/printer.js';
import { startGateRuntime, type GateRuntime } from '../src/drivers/gate-runtime/runtime.js';
import { createTestDatabase, gateRoleTestUrl, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';
import { waitFor } from './support/gate-daemon-helpers.js';

/** The lane's events in the order they happened: what the printer took, what the barrier did. */
const order: string[] = [];
class LoggingBarrier extends MockBarrier {
  override async open(pulseMs?: number): Promise<void> {
    await super.open(pulseMs);
    order.push('barrier');
  }
}

let db: TestDatabase;
let dir: string;
let printer: Server;
let printerPort = 0;
const tickets: Buffer[] = [];
const barrier = new LoggingBarrier();
const source = new MockGateInputSource();
const journalled: Array<{ seq: number; record: GateEventRecord }> = [];
let runtime: GateRuntime;

function listen(port = 0): Promise<Server> {
  const server = createServer((s) => {
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => {
      tickets.push(Buffer.concat(chunks));
      order.push('printed');
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  db = await createTestDatabase();
  await createTestLot(db.pool, { code: 'TIXGATE', spots: 5, policy: { walk_ins: true } });
  printer = await listen();
  printerPort = (printer.address() as AddressInfo).port;
  dir = await mkdtemp(join(tmpdir(), 'parkctl-ticket-gate-'));
  const config = parseGateDaemonConfig({
    lot: 'TIXGATE', gate: 'north-in', direction: 'entry', journalDir: dir, barrier: { driver: 'none' },
    printer: { driver: 'escpos-tcp', host: '127.0.0.1', port: printerPort, ticketPrefix: 'N1' },
    syncIntervalSeconds: 3600, allowListRefreshSeconds: 3600,
  }, 'test');
  runtime = await startGateRuntime({
    config, databaseUrl: gateRoleTestUrl(db.url), barrier, inputs: [source], clock: systemClock, logger: silentLogger, listen: false,
    printer: new NetworkTicketPrinter({ host: '127.0.0.1', port: printerPort, timeoutMs: 2000 }),
    onJournaled: (seq, record) => journalled.push({ seq, record }),
  });
});

afterAll(async () => {
  await runtime?.stop();
  await new Promise<void>((r) => (printer?.listening ? printer.close(() => r()) : r()));
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const button = (): GateInput => ({ kind: 'button', button: 'ticket', source: 'lane', at: new Date() });
const plate = (p: string): GateInput => ({ kind: 'plate', plate: p, confidence: 0.95, source: 'cam', readId: p, at: new Date() });

/** Presents an input and waits for its entry decision's outcome (confirmed or void) to be journalled. */
async function present(input: GateInput): Promise<{ decisionSeq: number; outcome: string }> {
  const from = journalled.length;
  source.emitInput(input);
  await waitFor(() => journalled.slice(from).some((j) => /^entry_(confirmed|void)$/.test(j.record.kind)), 'the entry\'s outcome');
  const outcome = journalled.slice(from).find((j) => /^entry_(confirmed|void)$/.test(j.record.kind))!;
  return { decisionSeq: outcome.record.detail!.decisionSeq as number, outcome: outcome.record.kind };
}

describe('ticket button -> print -> barrier', () => {
  it('prints the ticket before the barrier opens; the database keeps the printed number for the visit', async () => {
    const { decisionSeq, outcome } = await present(button());
    expect(outcome).toBe('entry_confirmed');
    expect(order).toEqual(['printed', 'barrier']);
    const paper = tickets[0]!.toString('latin1');
    const number = `N1-${decisionSeq}`;
    expect(paper).toContain(`Ticket ${number}`);
    expect(paper).not.toContain('Plate:');
    const visitId = journalled.find((j) => j.seq === decisionSeq)!.record.visitId!;
    expect(paper).toContain(`T1/${number}/${visitId}`); // the QR's data

    await runtime.sync.pass();
    const row = await db.pool.query(`select number, plate, status, gate from tickets where visit_id = $1`, [visitId]);
    expect(row.rows).toEqual([{ number, plate: null, status: 'open', gate: 'north-in' }]);
  });

  it('an unbooked plate is a walk-in too: its ticket carries the plate read, and so does the record', async () => {
    order.length = 0;
    const { decisionSeq } = await present(plate('WALK1'));
    expect(order).toEqual(['printed', 'barrier']);
    expect(tickets.at(-1)!.toString('latin1')).toContain('Plate: WALK1');
    await runtime.sync.pass();
    const row = await db.pool.query(`select t.number, t.plate from tickets t join visits v using (lot_id, visit_id) where v.plate = 'WALK1'`);
    expect(row.rows).toEqual([{ number: `N1-${decisionSeq}`, plate: 'WALK1' }]);
  });

  it('no paper, no entry: a printer that does not answer keeps the barrier shut and says so', async () => {
    await new Promise<void>((r) => printer.close(() => r()));
    order.length = 0;
    const opens = barrier.opens.length;
    const { outcome } = await present(button());
    expect(outcome).toBe('entry_void');
    expect(barrier.opens.length).toBe(opens);
    expect(order).toEqual([]);
    expect(barrier.displayed.at(-1)).toBe('SEE ATTENDANT');
    expect(journalled.some((j) => j.record.kind === 'fault' && String(j.record.detail?.error).startsWith('ticket not printed'))).toBe(true);
    printer = await listen(printerPort);
  });
});
