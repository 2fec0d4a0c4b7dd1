// The lane: inputs -> LanePresence -> decide() -> journal (fsync) -> barrier -> journal -> sign.
// Every input, decision, manual open and fault is journalled, and nothing moves the barrier before
// its record is on disk (DESIGN.md invariant 6). An allowed entry or exit is journalled pending and
// counts only once the barrier confirmed it (a second record); one it never confirmed is void and
// the car's next read is decided afresh (invariant 10, ./barrier-outcome.ts). Decisions use only
// the local allow-list: no network on this path.
import { decide } from '../gate/decide.js';
import type { Decision, GateDirection } from '../gate/decision.js';
import { LanePresence, type Presentable } from '../gate/lane.js';
import { UnreadableFrameError, type Barrier, type GateEventRecord, type GateInput, type GateInputSource, type GateJournal, type Sign, type TicketIssuer } from '../gate/ports.js';
import type { Clock, Logger } from '../ports.js';
import { ticketNumberOf, ticketPrefix } from '../tickets/ticket.js';
import { parseValidationCode } from '../validations/amount.js';
import { confirmedRecord, pendingBarrier, voidRecord } from './barrier-outcome.js';
import { describeInput } from './describe-input.js';
import type { LocalAllowList } from './local-allow-list.js';

export interface GateDaemonOptions {
  gateId: string;
  direction: GateDirection;
  /** 'loop': decide only with a vehicle on the arming loop; 'always': each read is a vehicle */
  arming: 'loop' | 'always';
  pulseMs: number;
  minPlateConfidence?: number;
  /**
   * After start, with arming 'loop': for this long, until the controller reports the arming loop,
   * a read counts as a vehicle on it (default 10 s). A car that stood on the loop while the daemon
   * restarted is served; the controller reports only changes, and that loop will not change.
   */
  restartPresenceMs?: number;
}

/** How long a validation scanned at an exit lane, or a refused read there, stays good for the vehicle: ms */
const exitLaneHoldMs = 60_000;

/** Restart presence default: about the time a driver waits before backing off and trying again. */
const defaultRestartPresenceMs = 10_000;

export interface GateDaemonDeps {
  journal: GateJournal;
  barrier: Barrier | null;
  inputs: readonly GateInputSource[];
  sign: Sign | null;
  /** the entry lane's ticket printer; null: walk-ins get no paper (they leave by plate) */
  printer?: TicketIssuer | null;
  /** what this lane's ticket numbers start with (src/core/tickets/ticket.ts ticketPrefix) */
  ticketPrefix?: string;
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
  private lane = new LanePresence();
  private readonly unsubscribe: Array<() => void> = [];
  /** cars whose barrier command is not confirmed yet, by plate ("p:") and reservation ("r:"): settles with the outcome */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** decisions made since start, by reason (status and bench) */
  readonly counts = new Map<string, number>();
  /** cars between their input and their barrier's outcome journalled (or their refusal sign) */
  private deciding = 0;
  private idleWaiters: Array<() => void> = [];
  /** an exit lane's vehicle: a validation scanned for it, and what it last presented (refused) */
  private exitLane: { validation: { code: string; at: number } | null; last: { input: Presentable; at: number } | null } = { validation: null, last: null };

  constructor(private readonly opts: GateDaemonOptions, private readonly deps: GateDaemonDeps) {}

