// Issue 13: what a one-shot command loads before it can answer. No timings here (COMMON rules: never
// in tests); these hold the loading decisions that the timings in bench/cli-startup.mjs rest on.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** Runs `code` as an ES module in a fresh node at the package root; returns what it prints. */
function freshNode(code: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
}

describe('the PostgreSQL driver', () => {
  it('loads without undici (fetch), and leaves no navigator behind on a Node that has none', () => {
    const out = freshNode(`
      const before = 'navigator' in globalThis;
      await import('./dist/drivers/postgres.js');
      const pg = (await import('pg')).default;
      console.log(JSON.stringify({
        undici: process.moduleLoadList.filter((m) => m.includes('undici')),
        navigator: 'navigator' in globalThis === before,
        client: typeof pg.Client,
      }));`);
    expect(JSON.parse(out)).toEqual({ undici: [], navigator: true, client: 'function' });
  });
});
