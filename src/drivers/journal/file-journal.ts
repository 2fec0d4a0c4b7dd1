// The gate's durable journal (DESIGN.md invariant 6): segments of checksummed records, fdatasync
// before an append resolves, a separate atomically replaced "synced up to" mark, and deletion of
// segments wholly below the mark (and below keepAfter) so the directory does not grow forever.
//
// Segments are preallocated (journal-files.ts): zero-filled and fsynced once, then records are
// written in place at the current offset, so an append's fdatasync flushes only the data, not the
// inode's size and extents through the filesystem's journal (one device write fewer per car, and
// no wait on a commit shared with every other writer on the disk). The next segment is prepared in
// the background once the active one is half full, so a rotation costs a rename and a directory
// fsync, not a megabyte of zeros, on a car's path.
//
// Group commit: appends made in one go (a held plate read and the loop frame that presents it,
// handled in the same task) share one write+fdatasync, and appends that arrive while one is in
// flight go out together in the next one, so a burst costs one sync, not one each.
//
// Records above the synced mark are also kept in memory (as written, up to a cap), so the sync
// reads them without re-reading and parsing the whole segment on the lane's thread after every car.
//
// One process per journal directory: the daemon owns it (a second writer would interleave seqs).

import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ExternalError } from '../../core/errors.js';
import type { GateEventRecord, GateJournal, JournalEntry } from '../../core/gate/ports.js';
import {
  dirtyBytesAfter, encodeRecord, fsyncPath, installSegment, intactRecordsAfter, listSegments, nextSegmentFileName, parseFramed, parseLines,
  preallocateFile, readSegment, readSyncedMark, unlinkIfThere, writeSyncedMark, type SegmentFile,
} from './journal-files.js';

export interface FileJournalOptions {
  dir: string;
  /** records per segment before a new file is started (default 10,000; the size usually comes first) */
  segmentMaxRecords?: number;
  /** bytes a segment is preallocated to (default 1 MiB, about 2,500 records) */
  segmentBytes?: number;
  /**
   * Records above this seq stay on disk even once synced: the persisted allow-list was saved when
   * the mark was there, and a restart replays them into it (readAfter). Default: the synced mark.
   */
  keepAfter?: () => number;
}

export interface JournalRecovery {
  /**
   * Non-zero bytes found after the last valid record of the last segment (a write a crash tore, or
   * damage): ignored, never replayed, and left in place; appends go on in a fresh segment.
   */
  truncatedBytes: number;
  /** complete lines that did not parse (disk damage) in a segment of the older JSON-lines format, skipped */
  damagedLines: number;
  /**
   * Intact records found within those bytes (a batch whose end reached the disk before its start,
   * or damage before them): not replayed, and their seqs are not handed out again.
   */
  skippedRecords: number;
}

/** Unsynced records kept in memory beyond which readUnsynced goes back to the files (a long outage). */
const maxTailRecords = 1000;
const defaultSegmentBytes = 1024 * 1024;

interface Pending {
  seq: number;
  bytes: Buffer;
  json: string;
  resolve(seq: number): void;
  reject(err: Error): void;
}

/** A segment, and for a framed one how many of its bytes hold records (when known). */
type Segment = SegmentFile & { validBytes?: number };

