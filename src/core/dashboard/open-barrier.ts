// A manual barrier open from the dashboard, the same way `parkctl gate open` does it: a gate command
// (migrations/0005_gate.sql) and a 'gate.manual_open' audit row in one transaction, a wake-up for the
// gate daemon, then a short bounded wait for its answer. The command expires quickly: a barrier must
// never open minutes after it was asked to.
import { setActor, withTransaction } from '../db.js';
import { ExternalError, UsageError } from '../errors.js';
import type { Lot } from '../lots/lot.js';
import type { Clock, PoolLike } from '../ports.js';
import { insertGateAudit, insertGateCommand, selectGateCommand } from '../sql/gate.js';

/** NOTIFY the gate daemons that a command for (lot, gate) waits. */
export type WakeGate = (lotId: number, gateId: string) => Promise<void>;

export interface BarrierDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
  wakeGate?: WakeGate | undefined;
}

/** How long a command stays takeable after it was asked for, ms. */
const commandLifetimeMs = 15_000;
const pollMs = 100;

/** Resolves with what happened ("opened", or "requested, no answer yet"); rejects when the daemon reports a failure. */
export async function requestBarrierOpen(deps: BarrierDeps, lot: Lot, req: { gateId: string; reason: string; waitMs: number }): Promise<string> {
  const gateId = req.gateId.trim();
  const reason = req.reason.trim();
  if (!gateId) throw new UsageError('which gate? give its id', { hint: 'gate ids are shown in the gates panel' });
  if (!reason) throw new UsageError('a manual open needs a reason', { hint: 'e.g. "ticket machine jammed"' });
  const now = deps.clock.now();
  const commandId = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, reason);
    const id = await insertGateCommand(tx, { lotId: lot.lotId, gateId, actor: deps.actor, reason, requestedAt: now, expiresAt: new Date(Date.now() + commandLifetimeMs) });
    await insertGateAudit(tx, { lotId: lot.lotId, kind: 'gate.manual_open', actor: deps.actor, reason, detail: { gate: gateId, commandId: id }, occurredAt: now });
    return id;
  });
  await deps.wakeGate?.(lot.lotId, gateId).catch(() => undefined);
  const deadline = Date.now() + Math.min(req.waitMs, commandLifetimeMs);
  while (Date.now() < deadline) {
    const command = await selectGateCommand(deps.pool, lot.lotId, gateId, commandId);
    if (command?.result === 'opened') return `${gateId} opened (logged: ${reason})`;
    if (command?.result) throw new ExternalError(`gate daemon ${lot.code}/${gateId}`, `${gateId} did not open: ${command.result}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return `${gateId}: open requested (logged), no answer from its gate daemon yet; it expires in ${Math.round(commandLifetimeMs / 1000)} s`;
}
