// src/compile-cache.ts: V8's code for parkctl's CommonJS modules kept between runs (issue 13). Each run is
// a real child process, as bin/parkctl runs: the first compiles and writes the data at exit, the second
// reads it back, and the modules behave the same either way (require, require.resolve, __dirname,
// import()). `npm run build` first: the children load dist/compile-cache.js.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const dist = join(import.meta.dirname, '..', 'dist', 'compile-cache.js');
const work = mkdtempSync(join(tmpdir(), 'parkctl-compile-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * A tiny package: main.cjs requires a sibling, resolves it and reports what it saw; lazy.cjs imports a
 * builtin with import(), which Node 20 refuses in a script compiled from cached data, so it is never cached.
 */
function makePackage(name: string): string {
  const root = join(work, name);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'sibling.cjs'), 'exports.twice = (n) => n * 2;\n');
  writeFileSync(join(root, 'lazy.cjs'), "exports.os = () => import('node:os');\n");
  writeFileSync(join(root, 'main.cjs'), [
    "const { twice } = require('./sibling.cjs');",
    'module.exports = (async () => {',
    "  const os = await require('./lazy.cjs').os();",
    "  return { twice: twice(21), resolved: require.resolve('./sibling.cjs'), dir: __dirname, eol: os.EOL === '\\n', cached: typeof require.cache };",
    '})();',
  ].join('\n'));
  return root;
}

/** Runs main.cjs through the cache once, in a fresh process; what it printed, parsed. */
function runOnce(root: string, env: Record<string, string>): { out: Record<string, unknown>; installed: boolean } {
  const script = [
    `const { installCompileCache } = await import(${JSON.stringify(pathToFileURL(dist).href)});`,
    `const installed = installCompileCache(${JSON.stringify(root)});`,
    "const { createRequire } = await import('node:module');",
    `const out = await createRequire(${JSON.stringify(join(root, 'x.cjs'))})('./main.cjs');`,
    'process.stdout.write(JSON.stringify({ out, installed }));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { out: Record<string, unknown>; installed: boolean };
}

const cacheFiles = (cacheHome: string) => {
  const base = join(cacheHome, 'parkctl');
  const [v8dir] = readdirSync(base);
  return readdirSync(join(base, v8dir!)).map((f) => join(base, v8dir!, f));
};

describe('the compile cache', () => {
  it('writes the code of the modules under its root at exit, reads it back the next run, and the modules behave the same', () => {
    const root = makePackage('pkg');
    const cacheHome = join(work, 'cache-home');
    const first = runOnce(root, { XDG_CACHE_HOME: cacheHome });
    expect(first.installed).toBe(true);
    expect(first.out).toEqual({ twice: 42, resolved: join(root, 'sibling.cjs'), dir: root, eol: true, cached: 'object' });
    const files = cacheFiles(cacheHome);
    expect(files).toHaveLength(2); // main.cjs and sibling.cjs, not lazy.cjs
    const written = files.map((f) => statSync(f).mtimeMs);

    const second = runOnce(root, { XDG_CACHE_HOME: cacheHome });
    expect(second.out).toEqual(first.out);
    // accepted: nothing compiled afresh, so nothing written again
    expect(cacheFiles(cacheHome).map((f) => statSync(f).mtimeMs)).toEqual(written);

    // a changed module is compiled afresh and gets data of its own
    writeFileSync(join(root, 'sibling.cjs'), 'exports.twice = (n) => n + n;  \n');
    expect(runOnce(root, { XDG_CACHE_HOME: cacheHome }).out.twice).toBe(42);
    expect(cacheFiles(cacheHome)).toHaveLength(3);
    for (const f of cacheFiles(cacheHome)) expect(statSync(f).mode & 0o077).toBe(0);

    // data written a month ago is dropped by the next run that writes (a run after an upgrade, say): the
    // first run's two files, made a month old here (main.cjs's is then made again by the run after)
    const monthAgo = new Date(Date.now() - 31 * 86_400_000);
    for (const f of files) utimesSync(f, monthAgo, monthAgo);
    writeFileSync(join(root, 'sibling.cjs'), 'exports.twice = (n) => 2 * n;\n');
    expect(runOnce(root, { XDG_CACHE_HOME: cacheHome }).out.twice).toBe(42);
    const left = cacheFiles(cacheHome);
    expect(left.filter((f) => files.includes(f))).toEqual([]); // both of the first run's, a month old
    expect(left).toHaveLength(2); // the second sibling's (recent) and the third's (new)
  });

  it('stays off where the directory is not the user\'s alone, and when PARKCTL_NO_COMPILE_CACHE=1', () => {
    const root = makePackage('pkg-off');
    const shared = join(work, 'shared-cache');
    mkdirSync(join(shared, 'parkctl'), { recursive: true });
    const first = runOnce(root, { XDG_CACHE_HOME: shared });
    expect(first.installed).toBe(true);
    const v8dir = join(shared, 'parkctl', readdirSync(join(shared, 'parkctl'))[0]!);
    chmodSync(v8dir, 0o777);
    const open = runOnce(root, { XDG_CACHE_HOME: shared });
    expect(open.installed).toBe(false);
    expect(open.out.twice).toBe(42);

    const off = runOnce(root, { XDG_CACHE_HOME: join(work, 'unused'), PARKCTL_NO_COMPILE_CACHE: '1' });
    expect(off.installed).toBe(false);
    expect(off.out.twice).toBe(42);
    expect(existsSync(join(work, 'unused'))).toBe(false); // not even made
  });
});
