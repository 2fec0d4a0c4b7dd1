// The lane: inputs -> LanePresence -> decide() -> journal (fsync) -> barrier / sign. Every input,
// decision, manual open and fault is journalled, and nothing moves the barrier before its record is
// on disk (DESIGN.md invariant 6). Decisions use only the local allow-list: no network on this path.
import { decide } from '../gate/decide.js';
import type { Decision, GateDirection } from '../gate/decision.js';
import { LanePresence, type Presentable } from '../gate/lane.js';
import type { Barrier, GateEventRecord, GateInput, GateInputSource, GateJournal, Sign } from '../gate/ports.js';
import type { Clock, Logger } from '../ports.js';
import type { LocalAllowList } from './local-allow-list.js';

export interface GateDaemonOptions {
  gateId: string;
  direction: GateDirection;
  /** 'loop': decide only with a vehicle on the arming loop; 'always': each read is a vehicle */
  arming: 'loop' | 'always';
  pulseMs: number;
  minPlateConfidence?: number;
}

export interface GateDaemonDeps {
  journal: GateJournal;
  barrier: Barrier | null;
  inputs: readonly GateInputSource[];
  sign: Sign | null;
  allowList: LocalAllowList;
  clock: Clock;
  logger: Logger;
  /** a fresh uuid for a visit decided here */
  newId: () => string;
  /** called once a record is durable (the sync wakes up; tests print acknowledged seqs) */
  onJournaled?: (seq: number, record: GateEventRecord) => void;
  /** the local allow-list changed (persist it) */
  onAllowListChanged?: () => void;
}

export interface ManualOpen {
  by: string;
  reason: string;
  commandId?: number;
}

