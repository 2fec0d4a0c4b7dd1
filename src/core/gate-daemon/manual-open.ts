// A manual barrier open, for `parkctl gate open` and the dashboard alike: a gate command
// (migrations/0005_gate.sql) and a 'gate.manual_open_requested' audit row with who and why in one
// transaction, a wake-up for the gate daemon, then a bounded wait for its answer. What became of it is
// audited when the command gets its result (migrations/0014: 'gate.manual_open' opened, else
// 'gate.manual_open_failed'). A command no daemon took within the wait is given up, so it never opens
// later and its "not opened" is on record. Only gates the lot knows (heartbeats, events) can be asked.
import { setActor, withTransaction } from '../db.js';
import { UsageError } from '../errors.js';
import type { Lot } from '../lots/lot.js';
import type { Clock, PoolLike } from '../ports.js';
import { abandonGateCommand, insertGateAudit, insertGateCommand, selectGateCommand, selectKnownGateIds } from '../sql/gate-control.js';

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
  /** called once the request is recorded, before the wait (the command says it is waiting) */
  onRequested?: (commandId: number) => void;
}

export interface ManualOpenOutcome {
  commandId: number;
  /**
   * opened; the daemon's failure text, 'expired', or noAnswer when no daemon took it within the wait (it
   * will not open later); null when a daemon took it but had not answered yet (its result is audited when it does)
   */
  result: string | null;
  gateId: string;
  reason: string;
}

const pollMs = 100;

/** The result of a command no gate daemon took within the wait. */
export const noAnswer = 'no answer from its gate daemon';

export async function requestManualOpen(deps: ManualOpenDeps, lot: Lot, req: ManualOpenRequest): Promise<ManualOpenOutcome> {
  const gateId = req.gateId.trim();
  const reason = req.reason.trim();
  if (!gateId) throw new UsageError('which gate? give its id', { hint: 'gate ids are in the gates panel and the daemon configs' });
  if (!reason) throw new UsageError('a manual open needs a reason', { hint: 'e.g. "ticket machine jammed"' });
  const known = await selectKnownGateIds(deps.pool, lot.lotId);
  if (!known.includes(gateId)) {
    throw new UsageError(`unknown gate "${gateId}" at ${lot.code}`, {
      hint: known.length ? `known gates: ${known.join(', ')}` : `no gate daemon has reported to ${lot.code} yet: start one (parkctl gate-daemon run --config ...)`,
      code: 'unknown_gate',
    });
  }
  const now = deps.clock.now();
  const expiresAt = new Date(Date.now() + (req.lifetimeMs ?? req.waitMs));
  const commandId = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, reason);
    const id = await insertGateCommand(tx, { lotId: lot.lotId, gateId, actor: deps.actor, reason, requestedAt: now, expiresAt });
    await insertGateAudit(tx, { lotId: lot.lotId, kind: 'gate.manual_open_requested', actor: deps.actor, reason, detail: { gate: gateId, commandId: id }, occurredAt: now });
    return id;
  });
  req.onRequested?.(commandId);
  await deps.wakeGate?.(lot.lotId, gateId).catch(() => undefined);
  const deadline = Date.now() + req.waitMs;
  for (;;) {
    const command = await selectGateCommand(deps.pool, lot.lotId, gateId, commandId);
    if (command?.result) return { commandId, result: command.result, gateId, reason };
    if (Date.now() >= deadline) {
      const abandoned = await abandonGateCommand(deps.pool, lot.lotId, gateId, commandId, deps.clock.now(), noAnswer);
      if (abandoned) return { commandId, result: noAnswer, gateId, reason };
      const late = await selectGateCommand(deps.pool, lot.lotId, gateId, commandId);
      return { commandId, result: late?.result ?? null, gateId, reason };
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
