// The gate's durable journal (DESIGN.md invariant 6): append-only JSON-lines segments, fsync
// before an append resolves, a separate atomically replaced "synced up to" mark, and deletion of
// segments wholly below the mark (and below keepAfter) so the directory does not grow forever.
//
// Group commit: appends made in one go (a held plate read and the loop frame that presents it,
// handled in the same task) share one write+fsync, and appends that arrive while a write+fsync is
// in flight go out together in the next one, so a burst costs one fsync, not one each.
//
// Records above the synced mark are also kept in memory (as written, up to a cap), so the sync
// reads them without re-reading and parsing the whole segment on the lane's thread after every car.
//
// One process per journal directory: the daemon owns it (a second writer would interleave seqs).

import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ExternalError } from '../../core/errors.js';
import type { GateEventRecord, GateJournal, JournalEntry } from '../../core/gate/ports.js';
import {
  fsyncPath, listSegments, readSegment, readSyncedMark, recoverSegment, segmentFileName, writeSyncedMark,
} from './journal-files.js';

export interface FileJournalOptions {
  dir: string;
  /** records per segment before a new file is started (default 10,000) */
  segmentMaxRecords?: number;
  /**
   * Records above this seq stay on disk even once synced: the persisted allow-list was saved when
   * the mark was there, and a restart replays them into it (readAfter). Default: the synced mark.
   */
  keepAfter?: () => number;
}

export interface JournalRecovery {
  /** bytes of a torn last line cut off on open (a crash mid-write) */
  truncatedBytes: number;
  /** complete lines that did not parse (disk damage), skipped */
  damagedLines: number;
}

/** Unsynced records kept in memory beyond which readUnsynced goes back to the files (a long outage). */
const maxTailRecords = 1000;

interface Pending {
  seq: number;
  line: string;
  resolve(seq: number): void;
  reject(err: Error): void;
}

export class FileGateJournal implements GateJournal {
  private segments: Array<{ firstSeq: number; path: string }> = [];
  private fh: FileHandle | null = null;
  private activeCount = 0;
  private seq = 0;
  private durableSeq = 0;
  private synced = 0;
  private pending: Pending[] = [];
  /**
   * Durable records above the synced mark, oldest first, as their journal lines; null when that
   * would be more than maxTailRecords (or after a restart with a backlog): then the files are read.
   */
  private tail: Array<{ seq: number; line: string }> | null = [];
  private flushing: Promise<void> | null = null;
  private broken: Error | null = null;
  private closed = false;

  private constructor(private readonly dir: string, private readonly segmentMaxRecords: number, private readonly keepAfter: () => number) {}

  /** Opens (creating when missing) and recovers the journal in `dir`. */
  static async open(opts: FileJournalOptions): Promise<{ journal: FileGateJournal; recovery: JournalRecovery }> {
    const journal = new FileGateJournal(opts.dir, Math.max(1, opts.segmentMaxRecords ?? 10_000), opts.keepAfter ?? (() => Number.POSITIVE_INFINITY));
    const recovery = await journal.recover();
    return { journal, recovery };
  }

  private async recover(): Promise<JournalRecovery> {
    await mkdir(this.dir, { recursive: true });
    this.synced = await readSyncedMark(this.dir);
    this.segments = await listSegments(this.dir);
    const recovery: JournalRecovery = { truncatedBytes: 0, damagedLines: 0 };
    let maxSeq = this.synced;
    let backlog: JournalEntry[] | null = [];
    const last = this.segments.at(-1);
    if (last) {
      const r = await recoverSegment(last.path);
      recovery.truncatedBytes = r.truncatedBytes;
      recovery.damagedLines = r.damagedLines;
      this.activeCount = r.entries.length;
      for (const e of r.entries) maxSeq = Math.max(maxSeq, e.seq);
      // An empty last segment (crash right after rotation) still proves seqs below its name were used.
      maxSeq = Math.max(maxSeq, last.firstSeq - 1);
      this.fh = await open(last.path, 'a');
      // The backlog is known without another read when the last segment holds all of it.
      const older = this.segments.length > 1 && last.firstSeq > this.synced + 1;
      backlog = older ? null : r.entries.filter((e) => e.seq > this.synced);
    }
    this.seq = this.durableSeq = maxSeq;
    this.tail = backlog && backlog.length <= maxTailRecords ? backlog.map((e) => ({ seq: e.seq, line: JSON.stringify(e) })) : null;
    return recovery;
  }

