// Invariant 10: a gate entry (or exit) counts once the barrier moved. A decision that opens the
// barrier is journalled "pending" (detail.barrier = 'pending'); once the barrier confirmed the
// command a second record follows, `<kind>_confirmed`, and only that one changes who is inside:
// locally (anti-passback, the free count) and in PostgreSQL (the visit is opened or closed when the
// confirmation is synced). A decision the barrier never confirmed (the relay refused or stayed
// silent, or the daemon died before the confirmation reached the disk) is void: a `<kind>_void`
// record says so, nothing changes, and the car's next read is decided afresh.
//
// A decision journalled without the pending mark (a lane with no barrier, or a journal written
// before decisions waited for the barrier) counts at once, as it always did.
import type { GateEventRecord, JournalEntry } from '../gate/ports.js';

export const pendingBarrier = 'pending';

/** An allowed entry or exit waiting for its barrier's confirmation. */
export function isPendingDecision(record: GateEventRecord): boolean {
  return (record.kind === 'entry' || record.kind === 'exit') && record.allow === true && record.detail?.barrier === pendingBarrier;
}

/** What a confirmation or void record keeps of its decision: enough to open or close the visit. */
function outcome(kind: string, decisionSeq: number, decision: GateEventRecord, at: Date, allow: boolean, extra: Record<string, unknown>): GateEventRecord {
  const d = decision.detail ?? {};
  const keep: Record<string, unknown> = {};
  for (const k of ['reservationEnd', 'overstayMinutes', 'spotLabel', 'trigger', 'permitId', 'ticket', 'validation']) if (d[k] !== undefined) keep[k] = d[k];
  return {
    kind, occurredAt: at.toISOString(), plate: decision.plate, credential: decision.credential, decision: null, allow,
    reservationId: decision.reservationId, visitId: decision.visitId, amountDueMinor: decision.amountDueMinor,
    detail: { decisionSeq, decision: decision.decision, ...keep, ...extra },
  };
}

/** The barrier confirmed decision `decisionSeq`: the entry or exit takes effect, at `at`. */
export function confirmedRecord(decisionSeq: number, decision: GateEventRecord, at: Date): GateEventRecord {
  return outcome(`${decision.kind}_confirmed`, decisionSeq, decision, at, true, {});
}

/** Decision `decisionSeq` never moved the barrier: it changes nothing. */
export function voidRecord(decisionSeq: number, decision: GateEventRecord, at: Date, why: string): GateEventRecord {
  return outcome(`${decision.kind}_void`, decisionSeq, decision, at, false, { why: why.slice(0, 200) });
}

/** 'entry' or 'exit' for a record that makes one take effect (a confirmation, or an unmarked decision); else null. */
export function effectiveKind(record: GateEventRecord): 'entry' | 'exit' | null {
  if (record.allow !== true) return null;
  if (record.kind === 'entry_confirmed') return 'entry';
  if (record.kind === 'exit_confirmed') return 'exit';
  if ((record.kind === 'entry' || record.kind === 'exit') && record.detail?.barrier !== pendingBarrier) return record.kind;
  return null;
}

/** Pending decisions among `entries` (oldest first) that no later confirmation or void record resolves. */
export function unresolvedDecisions(entries: readonly JournalEntry[]): JournalEntry[] {
  const open = new Map<number, JournalEntry>();
  for (const e of entries) {
    if (isPendingDecision(e.record)) open.set(e.seq, e);
    const resolves = e.record.detail?.decisionSeq;
    if (typeof resolves === 'number' && /_(confirmed|void)$/.test(e.record.kind)) open.delete(resolves);
  }
  return [...open.values()];
}
