// A manual barrier open, for `parkctl gate open` and the dashboard alike: a gate command
// (migrations/0005_gate.sql) and a 'gate.manual_open' audit row with who and why in one transaction, a
// wake-up for the gate daemon, then a bounded wait for its answer. The command expires: a barrier must
// never open minutes after it was asked to.
import { setActor, withTransaction } from '../db.js';
import { UsageError } from '../errors.js';
import type { Lot } from '../lots/lot.js';
import type { Clock, PoolLike } from '../ports.js';
import { insertGateAudit, insertGateCommand, selectGateCommand } from '../sql/gate.js';

/** NOTIFY the gate daemons that a command for (lot, gate) waits. */
export type WakeGate = (lotId: number, gateId: string) => Promise<void>;

export interface ManualOpenDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
  wakeGate?: WakeGate | undefined;
}

export interface ManualOpenRequest {
  gateId: string;
  reason: string;
  /** how long to wait for the daemon's answer, ms */
  waitMs: number;
  /** how long the daemon may still act on it, ms (default: the wait) */
  lifetimeMs?: number;
}

export interface ManualOpenOutcome {
  commandId: number;
  /** opened; the daemon's refusal or failure text; or null when no daemon answered within the wait */
  result: string | null;
  gateId: string;
  reason: string;
}

const pollMs = 100;

export async function requestManualOpen(deps: ManualOpenDeps, lot: Lot, req: ManualOpenRequest): Promise<ManualOpenOutcome> {
  const gateId = req.gateId.trim();
  const reason = req.reason.trim();
  if (!gateId) throw new UsageError('which gate? give its id', { hint: 'gate ids are in the gates panel and the daemon configs' });
  if (!reason) throw new UsageError('a manual open needs a reason', { hint: 'e.g. "ticket machine jammed"' });
  const now = deps.clock.now();
  const expiresAt = new Date(Date.now() + (req.lifetimeMs ?? req.waitMs));
  const commandId = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, reason);
    const id = await insertGateCommand(tx, { lotId: lot.lotId, gateId, actor: deps.actor, reason, requestedAt: now, expiresAt });
    await insertGateAudit(tx, { lotId: lot.lotId, kind: 'gate.manual_open', actor: deps.actor, reason, detail: { gate: gateId, commandId: id }, occurredAt: now });
    return id;
  });
  await deps.wakeGate?.(lot.lotId, gateId).catch(() => undefined);
  const deadline = Date.now() + req.waitMs;
  for (;;) {
    const command = await selectGateCommand(deps.pool, lot.lotId, gateId, commandId);
    if (command?.result) return { commandId, result: command.result, gateId, reason };
    if (Date.now() >= deadline) return { commandId, result: null, gateId, reason };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
