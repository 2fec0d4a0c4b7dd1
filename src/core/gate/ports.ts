// The gate's ports (DESIGN.md section 4, gate): the hardware the daemon drives (Barrier, Sign),
// what it listens to (GateInputSource) and where every event is written before anything else
// (GateJournal). Drivers in src/drivers/{serial,mqtt,anpr,journal} implement these; tests use
// the doubles in ./test-doubles.ts.

import type { Ticket } from '../tickets/ticket.js';
import type { EventSource } from './emitter.js';

export type BarrierState = 'open' | 'closed' | 'fault' | 'unknown';
export type Availability = 'online' | 'offline';

export interface BarrierEvents {
  /** the barrier reported (or we inferred) a new position */
  state: BarrierState;
  /** the device or its link came or went (MQTT LWT, serial port closed, status timeouts) */
  availability: Availability;
  /** malformed frames, rejected commands, link errors: reported, never thrown at the daemon */
  error: Error;
}

export interface Barrier extends EventSource<BarrierEvents> {
  /**
   * Opens the barrier. With pulseMs the device closes (or releases the relay) by itself after
   * that long: the safe default for relays, so a lost "close" never leaves a lane open.
   * Resolves once the device accepted the command; rejects with ExternalError otherwise.
   */
  open(pulseMs?: number): Promise<void>;
  /** Closes now, where the hardware can be told to. */
  close?(): Promise<void>;
  /** Asks the device for its position; falls back to the last known state when it stays silent. */
  status(): Promise<BarrierState>;
  /** Text for the lane display, where the hardware has one. */
  display?(text: string): Promise<void>;
  /** Stops listening and releases the port / subscriptions. Idempotent. */
  dispose(): Promise<void>;
}

export type LoopName = 'arming' | 'safety';
export type ButtonName = 'help' | 'ticket';

export interface PlateReadInput {
  kind: 'plate';
  /** normalised A-Z0-9 */
  plate: string;
  /** 0..1 */
  confidence: number;
  /** which reader: "anpr:cam-entry-1", "mqtt:lane1/plates" */
  source: string;
  /** stable id of this read, for dedupe and the journal */
  readId: string;
  at: Date;
}
export interface CredentialInput {
  kind: 'credential';
  /** QR / barcode content as scanned (trimmed); the reservation id for our QR codes */
  code: string;
  source: string;
  at: Date;
}
export interface LoopInput {
  kind: 'loop';
  loop: LoopName;
  /** true: a vehicle is over the loop */
  on: boolean;
  source: string;
  at: Date;
}
export interface ButtonInput {
  kind: 'button';
  button: ButtonName;
  source: string;
  at: Date;
}
export type GateInput = PlateReadInput | CredentialInput | LoopInput | ButtonInput;

export interface GateInputEvents {
  input: GateInput;
  /** unparseable frames, bad payloads, link errors */
  error: Error;
}

/**
 * Bytes a driver could not read as a message (line noise, a torn or unknown frame): an input
 * problem, never a barrier fault, even from a device that is both (a serial lane controller).
 */
export class UnreadableFrameError extends Error {
  override readonly name = 'UnreadableFrameError';
}

/** Anything that produces gate inputs: a lane controller, a scanner, an ANPR webhook, an MQTT topic. */
export interface GateInputSource extends EventSource<GateInputEvents> {
  dispose(): Promise<void>;
}

/** What a sign shows: the lot entrance sign, or one floor's display. */
export interface SignContent {
  freeSpots: number;
  full: boolean;
  /** short text, e.g. "EV ON LEVEL 2"; null clears it */
  message: string | null;
}

/** Prints a drive-up visitor's ticket at the entry lane (src/drivers/escpos). */
export interface TicketIssuer {
  print(ticket: Ticket): Promise<void>;
}

export interface Sign {
  /** the lot-wide sign at the entrance */
  showLot(content: SignContent): Promise<void>;
  /** one floor's display ("B1", "2") */
  showFloor(floor: string, content: SignContent): Promise<void>;
}

/** One gate event as journalled; JSON-serialisable. Mirrors gate_events (DESIGN.md section 3). */
export interface GateEventRecord {
  /** entry | exit | manual_open | input | fault ... */
  kind: string;
  /** ISO 8601 UTC */
  occurredAt: string;
  plate: string | null;
  credential: string | null;
  /** decision reason code, or null for a plain input */
  decision: string | null;
  allow: boolean | null;
  reservationId: string | null;
  visitId: string | null;
  amountDueMinor: number | null;
  /** anything else worth keeping: operator and reason of a manual open, read id, ... */
  detail?: Record<string, unknown>;
}

export interface JournalEntry {
  /** monotonic per gate, starts at 1, survives restarts */
  seq: number;
  record: GateEventRecord;
}

/**
 * The local durable journal (DESIGN.md invariant 6): a gate event is journalled before the
 * barrier moves, then synced to PostgreSQL keyed (gate_id, seq) so a retry is harmless.
 */
export interface GateJournal {
  /** Resolves with the record's seq only after the record is on disk (fsync). */
  append(record: GateEventRecord): Promise<number>;
  /** Entries with seq above the synced mark, oldest first; at most `limit`. */
  readUnsynced(limit?: number): Promise<JournalEntry[]>;
  /** Everything up to and including uptoSeq reached the database. Idempotent; never moves back. */
  markSynced(uptoSeq: number): Promise<void>;
  /** Highest seq marked synced (0 when none). */
  syncedUpTo(): number;
  /** Highest seq handed out (0 when none). */
  lastSeq(): number;
  close(): Promise<void>;
}
