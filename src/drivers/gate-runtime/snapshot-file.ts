// The persisted allow-list (<journalDir>/allow-list.json): written tmp + fsync + rename, so a restart
// with the database down still decides from the last snapshot and this gate's unsynced decisions.
// Saves are coalesced and delayed (delayMs), then wait until no car is being decided (beforeWrite):
// the serialising and the fsyncs must not compete with the journal's on the decision path. A crash
// inside that delay loses nothing the journal does not replay on restart.
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { PersistedAllowList } from '../../core/gate-daemon/local-allow-list.js';
import { fsyncPath } from '../journal/journal-files.js';

export const allowListFileName = 'allow-list.json';

export async function loadPersistedAllowList(dir: string): Promise<PersistedAllowList | null> {
  let text: string;
  try {
    text = await readFile(join(dir, allowListFileName), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as PersistedAllowList;
    return parsed.version === 1 && parsed.snapshot ? parsed : null;
  } catch {
    return null; // a damaged file is as good as none: the database reload replaces it
  }
}

export class AllowListFile {
  private writing: Promise<void> | null = null;
  private next: (() => PersistedAllowList) | null = null;

  private readonly delayMs: number;
  private readonly beforeWrite: () => Promise<void>;

  private readonly onSaved: (saved: PersistedAllowList) => void;

  constructor(
    private readonly dir: string,
    private readonly onError: (err: Error) => void,
    opts: { delayMs?: number; beforeWrite?: () => Promise<void>; onSaved?: (saved: PersistedAllowList) => void } = {},
  ) {
    this.delayMs = opts.delayMs ?? 500;
    this.beforeWrite = opts.beforeWrite ?? (() => Promise.resolve());
    this.onSaved = opts.onSaved ?? (() => undefined);
  }

  /** Schedules a save of what `read()` returns when the write starts. */
  save(read: () => PersistedAllowList): void {
    this.next = read;
    if (this.writing) return;
    this.writing = new Promise<void>((r) => setTimeout(r, this.delayMs)).then(() => this.drain()).finally(() => (this.writing = null));
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.next) {
      await this.beforeWrite();
      const read = this.next!;
      this.next = null;
      try {
        const value = read();
        await writeAtomically(this.dir, JSON.stringify(value));
        this.onSaved(value);
      } catch (err) {
        this.onError(err as Error);
      }
    }
  }
}

async function writeAtomically(dir: string, text: string): Promise<void> {
  const target = join(dir, allowListFileName);
  const tmp = `${target}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, target);
  await fsyncPath(dir);
}