  append(record: GateEventRecord): Promise<number> {
    if (this.closed) return Promise.reject(this.failure('journal is closed'));
    if (this.broken) return Promise.reject(this.failure(`journal failed earlier: ${this.broken.message}`));
    const seq = ++this.seq;
    const line = JSON.stringify({ seq, record }) + '\n';
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ seq, line, resolve, reject });
      this.kick();
    });
  }

  /**
   * Starts the flush loop unless it runs, one microtask later so that every append made by the
   * code running now joins the first batch. The re-check in finally matters: an append made
   * by a caller resumed from the last batch lands after the loop saw an empty queue but before the
   * loop's promise settled, and would otherwise wait forever.
   */
  private kick(): void {
    if (this.flushing) return;
    this.flushing = Promise.resolve().then(() => this.flushLoop()).finally(() => {
      this.flushing = null;
      if (this.pending.length > 0) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      try {
        await this.writeBatch(batch);
        this.keepUnsynced(batch);
        for (const p of batch) p.resolve(p.seq);
      } catch (err) {
        // Bytes may or may not be on disk: stop accepting writes rather than guess.
        this.broken = err instanceof Error ? err : new Error(String(err));
        const failure = this.failure(`write failed: ${this.broken.message}`);
        for (const p of [...batch, ...this.pending.splice(0)]) p.reject(failure);
      }
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    let chunk: string[] = [];
    for (const p of batch) {
      if (!this.fh || this.activeCount >= this.segmentMaxRecords) {
        await this.writeAndSync(chunk);
        chunk = [];
        await this.rotate(p.seq);
      }
      chunk.push(p.line);
      this.activeCount++;
    }
    await this.writeAndSync(chunk);
    this.durableSeq = batch.at(-1)?.seq ?? this.durableSeq;
  }

  private async writeAndSync(lines: string[]): Promise<void> {
    if (lines.length === 0 || !this.fh) return;
    await this.fh.write(lines.join(''));
    await this.fh.datasync();
  }

  private async rotate(firstSeq: number): Promise<void> {
    await this.fh?.close();
    const path = join(this.dir, segmentFileName(firstSeq));
    this.fh = await open(path, 'a');
    await fsyncPath(this.dir);
    this.segments.push({ firstSeq, path });
    this.activeCount = 0;
  }

  private keepUnsynced(batch: Pending[]): void {
    if (!this.tail) return;
    for (const p of batch) this.tail.push({ seq: p.seq, line: p.line });
    if (this.tail.length > maxTailRecords) this.tail = null;
  }

  async readUnsynced(limit = Number.MAX_SAFE_INTEGER): Promise<JournalEntry[]> {
    if (this.tail) {
      const out: JournalEntry[] = [];
      for (const t of this.tail) {
        if (out.length >= limit) break;
        if (t.seq > this.synced) out.push(JSON.parse(t.line) as JournalEntry);
      }
      return out;
    }
    return this.readFiles(this.synced, limit);
  }

  /** Durable records above `seq`, synced or not, from the files (a restart's replay; see keepAfter). */
  readAfter(seq: number): Promise<JournalEntry[]> {
    return this.readFiles(seq, Number.MAX_SAFE_INTEGER);
  }

  private async readFiles(after: number, limit: number): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    const upto = this.durableSeq;
    for (let i = 0; i < this.segments.length && out.length < limit; i++) {
      const next = this.segments[i + 1];
      if (next && next.firstSeq <= after + 1) continue;
      const seg = this.segments[i];
      if (!seg) continue;
      for (const e of await readSegment(seg.path)) {
        // Only what is fsynced: a record still in flight could yet be lost, and its seq reused.
        if (e.seq > after && e.seq <= upto) out.push(e);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  async markSynced(uptoSeq: number): Promise<void> {
    if (!Number.isSafeInteger(uptoSeq) || uptoSeq > this.durableSeq) {
      throw new RangeError(`markSynced(${uptoSeq}): only ${this.durableSeq} records are durable`);
    }
    if (uptoSeq <= this.synced) return;
    await writeSyncedMark(this.dir, uptoSeq);
    this.synced = uptoSeq;
    if (this.tail) {
      const keep = this.tail.findIndex((t) => t.seq > uptoSeq);
      this.tail = keep < 0 ? [] : this.tail.slice(keep);
    } else if (uptoSeq === this.durableSeq) {
      this.tail = []; // caught up after an outage: memory again
    }
    await this.compact();
  }

  /** Deletes segments (never the active one) whose every record is at or below the synced mark and keepAfter. */
  private async compact(): Promise<void> {
    const floor = Math.min(this.synced, this.keepAfter());
    let deleted = false;
    while (this.segments.length > 1) {
      const next = this.segments[1];
      const first = this.segments[0];
      if (!first || !next || next.firstSeq - 1 > floor) break;
      await unlink(first.path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      this.segments.shift();
      deleted = true;
    }
    if (deleted) await fsyncPath(this.dir);
  }

  syncedUpTo(): number {
    return this.synced;
  }

  lastSeq(): number {
    return this.durableSeq;
  }

  /** Segment files on disk now (for tests and `parkctl gate status`). */
  segmentCount(): number {
    return this.segments.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.fh?.close();
    this.fh = null;
  }

  private failure(message: string): ExternalError {
    return new ExternalError('gate journal', `${this.dir}: ${message}`, { hint: 'check the disk (space, permissions) of the journal directory' });
  }
}