export class GateDaemon {
  private readonly lane = new LanePresence();
  private readonly unsubscribe: Array<() => void> = [];
  /** decisions made since start, by reason (status and bench) */
  readonly counts = new Map<string, number>();
  /** cars between their input and their barrier command (or refusal sign) */
  private deciding = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: GateDaemonOptions, private readonly deps: GateDaemonDeps) {}

  start(): void {
    for (const source of this.deps.inputs) {
      const onInput = (input: GateInput) => void this.onInput(input);
      const onError = (err: Error) => void this.journalOnly(this.plain('input_error', { error: err.message }));
      source.on('input', onInput).on('error', onError);
      this.unsubscribe.push(() => void source.off('input', onInput).off('error', onError));
    }
    const barrier = this.deps.barrier;
    if (barrier) {
      const onAvailability = (a: string) => void this.journalOnly(this.plain('barrier', { availability: a }));
      const onError = (err: Error) => void this.journalOnly(this.plain('fault', { error: err.message }));
      barrier.on('availability', onAvailability).on('error', onError);
      this.unsubscribe.push(() => void barrier.off('availability', onAvailability).off('error', onError));
    }
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** One input. Synchronous up to the journal append, so decisions and seqs keep arrival order. */
  onInput(input: GateInput): Promise<void> {
    const now = this.deps.clock.now();
    let presented: Presentable | null;
    try {
      presented = this.observe(input, now);
    } catch (err) {
      return this.journalOnly(this.plain('input_error', { error: `unreadable input: ${(err as Error).message}` }));
    }
    if (!presented) return this.journalOnly(this.plain('input', { input: describeInput(input) }));
    const decision = decide(this.deps.allowList.current, presented, {
      direction: this.opts.direction, now, armed: true, minPlateConfidence: this.opts.minPlateConfidence,
    });
    if (decision.reason === 'LOW_CONFIDENCE') this.lane.forget(presented);
    this.counts.set(decision.reason, (this.counts.get(decision.reason) ?? 0) + 1);
    return this.act(decision, presented, now, input.kind === 'loop' ? 'loop' : 'read');
  }

  /**
   * Resolves once no car is being decided, at most maxWaitMs later (every decision is bounded by
   * the barrier's reply timeout, but the sync must never starve). Work that shares the lane's
   * thread and disk (sync, reloads, allow-list saves) waits for this.
   */
  whenIdle(maxWaitMs = 2000): Promise<void> {
    if (this.deciding === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxWaitMs);
      const waiters = this.idleWaiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  private releaseIdle(): void {
    if (this.deciding === 0) for (const w of [...this.idleWaiters]) w();
  }

  /** An attendant's open (parkctl gate open): journalled with who and why, then the barrier. */
  async manualOpen(m: ManualOpen): Promise<void> {
    const record = this.plain('manual_open', { by: m.by, reason: m.reason, ...(m.commandId ? { commandId: m.commandId } : {}) });
    record.allow = true;
    record.decision = 'MANUAL_OPEN';
    await this.append(record);
    await this.moveBarrier(record, null);
  }

  private observe(input: GateInput, now: Date): Presentable | null {
    if (this.opts.arming === 'loop' || input.kind === 'loop') return this.lane.observe(input, now);
    // No arming loop: each read is one vehicle arriving (drivers already drop repeated reads).
    this.lane.observe({ kind: 'loop', loop: 'arming', on: true, source: 'virtual', at: now }, now);
    const presented = this.lane.observe(input, now);
    this.lane.observe({ kind: 'loop', loop: 'arming', on: false, source: 'virtual', at: now }, now);
    return presented;
  }

  private async act(decision: Decision, input: Presentable, now: Date, trigger: string): Promise<void> {
    this.deciding++;
    try {
      await this.decideAndMove(decision, input, now, trigger);
    } finally {
      // After the command is written: whatever waited runs on a later turn, if no car came meanwhile.
      if (--this.deciding === 0 && this.idleWaiters.length) setImmediate(() => this.releaseIdle());
    }
  }

  private async decideAndMove(decision: Decision, input: Presentable, now: Date, trigger: string): Promise<void> {
    const list = this.deps.allowList;
    const entering = decision.allow && decision.direction === 'entry';
    const visitId = entering ? this.deps.newId() : decision.visitId;
    const plate = decision.plate ?? (entering ? `TK${visitId!.replace(/-/g, '').slice(0, 8).toUpperCase()}` : null);
    const reservationEnd = decision.reservationId ? list.current.reservationById(decision.reservationId)?.end.toISOString() : undefined;
    const record: GateEventRecord = {
      kind: decision.direction, occurredAt: now.toISOString(), plate,
      credential: input.kind === 'credential' ? input.code.slice(0, 128) : null,
      decision: decision.reason, allow: decision.allow, reservationId: decision.reservationId, visitId,
      amountDueMinor: decision.amountDueMinor,
      detail: {
        input: describeInput(input), trigger, sign: decision.sign, spotLabel: decision.spotLabel,
        overstayMinutes: decision.overstayMinutes, ...(reservationEnd ? { reservationEnd } : {}),
      },
    };
    // Anti-passback holds from this instant, before the append resolves: a second read of the
    // same car a millisecond later must already see it inside.
    const held = decision.allow && visitId
      ? list.apply(entering
        ? { kind: 'enter', visitId, plate: plate!, reservationId: decision.reservationId, enteredAt: record.occurredAt, reservationEnd: reservationEnd ?? null }
        : { kind: 'exit', visitId, reservationId: decision.reservationId })
      : null;
    let seq: number;
    try {
      seq = await this.append(record);
    } catch (err) {
      if (held) list.revert(held);
      this.deps.logger.error('journal append failed: the lane stays shut', { gate: this.opts.gateId, error: (err as Error).message });
      return;
    }
    if (held) {
      list.settle(held, seq);
      this.deps.onAllowListChanged?.();
    }
    if (decision.allow) await this.moveBarrier(record, decision.sign);
    else if (decision.sign) await this.show(decision.sign);
    if (decision.allow && decision.direction === 'entry') this.updateSign();
  }

  private async moveBarrier(record: GateEventRecord, sign: string | null): Promise<void> {
    const barrier = this.deps.barrier;
    if (!barrier) return;
    try {
      await barrier.open(this.opts.pulseMs > 0 ? this.opts.pulseMs : undefined);
    } catch (err) {
      this.deps.logger.error('barrier did not open', { gate: this.opts.gateId, error: (err as Error).message });
      await this.journalOnly(this.plain('fault', { error: `barrier did not open: ${(err as Error).message}`, for: record.kind, plate: record.plate }));
      return;
    }
    if (sign) await this.show(sign);
  }

  private async show(text: string): Promise<void> {
    await this.deps.barrier?.display?.(text).catch(() => undefined);
  }

  private updateSign(): void {
    const sign = this.deps.sign;
    if (!sign) return;
    const free = Math.max(0, this.deps.allowList.current.policy.freeSpots);
    sign.showLot({ freeSpots: free, full: free <= 0, message: null }).catch((err: Error) => {
      this.deps.logger.warn('sign not updated', { error: err.message });
    });
  }

  private async append(record: GateEventRecord): Promise<number> {
    const seq = await this.deps.journal.append(record);
    this.deps.onJournaled?.(seq, record);
    return seq;
  }

  /** Journals a record that moves nothing; a full disk is logged, never thrown at an event listener. */
  private async journalOnly(record: GateEventRecord): Promise<void> {
    try {
      await this.append(record);
    } catch (err) {
      this.deps.logger.error('journal append failed', { gate: this.opts.gateId, kind: record.kind, error: (err as Error).message });
    }
  }

  private plain(kind: string, detail: Record<string, unknown>): GateEventRecord {
    return {
      kind, occurredAt: this.deps.clock.now().toISOString(), plate: null, credential: null, decision: null, allow: null,
      reservationId: null, visitId: null, amountDueMinor: null, detail,
    };
  }
}

/** What the journal keeps of an input: enough to audit, nothing unbounded. */
function describeInput(input: GateInput): Record<string, unknown> {
  const base = { kind: String(input.kind), source: String(input.source ?? '').slice(0, 80) };
  switch (input.kind) {
    case 'plate':
      return { ...base, plate: String(input.plate).slice(0, 16), confidence: input.confidence, readId: String(input.readId).slice(0, 80) };
    case 'credential':
      return { ...base, code: String(input.code).slice(0, 128) };
    case 'loop':
      return { ...base, loop: input.loop, on: input.on };
    case 'button':
      return { ...base, button: input.button };
    default:
      return base;
  }
}
