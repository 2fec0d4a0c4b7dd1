// On-disk layout of the gate journal, the record framing that makes its end detectable, and the
// file operations it needs to be crash-safe.
//
//   <dir>/seg-000000000001.log     records seq 1.. (segment named by its first seq), see below
//   <dir>/seg-000000002601.log     the next segment
//   <dir>/next-segment.tmp         the next segment being zero-filled (deleted on open: may be partial)
//   <dir>/synced.json              {"uptoSeq": 12345}   written tmp + fsync + rename + fsync(dir)
//   <dir>/seg-000000000001.jsonl   a segment written before preallocation (read-only, see parseLines)
//
// A .log segment is preallocated: zero-filled and fsynced before it takes its first record, then
// records overwrite the zeros in place. Its size never changes after that, so a record needs only
// fdatasync (data), not the inode and journal commit that an append which grows the file costs.
// A record is one line:   <crc32 of the JSON, 8 hex> <space> {"seq":N,"record":{...}} \n
// JSON.stringify escapes every control character, so a record holds no raw newline or zero byte.
// The reader stops at the first byte that does not start a valid record (a zero: the end; a line
// whose checksum or seq does not follow: a torn write), so a torn or zero tail is never misread.

import { crc32 } from 'node:zlib';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { JournalEntry } from '../../core/gate/ports.js';

const segmentPattern = /^seg-(\d{12})\.(log|jsonl)$/;
export const syncedFileName = 'synced.json';
export const nextSegmentFileName = 'next-segment.tmp';

export type SegmentFormat = 'framed' | 'lines';

export interface SegmentFile {
  firstSeq: number;
  path: string;
  /** framed: preallocated, checksummed (written now); lines: JSON lines of an older version (read-only) */
  format: SegmentFormat;
}

export function segmentFileName(firstSeq: number): string {
  return `seg-${String(firstSeq).padStart(12, '0')}.log`;
}

/** Segments in the directory, oldest first, by first seq. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const names = await readdir(dir);
  return names
    .map((name) => ({ name, m: segmentPattern.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }): SegmentFile => ({ firstSeq: Number(m[1]), path: join(dir, name), format: m[2] === 'log' ? 'framed' : 'lines' }))
    // Same first seq (an older-format segment with no record, replaced at an upgrade): the framed one is the later.
    .sort((a, b) => a.firstSeq - b.firstSeq || (a.format === b.format ? 0 : a.format === 'lines' ? -1 : 1));
}

function segmentOf(path: string): SegmentFile {
  const m = segmentPattern.exec(basename(path));
  if (!m) throw new Error(`not a journal segment: ${path}`);
  return { firstSeq: Number(m[1]), path, format: m[2] === 'log' ? 'framed' : 'lines' };
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** One framed record: the bytes written, and its JSON (kept in memory for the sync). */
export function encodeRecord(entry: JournalEntry): { bytes: Buffer; json: string } {
  const json = JSON.stringify(entry);
  const body = Buffer.from(json, 'utf8');
  const bytes = Buffer.allocUnsafe(body.length + 10);
  bytes.write(hex8(crc32(body)), 0, 'latin1');
  bytes[8] = 0x20;
  body.copy(bytes, 9);
  bytes[bytes.length - 1] = 0x0a;
  return { bytes, json };
}

/**
 * Reads records from the start of a framed segment until the first that is not valid: a zero byte
 * (the preallocated end), no newline before a zero or the end (torn), a checksum that does not
 * match, JSON that does not parse, or a seq that is not the one expected (firstSeq, then +1 each).
 * Nothing after that point is returned, whatever it holds. validBytes: where the next record goes.
 */
export function parseFramed(buf: Buffer, firstSeq: number): { entries: JournalEntry[]; validBytes: number } {
  // Records hold no zero byte, so the first zero ends them (one scan, not one per record).
  const firstZero = buf.indexOf(0);
  const limit = firstZero < 0 ? buf.length : firstZero;
  const entries: JournalEntry[] = [];
  let pos = 0;
  while (pos < limit) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0 || nl >= limit) break; // torn: the write stopped inside this record
    const entry = parseRecord(buf.subarray(pos, nl), firstSeq + entries.length);
    if (!entry) break;
    entries.push(entry);
    pos = nl + 1;
  }
  return { entries, validBytes: pos };
}

/** One record's line (without its newline); null unless intact and, when given, of the expected seq. */
function parseRecord(line: Buffer, expectedSeq: number | null): JournalEntry | null {
  if (line.length < 10 || line[8] !== 0x20) return null;
  const crcText = line.toString('latin1', 0, 8);
  if (!/^[0-9a-f]{8}$/.test(crcText)) return null;
  const body = line.subarray(9);
  if (crc32(body) !== Number.parseInt(crcText, 16)) return null;
  const entry = toEntry(body.toString('utf8'));
  return entry && (expectedSeq === null || entry.seq === expectedSeq) ? entry : null;
}