export class FileGateJournal implements GateJournal {
  private segments: Segment[] = [];
  /** the active segment (framed, preallocated), written at `offset` */
  private fh: FileHandle | null = null;
  private offset = 0;
  private capacity = 0;
  private activeCount = 0;
  /** the next segment, zero-filled and fsynced, waiting under nextSegmentFileName */
  private prepared: { path: string; bytes: number } | null = null;
  private preparing: Promise<void> | null = null;
  private seq = 0;
  private durableSeq = 0;
  private synced = 0;
  private pending: Pending[] = [];
  /**
   * Durable records above the synced mark, oldest first, as their JSON; null when that would be
   * more than maxTailRecords (or after a restart with a backlog): then the files are read.
   */
  private tail: Array<{ seq: number; line: string }> | null = [];
  private flushing: Promise<void> | null = null;
  private broken: Error | null = null;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly segmentMaxRecords: number,
    private readonly segmentBytes: number,
    private readonly keepAfter: () => number,
  ) {}

  /** Opens (creating when missing) and recovers the journal in `dir`. */
  static async open(opts: FileJournalOptions): Promise<{ journal: FileGateJournal; recovery: JournalRecovery }> {
    const journal = new FileGateJournal(
      opts.dir, Math.max(1, opts.segmentMaxRecords ?? 10_000), Math.max(4096, opts.segmentBytes ?? defaultSegmentBytes),
      opts.keepAfter ?? (() => Number.POSITIVE_INFINITY),
    );
    const recovery = await journal.recover();
    return { journal, recovery };
  }

  private async recover(): Promise<JournalRecovery> {
    await mkdir(this.dir, { recursive: true });
    await unlinkIfThere(join(this.dir, nextSegmentFileName)); // a crash may have cut its zero-fill short
    this.synced = await readSyncedMark(this.dir);
    this.segments = await listSegments(this.dir);
    const recovery: JournalRecovery = { truncatedBytes: 0, damagedLines: 0, skippedRecords: 0 };
    let maxSeq = this.synced;
    let backlog: JournalEntry[] | null = [];
    let reuse: { path: string; validBytes: number; capacity: number; count: number } | null = null;
    let skippedSeq = 0;
    const last = this.segments.at(-1);
    if (last) {
      const buf = await readFile(last.path);
      let entries: JournalEntry[];
      if (last.format === 'lines') {
        const parsed = parseLines(buf);
        entries = parsed.entries;
        recovery.truncatedBytes = parsed.tornBytes;
        recovery.damagedLines = parsed.damagedLines;
      } else {
        const parsed = parseFramed(buf, last.firstSeq);
        entries = parsed.entries;
        last.validBytes = parsed.validBytes;
        recovery.truncatedBytes = dirtyBytesAfter(buf, parsed.validBytes);
        if (recovery.truncatedBytes > 0) {
          const beyond = intactRecordsAfter(buf, parsed.validBytes);
          recovery.skippedRecords = beyond.count;
          skippedSeq = beyond.highestSeq;
        }
        reuse = { path: last.path, validBytes: parsed.validBytes, capacity: buf.length, count: entries.length };
      }
      for (const e of entries) maxSeq = Math.max(maxSeq, e.seq);
      // An empty last segment (crash right after rotation) still proves seqs below its name were used.
      maxSeq = Math.max(maxSeq, last.firstSeq - 1);
      // Appends go on in place only over zeros, and only when the next seq follows this segment's
      // last record. Past a torn write (or in an older-format file) they go to a fresh segment: an
      // old complete record lying beyond the tear could otherwise come to follow a new one, and be read.
      if (reuse && (recovery.truncatedBytes > 0 || last.firstSeq + entries.length !== maxSeq + 1)) reuse = null;
      // The backlog is known without another read when the last segment holds all of it.
      const older = this.segments.length > 1 && last.firstSeq > this.synced + 1;
      backlog = older ? null : entries.filter((e) => e.seq > this.synced);
    }
    this.durableSeq = maxSeq;
    this.seq = Math.max(maxSeq, skippedSeq);
    this.tail = backlog && backlog.length <= maxTailRecords ? backlog.map((e) => ({ seq: e.seq, line: JSON.stringify(e) })) : null;
    if (reuse) {
      this.fh = await open(reuse.path, 'r+');
      this.offset = reuse.validBytes;
      this.capacity = reuse.capacity;
      this.activeCount = reuse.count;
    } else {
      // Before any car: the first append then costs a write and an fdatasync, nothing more.
      await this.rotate(this.seq + 1, 0);
    }
    return recovery;
  }

  append(record: GateEventRecord): Promise<number> {
    if (this.closed) return Promise.reject(this.failure('journal is closed'));
    if (this.broken) return Promise.reject(this.failure(`journal failed earlier: ${this.broken.message}`));
    const seq = ++this.seq;
    const { bytes, json } = encodeRecord({ seq, record });
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ seq, bytes, json, resolve, reject });
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
    this.prepareAhead();
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    for (const p of batch) {
      if (!this.fh || this.activeCount >= this.segmentMaxRecords || this.offset + chunkBytes + p.bytes.length > this.capacity) {
        await this.writeAndSync(chunk, chunkBytes);
        chunk = [];
        chunkBytes = 0;
        await this.rotate(p.seq, p.bytes.length);
      }
      chunk.push(p.bytes);
      chunkBytes += p.bytes.length;
      this.activeCount++;
    }
    await this.writeAndSync(chunk, chunkBytes);
    this.durableSeq = batch.at(-1)?.seq ?? this.durableSeq;
  }

  /** Writes over the zeros at the current offset; fdatasync: the file's size and extents do not change. */
  private async writeAndSync(chunk: Buffer[], length: number): Promise<void> {
    if (length === 0 || !this.fh) return;
    const buf = chunk.length === 1 ? chunk[0]! : Buffer.concat(chunk, length);
    for (let done = 0; done < length;) done += (await this.fh.write(buf, done, length - done, this.offset + done)).bytesWritten;
    await this.fh.datasync();
    this.offset += length;
    const active = this.segments.at(-1);
    if (active) active.validBytes = this.offset;
  }

  /** Starts the segment whose first record is `firstSeq`, with room for at least `need` bytes. */
  private async rotate(firstSeq: number, need: number): Promise<void> {
    const prepared = await this.takePrepared(need);
    await this.fh?.close();
    this.fh = null;
    // rename + fsync(dir) before the first record in it is acknowledged: the name must survive a crash.
    const path = await installSegment(this.dir, prepared.path, firstSeq);
    this.fh = await open(path, 'r+');
    const segment: Segment = { firstSeq, path, format: 'framed', validBytes: 0 };
    // A last segment named by this seq holds no valid record (a torn first write, or an empty one
    // of the older format): the rename just replaced it, or it goes now.
    const replaced = this.segments.at(-1)?.firstSeq === firstSeq ? this.segments.pop() : undefined;
    if (replaced && replaced.path !== path) await unlinkIfThere(replaced.path);
    this.segments.push(segment);
    this.offset = 0;
    this.capacity = prepared.bytes;
    this.activeCount = 0;
  }

  /** The file prepared in the background, or one zero-filled now (none ready, or a record larger than it). */
  private async takePrepared(need: number): Promise<{ path: string; bytes: number }> {
    await this.preparing;
    const ready = this.prepared;
    this.prepared = null;
    if (ready && ready.bytes >= need) return ready;
    const path = join(this.dir, nextSegmentFileName);
    const bytes = Math.max(this.segmentBytes, Math.ceil(need / 4096) * 4096);
    await preallocateFile(path, bytes);
    return { path, bytes };
  }

  /**
   * Once the active segment is half full, zero-fills the next one off the append path. A failure is
   * left for the rotation to meet (it prepares inline, and a disk that still fails breaks the journal).
   */
  private prepareAhead(): void {
    if (this.prepared || this.preparing || this.closed || this.broken) return;
    if (this.offset * 2 < this.capacity && this.activeCount * 2 < this.segmentMaxRecords) return;
    const path = join(this.dir, nextSegmentFileName);
    const bytes = this.segmentBytes;
    this.preparing = preallocateFile(path, bytes).then(
      () => {
        this.prepared = { path, bytes };
      },
      () => undefined,
    ).finally(() => {
      this.preparing = null;
    });
  }

  private keepUnsynced(batch: Pending[]): void {
    if (!this.tail) return;
    for (const p of batch) this.tail.push({ seq: p.seq, line: p.json });
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
      for (const e of await readSegment(seg.path, seg.validBytes)) {
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
      await unlinkIfThere(first.path);
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
    await this.preparing;
    await this.fh?.close();
    this.fh = null;
  }

  private failure(message: string): ExternalError {
    return new ExternalError('gate journal', `${this.dir}: ${message}`, { hint: 'check the disk (space, permissions) of the journal directory' });
  }
}