  start(): void {
    const presenceMs = this.opts.arming === 'loop' ? (this.opts.restartPresenceMs ?? defaultRestartPresenceMs) : 0;
    this.lane = new LanePresence({ presumeArmedUntil: new Date(this.deps.clock.now().getTime() + presenceMs) });
    const barrier = this.deps.barrier;
    for (const source of this.deps.inputs) {
      // A lane controller is both an input and the barrier: its errors are journalled once, line
      // noise as an input error and anything else as a barrier fault.
      const shared = (source as object) === barrier;
      const onInput = (input: GateInput) => void this.onInput(input);
      const onError = (err: Error) => void this.journalOnly(this.plain(shared && !(err instanceof UnreadableFrameError) ? 'fault' : 'input_error', { error: err.message }));
      source.on('input', onInput).on('error', onError);
      this.unsubscribe.push(() => void source.off('input', onInput).off('error', onError));
    }
    if (barrier) {
      const onAvailability = (a: string) => void this.journalOnly(this.plain('barrier', { availability: a }));
      const onError = (err: Error) => void this.journalOnly(this.plain('fault', { error: err.message }));
      const isInput = this.deps.inputs.some((i) => (i as object) === barrier);
      barrier.on('availability', onAvailability);
      if (!isInput) barrier.on('error', onError);
      this.unsubscribe.push(() => void barrier.off('availability', onAvailability).off('error', onError));
    }
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** One input. Synchronous up to the journal append, so decisions and seqs keep arrival order. */
  onInput(input: GateInput): Promise<void> {
    const now = this.deps.clock.now();
    if (this.opts.direction === 'exit') {
      if (input.kind === 'loop' && input.loop === 'arming' && !input.on) this.exitLane = { validation: null, last: null };
      const code = input.kind === 'credential' && typeof input.code === 'string' ? parseValidationCode(input.code) : null;
      if (code) return this.onValidationScan(code, now);
    }
    let presented: Presentable | null;
    try {
      presented = this.observe(input, now);
    } catch (err) {
      return this.journalOnly(this.plain('input_error', { error: `unreadable input: ${(err as Error).message}` }));
    }
    if (!presented) return this.journalOnly(this.plain('input', { input: describeInput(input) }));
    return this.present(presented, now, input.kind === 'loop' ? 'loop' : 'read');
  }

  /**
   * A validator's code scanned at an exit lane: it holds for this vehicle (until the loop clears, or a
   * minute); the vehicle's ticket or plate, if already presented, is decided again with it.
   */
  private onValidationScan(code: string, now: Date): Promise<void> {
    this.exitLane.validation = { code, at: now.getTime() };
    const last = this.exitLane.last;
    const journalled = this.journalOnly(this.plain('input', { input: 'validation', validation: code }));
    if (!last || now.getTime() - last.at > exitLaneHoldMs) return journalled;
    return journalled.then(() => this.present(last.input, now, 'validation'));
  }

  private present(presented: Presentable, now: Date, trigger: string): Promise<void> {
    const held = this.exitLane.validation;
    const validation = held && now.getTime() - held.at <= exitLaneHoldMs ? held.code : undefined;
    const decision = decide(this.deps.allowList.current, presented, {
      direction: this.opts.direction, now, armed: true, minPlateConfidence: this.opts.minPlateConfidence, ...(validation ? { validation } : {}),
    });
    // an exit lane remembers whom it refused for payment: a validation scanned next decides that car again
    if (this.opts.direction === 'exit') this.exitLane = decision.allow ? { validation: null, last: null } : { ...this.exitLane, last: { input: presented, at: now.getTime() } };
    // The same car again while its barrier command is unconfirmed (a second camera read, its QR
    // code): it is neither inside nor out yet, so it waits for the outcome and is decided then.
    const busy = decision.allow ? undefined : this.inFlightFor(decision.plate, presented);
    if (busy) return busy.then(() => this.present(presented, this.deps.clock.now(), trigger));
    if (decision.reason === 'LOW_CONFIDENCE') this.lane.forget(presented);
    this.counts.set(decision.reason, (this.counts.get(decision.reason) ?? 0) + 1);
    return this.act(decision, presented, now, trigger);
  }

  private inFlightFor(plate: string | null, presented: Presentable): Promise<void> | undefined {
    if (this.inFlight.size === 0) return undefined;
    return (plate !== null ? this.inFlight.get(`p:${plate}`) : undefined)
      ?? (presented.kind === 'credential' ? this.inFlight.get(`r:${presented.code.trim()}`) : undefined);
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
    await this.moveBarrier(record);
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
    // a walk-in at a lane with a printer takes a ticket numbered <prefix>-<this record's seq>
    const ticket = entering && decision.reason === 'WALK_IN' && this.deps.printer
      ? { prefix: ticketPrefix(this.opts.gateId, this.deps.ticketPrefix), plateRead: decision.plate !== null }
      : null;
    const reservationEnd = decision.reservationId ? list.current.reservationById(decision.reservationId)?.end.toISOString() : undefined;
    // Only a barrier can confirm; a lane without one records its decisions as they are.
    const pending = decision.allow && visitId !== null && this.deps.barrier !== null;
    const record: GateEventRecord = {
      kind: decision.direction, occurredAt: now.toISOString(), plate,
      credential: input.kind === 'credential' ? input.code.slice(0, 128) : null,
      decision: decision.reason, allow: decision.allow, reservationId: decision.reservationId, visitId,
      amountDueMinor: decision.amountDueMinor,
      detail: {
        input: describeInput(input), trigger, sign: decision.sign, spotLabel: decision.spotLabel,
        overstayMinutes: decision.overstayMinutes, ...(reservationEnd ? { reservationEnd } : {}), ...(pending ? { barrier: pendingBarrier } : {}),
        ...(decision.permitId ? { permitId: decision.permitId } : {}),
        ...(ticket ? { ticket } : {}),
        ...(decision.validation ? { validation: decision.validation } : {}),
      },
    };
    // Anti-passback holds from this instant, before the append resolves: a second read of the
    // same car a millisecond later must already see it inside (or wait for its barrier's outcome).
    const held = decision.allow && visitId
      ? list.apply(entering
        ? { kind: 'enter', visitId, plate: plate!, reservationId: decision.reservationId, enteredAt: record.occurredAt, reservationEnd: reservationEnd ?? null, permitId: decision.permitId ?? null }
        : { kind: 'exit', visitId, reservationId: decision.reservationId })
      : null;
    let settle = () => {};
    if (pending) {
      const keys = [plate ? `p:${plate}` : null, decision.reservationId ? `r:${decision.reservationId}` : null].filter((k): k is string => k !== null);
      const outcome = new Promise<void>((resolve) => (settle = () => {
        for (const k of keys) if (this.inFlight.get(k) === outcome) this.inFlight.delete(k);
        resolve();
      }));
      for (const k of keys) this.inFlight.set(k, outcome);
    }
    try {
      let seq: number;
      try {
        seq = await this.append(record);
      } catch (err) {
        if (held) list.revert(held);
        this.deps.logger.error('journal append failed: the lane stays shut', { gate: this.opts.gateId, error: (err as Error).message });
        return;
      }
      if (held && !pending) {
        list.settle(held, seq);
        this.deps.onAllowListChanged?.();
      } else if (held) {
        list.awaitConfirmation(held, seq, record);
      }
      if (!decision.allow) {
        if (decision.sign) await this.show(decision.sign);
        return;
      }
      // a walk-in takes its ticket before the barrier opens; no ticket, no entry
      const ticketFailure = ticket && visitId
        ? await this.printTicket({ number: ticketNumberOf(ticket.prefix, seq), visitId, plate: decision.plate }, now)
        : null;
      const failure = ticketFailure ?? await this.moveBarrier(record);
      if (pending && held) {
        if (failure === null) await this.confirm(seq, record, held);
        else await this.voidDecision(seq, record, held, input, `barrier did not open: ${failure}`);
      }
      // the way to the spot where it is known (issue 16), else the short sign text
      if (failure === null && (decision.guidance || decision.sign)) await this.show((decision.guidance || decision.sign)!);
      if (failure === null && entering) this.updateSign();
    } finally {
      settle();
    }
  }

  /** Null once printed (or no printer); else why not, journalled as a fault. */
  private async printTicket(t: { number: string; visitId: string; plate: string | null }, at: Date): Promise<string | null> {
    const printer = this.deps.printer;
    if (!printer) return null;
    const policy = this.deps.allowList.current.policy;
    try {
      await printer.print({ ...t, lotName: policy.lotCode, gate: this.opts.gateId, enteredAt: at, timeZone: policy.walkInPrices?.timeZone ?? 'UTC' });
      return null;
    } catch (err) {
      const message = `ticket not printed: ${(err as Error).message}`;
      this.deps.logger.error(message, { gate: this.opts.gateId });
      await this.journalOnly(this.plain('fault', { error: message, for: 'entry' }));
      await this.show('SEE ATTENDANT');
      return message;
    }
  }

  /** The barrier moved: the entry or exit counts from its confirmation's record on. */
  private async confirm(seq: number, decision: GateEventRecord, held: ReturnType<LocalAllowList['apply']>): Promise<void> {
    try {
      this.deps.allowList.settle(held, await this.append(confirmedRecord(seq, decision, this.deps.clock.now())));
      this.deps.onAllowListChanged?.();
    } catch (err) {
      // The car is through, so the local list keeps it; after a restart the decision reads as void.
      this.deps.logger.error('journal append failed after the barrier opened', { gate: this.opts.gateId, error: (err as Error).message });
    }
  }

  /** The barrier never confirmed: nothing changed, and the car's next read (even on the same loop) is decided afresh. */
  private async voidDecision(seq: number, decision: GateEventRecord, held: ReturnType<LocalAllowList['apply']>, input: Presentable, why: string): Promise<void> {
    this.deps.allowList.revert(held);
    this.lane.forget(input);
    await this.journalOnly(voidRecord(seq, decision, this.deps.clock.now(), why));
  }

  /** Opens the barrier; null once it confirmed, else why not (journalled as a fault). */
  private async moveBarrier(record: GateEventRecord): Promise<string | null> {
    const barrier = this.deps.barrier;
    if (!barrier) return null;
    try {
      await barrier.open(this.opts.pulseMs > 0 ? this.opts.pulseMs : undefined);
      return null;
    } catch (err) {
      const message = (err as Error).message;
      this.deps.logger.error('barrier did not open', { gate: this.opts.gateId, error: message });
      await this.journalOnly(this.plain('fault', { error: `barrier did not open: ${message}`, for: record.kind, plate: record.plate }));
      return message;
    }
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