/**
 * Complete, checksummed records anywhere after `from`, read past zeros and torn bytes: how many,
 * and the highest seq (0: none). They are not replayed (the reader stops before them), but their
 * seqs are not handed out again: they may have reached the database before the damage.
 */
export function intactRecordsAfter(buf: Buffer, from: number): { count: number; highestSeq: number } {
  let count = 0;
  let highestSeq = 0;
  for (let pos = from; pos < buf.length;) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) break;
    const lastZero = buf.subarray(pos, nl).lastIndexOf(0);
    const entry = parseRecord(buf.subarray(lastZero < 0 ? pos : pos + lastZero + 1, nl), null);
    if (entry) {
      count++;
      highestSeq = Math.max(highestSeq, entry.seq);
    }
    pos = nl + 1;
  }
  return { count, highestSeq };
}

/** Bytes from `from` up to the last non-zero byte: 0 when the rest of the segment is still zeros. */
export function dirtyBytesAfter(buf: Buffer, from: number): number {
  let last = buf.length;
  while (last > from && buf[last - 1] === 0) last--;
  return last - from;
}

/**
 * Parses a segment of the older JSON-lines format. A last line without its newline is a write the
 * crash cut short (its append never resolved): dropped. A complete line that does not parse (disk
 * damage) is skipped and counted, never allowed to hide the records after it.
 */
export function parseLines(buf: Buffer): { entries: JournalEntry[]; damagedLines: number; tornBytes: number } {
  const entries: JournalEntry[] = [];
  let damagedLines = 0;
  // Byte offsets, not string offsets: a torn multi-byte character must not shift the cut.
  const validBytes = buf.lastIndexOf(0x0a) + 1;
  if (validBytes > 0) {
    for (const line of buf.subarray(0, validBytes - 1).toString('utf8').split('\n')) {
      const entry = toEntry(line);
      if (entry) entries.push(entry);
      else damagedLines++;
    }
  }
  return { entries, damagedLines, tornBytes: buf.length - validBytes };
}

function toEntry(json: string): JournalEntry | null {
  try {
    const v = JSON.parse(json) as { seq?: unknown; record?: unknown };
    if (typeof v.seq !== 'number' || !Number.isSafeInteger(v.seq) || v.seq < 1) return null;
    if (typeof v.record !== 'object' || v.record === null) return null;
    return v as JournalEntry;
  } catch {
    return null;
  }
}

/** A segment's records; `uptoBytes` reads only that prefix of a framed one (what is known written). */
export async function readSegment(path: string, uptoBytes?: number): Promise<JournalEntry[]> {
  const seg = segmentOf(path);
  try {
    if (seg.format === 'lines') return parseLines(await readFile(path)).entries;
    return parseFramed(await readPrefix(path, uptoBytes), seg.firstSeq).entries;
  } catch (err) {
    // Compaction deleted it meanwhile: everything in it was synced.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function readPrefix(path: string, uptoBytes: number | undefined): Promise<Buffer> {
  if (uptoBytes === undefined) return readFile(path);
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(uptoBytes);
    let got = 0;
    while (got < uptoBytes) {
      const { bytesRead } = await fh.read(buf, got, uptoBytes - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

/**
 * Creates `path` as `bytes` zeros, fsynced (data and size), so that records later written over it
 * allocate nothing and change no metadata. Written zeros, not fallocate: fallocate leaves extents
 * "unwritten", and the first write to each converts it, which is a metadata change again.
 */
export async function preallocateFile(path: string, bytes: number): Promise<void> {
  const fh = await open(path, 'w');
  try {
    const zeros = Buffer.alloc(Math.min(bytes, 256 * 1024));
    for (let at = 0; at < bytes; at += zeros.length) {
      const n = Math.min(zeros.length, bytes - at);
      let done = 0;
      while (done < n) done += (await fh.write(zeros, done, n - done, at + done)).bytesWritten;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Gives a prepared (zero-filled, fsynced) file its segment name, durably: rename + fsync(dir). */
export async function installSegment(dir: string, preparedPath: string, firstSeq: number): Promise<string> {
  const path = join(dir, segmentFileName(firstSeq));
  await rename(preparedPath, path);
  await fsyncPath(dir);
  return path;
}

export async function unlinkIfThere(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

export async function readSyncedMark(dir: string): Promise<number> {
  try {
    const v = JSON.parse(await readFile(join(dir, syncedFileName), 'utf8')) as { uptoSeq?: unknown };
    return typeof v.uptoSeq === 'number' && Number.isSafeInteger(v.uptoSeq) && v.uptoSeq >= 0 ? v.uptoSeq : 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** tmp + fsync + rename + fsync(dir): after a crash the file holds the old or the new mark, never half. */
export async function writeSyncedMark(dir: string, uptoSeq: number): Promise<void> {
  const target = join(dir, syncedFileName);
  const tmp = `${target}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify({ uptoSeq }) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, target);
  await fsyncPath(dir);
}

/** fsync a file or a directory (a directory fsync makes a create, rename or unlink durable). */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
