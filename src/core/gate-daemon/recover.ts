// A restart's recovery, before the lane opens: the journalled records after the saved allow-list's
// snapshot are replayed into it (confirmed entries and exits hold again, synced or not), and every
// decision whose barrier confirmation never reached the disk is journalled void (invariant 10), so
// the database and the audit see it void and the car's next read is decided afresh.
import type { GateJournal, JournalEntry } from '../gate/ports.js';
import { unresolvedDecisions, voidRecord } from './barrier-outcome.js';
import type { LocalAllowList } from './local-allow-list.js';

/**
 * Replays `tail` (the durable records after allowList.syncedSeq, oldest first); returns how many
 * decisions it voided. Those the saved list held as pending count too: one may have been pushed, and
 * so lie at or below syncedSeq, while its barrier was still being commanded.
 */
export async function recoverFromJournal(allowList: LocalAllowList, tail: readonly JournalEntry[], journal: Pick<GateJournal, 'append'>, now: Date): Promise<number> {
  for (const e of tail) allowList.replay(e.seq, e.record);
  const inTail = new Set(tail.map((e) => e.seq));
  const saved = allowList.pendingWhenSaved.filter((e) => !inTail.has(e.seq));
  const unresolved = unresolvedDecisions([...saved, ...tail].sort((a, b) => a.seq - b.seq));
  for (const d of unresolved) await journal.append(voidRecord(d.seq, d.record, now, 'no barrier confirmation before the daemon stopped'));
  return unresolved.length;
}
