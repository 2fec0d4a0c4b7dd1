// In-memory stand-ins for the gate ports, for the daemon's tests and for `parkctl gate --simulate`.
// Each implements the port plus test controls (emitState, emit, opens, reset), the way
// serialport's MockBinding adds emitData / lastWrite to a real binding.

import { TypedEmitter } from './emitter.js';
import type {
  Availability, Barrier, BarrierEvents, BarrierState, GateEventRecord, GateInput, GateInputEvents,
  GateInputSource, GateJournal, JournalEntry, Sign, SignContent,
} from './ports.js';

export class MockBarrier extends TypedEmitter<BarrierEvents> implements Barrier {
  state: BarrierState = 'closed';
  /** every open() call's pulseMs (undefined when none was given) */
  opens: Array<number | undefined> = [];
  displayed: string[] = [];
  /** when set, open() rejects with it (a dead relay) */
  failNextOpen: Error | null = null;

  async open(pulseMs?: number): Promise<void> {
    if (this.failNextOpen) {
      const err = this.failNextOpen;
      this.failNextOpen = null;
      throw err;
    }
    this.opens.push(pulseMs);
    this.emitState('open');
  }
  async close(): Promise<void> {
    this.emitState('closed');
  }
  async status(): Promise<BarrierState> {
    return this.state;
  }
  async display(text: string): Promise<void> {
    this.displayed.push(text);
  }
  async dispose(): Promise<void> {
    this.removeAllListeners();
  }
  /** test control: the device reports a position */
  emitState(state: BarrierState): void {
    this.state = state;
    this.emit('state', state);
  }
  /** test control: the device goes online/offline */
  emitAvailability(availability: Availability): void {
    this.emit('availability', availability);
  }
  reset(): void {
    this.state = 'closed';
    this.opens = [];
    this.displayed = [];
    this.failNextOpen = null;
  }
}

export class MockGateInputSource extends TypedEmitter<GateInputEvents> implements GateInputSource {
  /** test control: deliver an input as a driver would */
  emitInput(input: GateInput): void {
    this.emit('input', input);
  }
  async dispose(): Promise<void> {
    this.removeAllListeners();
  }
}

export class MockSign implements Sign {
  lot: SignContent | null = null;
  floors = new Map<string, SignContent>();
  async showLot(content: SignContent): Promise<void> {
    this.lot = content;
  }
  async showFloor(floor: string, content: SignContent): Promise<void> {
    this.floors.set(floor, content);
  }
  reset(): void {
    this.lot = null;
    this.floors.clear();
  }
}

/** Not durable: for tests of code that only needs the journal's contract (seq, unsynced, mark). */
export class MemoryGateJournal implements GateJournal {
  private entries: JournalEntry[] = [];
  private synced = 0;
  private seq = 0;
  async append(record: GateEventRecord): Promise<number> {
    this.seq += 1;
    this.entries.push({ seq: this.seq, record: structuredClone(record) });
    return this.seq;
  }
  async readUnsynced(limit = Number.MAX_SAFE_INTEGER): Promise<JournalEntry[]> {
    return this.entries.filter((e) => e.seq > this.synced).slice(0, limit);
  }
  async markSynced(uptoSeq: number): Promise<void> {
    this.synced = Math.max(this.synced, Math.min(uptoSeq, this.seq));
    this.entries = this.entries.filter((e) => e.seq > this.synced);
  }
  syncedUpTo(): number {
    return this.synced;
  }
  lastSeq(): number {
    return this.seq;
  }
  async close(): Promise<void> {}
}
