// The daemon's allow-list: the last snapshot loaded from the database plus what this gate decided
// since (its "effects"), so anti-passback and the free count hold locally while the database is
// down or the journal is not synced yet. An effect is dropped once a snapshot taken after its
// event reached the database is installed (that snapshot already shows it).
// A decision changes the view in place (./allow-list-view.ts); a reload, a revert or a restart's
// replay rebuilds it, all off the lane's path.
import type { AllowList, AllowListSnapshot, GatePolicy } from '../gate/allow-list.js';
import type { GateEventRecord, JournalEntry } from '../gate/ports.js';
import { AllowListView, type GateEffect } from './allow-list-view.js';
import { effectiveKind } from './barrier-outcome.js';

export type { GateEffect } from './allow-list-view.js';

interface HeldEffect {
  effect: GateEffect;
  /** journal seq; null until the append resolved (or, for a pending decision, its confirmation's) */
  seq: number | null;
  /** a decision journalled pending, until its barrier's outcome */
  decision?: JournalEntry;
}

/** The persisted form (allow-list.json): survives a restart with the database down. */
export interface PersistedAllowList {
  version: 1;
  /** every journal seq up to this one was in the database when the snapshot was taken */
  syncedSeq: number;
  snapshot: AllowListSnapshot;
  effects: Array<{ seq: number; effect: GateEffect }>;
  /**
   * Decisions awaiting their barrier's confirmation when this was saved: a restart voids those that
   * got none, also when they were pushed already (seq at or below syncedSeq, not replayed).
   */
  pending?: JournalEntry[];
}

/**
 * The effect of a journalled record, if it changed who is inside: a barrier's confirmation, or a
 * decision that needed none (./barrier-outcome.ts). A pending decision changes nothing by itself.
 */
export function effectOf(record: GateEventRecord): GateEffect | null {
  const d = record.detail ?? {};
  const kind = effectiveKind(record);
  if (kind === null || typeof record.visitId !== 'string') return null;
  if (kind === 'entry' && typeof record.plate === 'string') {
    return {
      kind: 'enter', visitId: record.visitId, plate: record.plate, reservationId: record.reservationId,
      enteredAt: record.occurredAt, reservationEnd: typeof d.reservationEnd === 'string' ? d.reservationEnd : null,
      // an early entry's fee, owed at the exit
      ...(typeof record.amountDueMinor === 'number' && record.amountDueMinor > 0 ? { amountDueMinor: record.amountDueMinor } : {}),
      ...(typeof d.permitId === 'string' ? { permitId: d.permitId } : {}),
    };
  }
  if (kind === 'exit') return { kind: 'exit', visitId: record.visitId, reservationId: record.reservationId };
  return null;
}

export class LocalAllowList {
  private base: AllowListSnapshot;
  private baseSyncedSeq: number;
  private effects: HeldEffect[] = [];
  private view: AllowListView;
  /** pending decisions the saved list held (see PersistedAllowList.pending) */
  private savedPending: JournalEntry[] = [];

  constructor(snapshot: AllowListSnapshot, syncedSeq: number) {
    this.base = snapshot;
    this.baseSyncedSeq = syncedSeq;
    this.view = new AllowListView(snapshot);
  }

  static fromPersisted(p: PersistedAllowList): LocalAllowList {
    const local = new LocalAllowList(reviveSnapshot(p.snapshot), p.syncedSeq);
    for (const e of p.effects) local.effects.push({ effect: e.effect, seq: e.seq });
    local.savedPending = p.pending ?? [];
    local.rebuild();
    return local;
  }

  /** Decisions that awaited their barrier when the list was saved (a restart's recovery reads them). */
  get pendingWhenSaved(): readonly JournalEntry[] {
    return this.savedPending;
  }

  /** A live view: it changes as decisions are applied and snapshots installed. */
  get current(): AllowList {
    return this.view;
  }

  get syncedSeq(): number {
    return this.baseSyncedSeq;
  }

