// On-disk layout of the gate journal, and the two file operations it needs to be crash-safe:
// recovering a segment whose last line was torn by a crash, and replacing a small file atomically.
//
//   <dir>/seg-000000000001.jsonl   records seq 1.., one JSON object per line: {"seq":1,"record":{...}}
//   <dir>/seg-000000010001.jsonl   the next segment, named by its first seq
//   <dir>/synced.json              {"uptoSeq": 12345}   written tmp + fsync + rename + fsync(dir)

import { open, readFile, readdir, rename, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalEntry } from '../../core/gate/ports.js';

const segmentPattern = /^seg-(\d{12})\.jsonl$/;
export const syncedFileName = 'synced.json';

export function segmentFileName(firstSeq: number): string {
  return `seg-${String(firstSeq).padStart(12, '0')}.jsonl`;
}

/** Segments in the directory, oldest first, by first seq. */
export async function listSegments(dir: string): Promise<Array<{ firstSeq: number; path: string }>> {
  const names = await readdir(dir);
  return names
    .map((name) => ({ name, m: segmentPattern.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ firstSeq: Number(m[1]), path: join(dir, name) }))
    .sort((a, b) => a.firstSeq - b.firstSeq);
}

/**
 * Parses a segment's complete lines. A last line without its newline is a write the crash cut
 * short: its append never resolved, so it is dropped. A complete line that does not parse
 * (disk damage) is skipped and counted, never allowed to hide the records after it.
 */
export function parseSegment(buf: Buffer): { entries: JournalEntry[]; validBytes: number; damagedLines: number } {
  const entries: JournalEntry[] = [];
  let damagedLines = 0;
  // Byte offsets, not string offsets: a torn multi-byte character must not shift the cut.
  const validBytes = buf.lastIndexOf(0x0a) + 1;
  if (validBytes > 0) {
    for (const line of buf.subarray(0, validBytes - 1).toString('utf8').split('\n')) {
      const entry = parseLine(line);
      if (entry) entries.push(entry);
      else damagedLines++;
    }
  }
  return { entries, validBytes, damagedLines };
}

function parseLine(line: string): JournalEntry | null {
  try {
    const v = JSON.parse(line) as { seq?: unknown; record?: unknown };
    if (typeof v.seq !== 'number' || !Number.isSafeInteger(v.seq) || v.seq < 1) return null;
    if (typeof v.record !== 'object' || v.record === null) return null;
    return v as JournalEntry;
  } catch {
    return null;
  }
}

/** Reads a segment and cuts a torn tail off the file so the next append starts on a line boundary. */
export async function recoverSegment(path: string): Promise<{ entries: JournalEntry[]; truncatedBytes: number; damagedLines: number }> {
  const buf = await readFile(path);
  const parsed = parseSegment(buf);
  const truncatedBytes = buf.length - parsed.validBytes;
  if (truncatedBytes > 0) {
    await truncate(path, parsed.validBytes);
    await fsyncPath(path);
  }
  return { entries: parsed.entries, truncatedBytes, damagedLines: parsed.damagedLines };
}

export async function readSegment(path: string): Promise<JournalEntry[]> {
  try {
    return parseSegment(await readFile(path)).entries;
  } catch (err) {
    // Compaction deleted it meanwhile: everything in it was synced.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
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
