// The journal's preallocated segments: appends overwrite zeros in place (the file never grows, so
// fdatasync suffices), the end of the records is found by checksum and seq, and whatever a crash
// leaves after it (a torn record, or a complete one beyond a hole) is never read back.
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GateEventRecord, JournalEntry } from '../src/core/gate/ports.js';
import { FileGateJournal } from '../src/drivers/journal/file-journal.js';
import { encodeRecord, parseFramed, readSegment } from '../src/drivers/journal/journal-files.js';
import { segmentFiles, writeAt } from './support/journal-files.js';

const record = (plate: string, detail?: Record<string, unknown>): GateEventRecord => ({
  kind: 'entry', occurredAt: '2025-06-02T09:00:00.000Z', plate, credential: null, decision: 'RESERVATION', allow: true,
  reservationId: 'res-1', visitId: null, amountDueMinor: 0, ...(detail ? { detail } : {}),
});

const plates = (entries: JournalEntry[]) => entries.map((e) => [e.seq, e.record.plate]);

describe('preallocated journal segments', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parkctl-journal-seg-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends write over the zeros of a segment made before the first car: its size never changes, and each costs one fdatasync', async () => {
    const { journal } = await FileGateJournal.open({ dir, segmentBytes: 64 * 1024 });
    const [segment] = await segmentFiles(dir);
    expect((await stat(segment!)).size).toBe(64 * 1024);
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync(): Promise<void>; sync(): Promise<void> };
    await probe.close();
    const datasync = vi.spyOn(proto, 'datasync');
    const sync = vi.spyOn(proto, 'sync');
    try {
      for (let i = 1; i <= 20; i++) await journal.append(record(`P${i}`));
      expect(datasync).toHaveBeenCalledTimes(20);
      expect(sync).not.toHaveBeenCalled(); // no inode flush per car
    } finally {
      datasync.mockRestore();
      sync.mockRestore();
    }
    expect((await stat(segment!)).size).toBe(64 * 1024);
    await journal.close();
    expect(plates(await readSegment(segment!))).toEqual(Array.from({ length: 20 }, (_, i) => [i + 1, `P${i + 1}`]));
  });

  it('a restart goes on writing in the same segment when it ends cleanly, and makes no new file when nothing was written', async () => {
    const first = await FileGateJournal.open({ dir });
    await first.journal.close();
    const again = await FileGateJournal.open({ dir });
    expect(again.journal.segmentCount()).toBe(1);
    await again.journal.append(record('AA1'));
    await again.journal.close();
    const third = await FileGateJournal.open({ dir });
    expect(third.recovery).toEqual({ truncatedBytes: 0, damagedLines: 0, skippedRecords: 0 });
    expect(await third.journal.append(record('AA2'))).toBe(2);
    expect(third.journal.segmentCount()).toBe(1);
    await third.journal.close();
    expect(plates(await readSegment((await segmentFiles(dir))[0]!))).toEqual([[1, 'AA1'], [2, 'AA2']]);
  });

  it('fills segments by size, preparing the next one ahead, and reads across them after a restart', async () => {
    const { journal } = await FileGateJournal.open({ dir, segmentBytes: 4096 });
    for (let i = 1; i <= 60; i++) await journal.append(record(`R${i}`));
    expect(journal.segmentCount()).toBeGreaterThan(3);
    await journal.close();
    const files = await segmentFiles(dir);
    for (const f of files) expect((await stat(f)).size).toBe(4096);
    const reopened = await FileGateJournal.open({ dir, segmentBytes: 4096 });
    expect((await reopened.journal.readUnsynced()).map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(await reopened.journal.append(record('R61'))).toBe(61);
    await reopened.journal.close();
  });

  it('takes a record larger than a segment', async () => {
    const { journal } = await FileGateJournal.open({ dir, segmentBytes: 4096 });
    await journal.append(record('SMALL'));
    const big = record('BIG', { note: 'x'.repeat(10_000) });
    expect(await journal.append(big)).toBe(2);
    expect(await journal.append(record('AFTER'))).toBe(3);
    await journal.close();
    const reopened = await FileGateJournal.open({ dir, segmentBytes: 4096 });
    const all = await reopened.journal.readUnsynced();
    expect(plates(all)).toEqual([[1, 'SMALL'], [2, 'BIG'], [3, 'AFTER']]);
    expect(all[1]!.record).toEqual(big);
    await reopened.journal.close();
  });

  it('a write torn at any byte, or whose start never reached the disk, ends the records there', () => {
    const records = [1, 2, 3].map((seq) => encodeRecord({ seq, record: record(`AA${seq}`) }).bytes);
    const kept = Buffer.concat(records.slice(0, 2));
    const last = records[2]!;
    for (let k = 0; k <= last.length; k++) {
      // The first k bytes of record 3 written, the rest still zeros ...
      const head = Buffer.concat([kept, last.subarray(0, k), Buffer.alloc(200)]);
      const fromHead = parseFramed(head, 1);
      expect(fromHead.entries.map((e) => e.seq)).toEqual(k === last.length ? [1, 2, 3] : [1, 2]);
      // ... or its last bytes written and the first k still zeros (pages reach the disk in any order).
      const tail = Buffer.concat([kept, Buffer.alloc(k), last.subarray(k), Buffer.alloc(200)]);
      expect(parseFramed(tail, 1).entries.map((e) => e.seq)).toEqual(k === 0 ? [1, 2, 3] : [1, 2]);
    }
    // A segment that should start at seq 5 does not take a record of seq 1, however intact.
    expect(parseFramed(Buffer.concat([kept, Buffer.alloc(10)]), 5).entries).toEqual([]);
  });

  it('a complete record beyond a hole is never read, not even once new records fill the hole in front of it', async () => {
    const first = await FileGateJournal.open({ dir });
    await first.journal.append(record('AA1'));
    await first.journal.close();
    // A batch of records 2 and 3 where only the page holding 3 reached the disk before the crash.
    const [segment] = await segmentFiles(dir);
    const end = (await readFile(segment!)).indexOf(0);
    const lost = encodeRecord({ seq: 2, record: record('OLD2') }).bytes;
    await writeAt(segment!, encodeRecord({ seq: 3, record: record('OLD3') }).bytes, end + lost.length);

    const second = await FileGateJournal.open({ dir });
    expect(second.recovery.skippedRecords).toBe(1);
    expect(plates(await second.journal.readUnsynced())).toEqual([[1, 'AA1']]);
    // Record 3 was never acknowledged but may have been seen: the next record is 4, not 2 or 3.
    expect(await second.journal.append(record('NEW4'))).toBe(4);
    await second.journal.close();
    const third = await FileGateJournal.open({ dir });
    expect(third.recovery.truncatedBytes).toBe(0);
    expect(plates(await third.journal.readUnsynced())).toEqual([[1, 'AA1'], [4, 'NEW4']]);
    expect(await third.journal.append(record('NEW5'))).toBe(5);
    await third.journal.close();
    // The old bytes stay where they were, unread.
    expect(plates(await readSegment(segment!))).toEqual([[1, 'AA1']]);
  });

  it('reads the JSON-lines segments of the older format, appends after them in a new segment, and deletes them once synced', async () => {
    const line = (seq: number, plate: string) => JSON.stringify({ seq, record: record(plate) }) + '\n';
    const legacy = join(dir, 'seg-000000000001.jsonl');
    await writeFile(legacy, line(1, 'OLD1') + line(2, 'OLD2') + 'garbage\n' + line(3, 'OLD3') + '{"seq":4,"rec');
    await writeFile(join(dir, 'synced.json'), '{"uptoSeq":1}\n');

    const { journal, recovery } = await FileGateJournal.open({ dir });
    expect(recovery).toEqual({ truncatedBytes: '{"seq":4,"rec'.length, damagedLines: 1, skippedRecords: 0 });
    expect(plates(await journal.readUnsynced())).toEqual([[2, 'OLD2'], [3, 'OLD3']]);
    expect(await journal.append(record('NEW4'))).toBe(4);
    await journal.close();
    expect(await readFile(legacy, 'utf8')).toContain('{"seq":4,"rec'); // never written to

    const reopened = await FileGateJournal.open({ dir });
    expect(plates(await reopened.journal.readAfter(1))).toEqual([[2, 'OLD2'], [3, 'OLD3'], [4, 'NEW4']]);
    await reopened.journal.markSynced(4);
    expect(await segmentFiles(dir)).toEqual([join(dir, 'seg-000000000004.log')]);
    await reopened.journal.close();
  });
});
