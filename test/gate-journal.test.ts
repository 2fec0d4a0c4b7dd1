import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GateEventRecord } from '../src/core/gate/ports.js';
import { MemoryGateJournal } from '../src/core/gate/test-doubles.js';
import { FileGateJournal } from '../src/drivers/journal/file-journal.js';
import { encodeRecord } from '../src/drivers/journal/journal-files.js';
import { segmentFiles, writeAt } from './support/journal-files.js';

const record = (plate: string): GateEventRecord => ({
  kind: 'entry', occurredAt: '2025-06-02T09:00:00.000Z', plate, credential: null, decision: 'RESERVATION', allow: true,
  reservationId: 'res-1', visitId: null, amountDueMinor: 0,
});

describe('FileGateJournal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parkctl-journal-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hands out seq 1, 2, 3 and returns what is unsynced, oldest first', async () => {
    const { journal } = await FileGateJournal.open({ dir });
    expect(await journal.append(record('AA1'))).toBe(1);
    expect(await journal.append(record('AA2'))).toBe(2);
    expect(await journal.append(record('AA3'))).toBe(3);
    expect((await journal.readUnsynced()).map((e) => [e.seq, e.record.plate])).toEqual([[1, 'AA1'], [2, 'AA2'], [3, 'AA3']]);
    await journal.markSynced(2);
    expect((await journal.readUnsynced()).map((e) => e.seq)).toEqual([3]);
    expect(await journal.readUnsynced(0)).toEqual([]);
    await journal.close();
  });

  it('concurrent appends all land, with distinct seqs, in one or a few fsyncs', async () => {
    const { journal } = await FileGateJournal.open({ dir });
    const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append(record(`P${i}`))));
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await journal.readUnsynced()).toHaveLength(50);
    // an append made right after a batch resolved still gets written (no lost wake-up)
    expect(await journal.append(record('LAST'))).toBe(51);
    await journal.close();
  });

  it('appends made together (a held plate read and the loop frame that presents it) share one fsync', async () => {
    const { journal } = await FileGateJournal.open({ dir });
    await journal.append(record('WARM')); // the segment is open
    const probe = await open(join(dir, 'probe'), 'w');
    const datasync = vi.spyOn(Object.getPrototypeOf(probe) as { datasync(): Promise<void> }, 'datasync');
    await probe.close();
    try {
      const read = journal.append(record('AA1'));
      const decision = journal.append(record('AA1'));
      expect(await Promise.all([read, decision])).toEqual([2, 3]);
      expect(datasync).toHaveBeenCalledTimes(1);
    } finally {
      datasync.mockRestore();
    }
    await journal.close();
  });

  it('reads unsynced records from memory while they fit, from the segments after a long outage, the same either way', async () => {
    const { journal } = await FileGateJournal.open({ dir, segmentMaxRecords: 500 });
    await Promise.all(Array.from({ length: 1200 }, (_, i) => journal.append(record(`P${i}`))));
    const all = await journal.readUnsynced();
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
    expect((await journal.readUnsynced(3)).map((e) => e.record.plate)).toEqual(['P0', 'P1', 'P2']);
    await journal.markSynced(1100);
    expect((await journal.readUnsynced()).map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 1101 + i));
    await journal.markSynced(1200);
    await journal.append(record('NEXT'));
    expect(await journal.readUnsynced()).toEqual([{ seq: 1201, record: record('NEXT') }]);
    await journal.close();
  });

  it('after a restart, the unsynced records are those on disk, whether in the last segment or older ones', async () => {
    const first = await FileGateJournal.open({ dir, segmentMaxRecords: 3 });
    for (let i = 1; i <= 8; i++) await first.journal.append(record(`R${i}`));
    await first.journal.markSynced(2);
    await first.journal.close();
    const older = await FileGateJournal.open({ dir, segmentMaxRecords: 3 });
    expect((await older.journal.readUnsynced()).map((e) => e.record.plate)).toEqual(['R3', 'R4', 'R5', 'R6', 'R7', 'R8']);
    await older.journal.markSynced(7);
    await older.journal.close();
    const last = await FileGateJournal.open({ dir, segmentMaxRecords: 3 });
    expect(await last.journal.readUnsynced()).toEqual([{ seq: 8, record: record('R8') }]);
    expect(await last.journal.append(record('R9'))).toBe(9);
    expect((await last.journal.readUnsynced()).map((e) => e.seq)).toEqual([8, 9]);
    await last.journal.close();
  });

  it('recovers from a crash mid-write: the torn record is ignored, seq stays monotonic, appends go on in a fresh segment', async () => {
    const first = await FileGateJournal.open({ dir });
    await first.journal.append(record('AA1'));
    await first.journal.append(record('AA2'));
    await first.journal.close();
    // The crash: the first half of record 3 reached the disk, the rest of the segment is still zeros.
    const [segment] = await segmentFiles(dir);
    const recordsEnd = (await readFile(segment!)).indexOf(0);
    const torn = encodeRecord({ seq: 3, record: record('AA3') }).bytes;
    await writeAt(segment!, torn.subarray(0, torn.length >> 1), recordsEnd);

    const { journal, recovery } = await FileGateJournal.open({ dir });
    expect(recovery).toEqual({ truncatedBytes: torn.length >> 1, damagedLines: 0, skippedRecords: 0 });
    expect((await journal.readUnsynced()).map((e) => e.seq)).toEqual([1, 2]);
    expect(await journal.append(record('AB3'))).toBe(3);
    await journal.close();
    expect(await segmentFiles(dir)).toHaveLength(2);
    const again = await FileGateJournal.open({ dir });
    expect(again.recovery.truncatedBytes).toBe(0);
    expect((await again.journal.readUnsynced()).map((e) => [e.seq, e.record.plate])).toEqual([[1, 'AA1'], [2, 'AA2'], [3, 'AB3']]);
    await again.journal.close();
  });

  it('a record whose checksum fails ends the segment there, and no seq it or those after it held is handed out again', async () => {
    const { journal } = await FileGateJournal.open({ dir });
    for (const p of ['AA1', 'AA2', 'AA3']) await journal.append(record(p));
    await journal.close();
    // Disk damage: one byte of record 2 changes (its plate AA2 reads AX2).
    const [segment] = await segmentFiles(dir);
    const bytes = await readFile(segment!);
    await writeAt(segment!, Buffer.from('X'), bytes.indexOf('"AA2"') + 2);

    const reopened = await FileGateJournal.open({ dir });
    expect(reopened.recovery.skippedRecords).toBe(1); // record 3, intact but after the damage
    expect((await reopened.journal.readUnsynced()).map((e) => e.record.plate)).toEqual(['AA1']);
    // 2 and 3 may be in the database already: a new record must not take either seq.
    expect(await reopened.journal.append(record('AA4'))).toBe(4);
    expect((await reopened.journal.readUnsynced()).map((e) => e.seq)).toEqual([1, 4]);
    await reopened.journal.close();
  });

  it('rotates segments and deletes those wholly synced; seq survives even with every segment gone', async () => {
    const { journal } = await FileGateJournal.open({ dir, segmentMaxRecords: 3 });
    for (let i = 0; i < 10; i++) await journal.append(record(`R${i}`));
    expect(journal.segmentCount()).toBe(4);
    await journal.markSynced(7);
    // seg 1-3 and 4-6 are gone; 7-9 holds unsynced 8 and 9; 10 is active
    expect(journal.segmentCount()).toBe(2);
    expect((await journal.readUnsynced()).map((e) => e.seq)).toEqual([8, 9, 10]);
    await journal.markSynced(10);
    expect(journal.segmentCount()).toBe(1);
    await journal.close();
    expect(JSON.parse(await readFile(join(dir, 'synced.json'), 'utf8'))).toEqual({ uptoSeq: 10 });

    // Remove even the active segment: the synced mark alone keeps seq from going back.
    for (const n of await readdir(dir)) if (n.startsWith('seg-')) await rm(join(dir, n));
    const reopened = await FileGateJournal.open({ dir, segmentMaxRecords: 3 });
    expect(reopened.journal.syncedUpTo()).toBe(10);
    expect(await reopened.journal.append(record('AFTER'))).toBe(11);
    await reopened.journal.close();
  });

  it('keeps synced segments above keepAfter on disk, and readAfter returns them', async () => {
    let keepAfter = 2;
    const { journal } = await FileGateJournal.open({ dir, segmentMaxRecords: 3, keepAfter: () => keepAfter });
    for (let i = 1; i <= 10; i++) await journal.append(record(`R${i}`));
    await journal.markSynced(9);
    expect(journal.segmentCount()).toBe(4); // seg 1-3 holds 3, above keepAfter
    expect(await journal.readUnsynced()).toEqual([{ seq: 10, record: record('R10') }]);
    expect((await journal.readAfter(2)).map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    keepAfter = 9;
    await journal.markSynced(10);
    expect(journal.segmentCount()).toBe(1);
    expect((await journal.readAfter(9)).map((e) => e.seq)).toEqual([10]);
    await journal.close();
  });

  it('markSynced never moves back and refuses seqs not yet written', async () => {
    const { journal } = await FileGateJournal.open({ dir });
    await journal.append(record('AA1'));
    await journal.append(record('AA2'));
    await journal.markSynced(2);
    await journal.markSynced(1);
    expect(journal.syncedUpTo()).toBe(2);
    await expect(journal.markSynced(5)).rejects.toThrow(RangeError);
    await journal.close();
    await expect(journal.append(record('LATE'))).rejects.toThrow(/closed/);
  });

  it('ignores a leftover tmp file from a crash while writing the mark', async () => {
    await writeFile(join(dir, 'synced.json'), '{"uptoSeq":4}\n');
    await writeFile(join(dir, 'synced.json.tmp'), '{"upto');
    const { journal } = await FileGateJournal.open({ dir });
    expect(journal.syncedUpTo()).toBe(4);
    expect(await journal.append(record('AA5'))).toBe(5);
    await journal.close();
  });
});

describe('MemoryGateJournal (test double) keeps the same contract', () => {
  it('seq, unsynced and mark', async () => {
    const j = new MemoryGateJournal();
    await j.append(record('A1'));
    await j.append(record('A2'));
    await j.markSynced(1);
    expect((await j.readUnsynced()).map((e) => e.seq)).toEqual([2]);
    expect(j.lastSeq()).toBe(2);
  });
});