  /**
   * Applies a decision at once (before its journal append resolves), so a second read of the car
   * sees it; `seq` (its confirmation's, or the decision's where none is needed) follows via settle().
   * Until then it is not persisted, and a void decision is reverted.
   */
  apply(effect: GateEffect): HeldEffect {
    const held: HeldEffect = { effect, seq: null };
    this.effects.push(held);
    this.view.apply(effect);
    return held;
  }

  /** The decision is journalled as `seq` and waits for its barrier: saved as pending until settle() or revert(). */
  awaitConfirmation(held: HeldEffect, seq: number, record: GateEventRecord): void {
    held.decision = { seq, record };
  }

  settle(held: HeldEffect, seq: number): void {
    held.seq = seq;
    delete held.decision;
  }

  /** The journal refused the record, or the barrier never confirmed it: the list does not move either. */
  revert(held: HeldEffect): void {
    this.effects = this.effects.filter((e) => e !== held);
    this.rebuild();
  }

  /** Replays journalled records not in `syncedSeq`'s snapshot (after a restart). Idempotent by seq. */
  replay(seq: number, record: GateEventRecord): void {
    if (seq <= this.baseSyncedSeq || this.effects.some((e) => e.seq === seq)) return;
    const effect = effectOf(record);
    if (!effect) return;
    this.effects.push({ effect, seq });
    this.view.apply(effect);
  }

  /** A fresh database snapshot, taken when every seq up to syncedSeq was in the database. */
  install(snapshot: AllowListSnapshot, syncedSeq: number): void {
    this.base = snapshot;
    this.baseSyncedSeq = Math.max(this.baseSyncedSeq, syncedSeq);
    this.effects = this.effects.filter((e) => e.seq === null || e.seq > this.baseSyncedSeq);
    this.rebuild();
  }

  toPersisted(): PersistedAllowList {
    return {
      version: 1,
      syncedSeq: this.baseSyncedSeq,
      snapshot: this.base,
      effects: this.effects.filter((e): e is { effect: GateEffect; seq: number } => e.seq !== null).map((e) => ({ seq: e.seq, effect: e.effect })),
      pending: this.effects.flatMap((e) => (e.seq === null && e.decision ? [e.decision] : [])),
    };
  }

  private rebuild(): void {
    this.view = new AllowListView(this.base, this.effects.map((e) => e.effect));
  }
}

/** JSON turned Dates into strings: turn them back. */
function reviveSnapshot(s: AllowListSnapshot): AllowListSnapshot {
  return {
    policy: revivePolicy(s.policy),
    syncedAt: new Date(s.syncedAt),
    reservations: s.reservations.map((r) => ({ ...r, start: new Date(r.start), end: new Date(r.end) })),
    openVisits: s.openVisits.map((v) => ({
      ...v, enteredAt: new Date(v.enteredAt), reservationEnd: v.reservationEnd ? new Date(v.reservationEnd) : null,
      ...(v.ticket ? { ticket: { ...v.ticket, paidAt: v.ticket.paidAt ? new Date(v.ticket.paidAt) : null, exitBy: v.ticket.exitBy ? new Date(v.ticket.exitBy) : null } } : {}),
    })),
    // permits revive their dates when indexed (indexPermits); without this line a restart from the saved list forgot them
    ...(s.permits ? { permits: s.permits } : {}),
  };
}

/** The prices' rule validity bounds are Dates too. */
function revivePolicy(p: GatePolicy): GatePolicy {
  if (!p.walkInPrices) return p;
  const { pricing } = p.walkInPrices;
  const date = (d: Date | null) => (d === null ? null : new Date(d));
  return {
    ...p,
    walkInPrices: {
      ...p.walkInPrices,
      pricing: { ...pricing, rules: pricing.rules.map((r) => ({ ...r, validFrom: date(r.validFrom), validUntil: date(r.validUntil) })) },
    },
  };
}
