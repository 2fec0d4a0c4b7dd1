// Helpers for the journal tests: the segment files of a journal directory, and writing bytes at an
// offset of one as a crash or a damaged disk leaves them.
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The journal's segment files (.log, and .jsonl of the older format), oldest first. */
export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^seg-\d{12}\.(log|jsonl)$/.test(n)).sort().map((n) => join(dir, n));
}

export async function writeAt(path: string, bytes: Buffer, offset: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.write(bytes, 0, bytes.length, offset);
  } finally {
    await fh.close();
  }
}
