// V8's compiled code for parkctl's CommonJS modules, kept between runs (issue 13: a one-shot command
// compiled the same 600 KB of JavaScript on every run, about 20 ms of CPU). Node 22 has
// module.enableCompileCache(); Node 20 has only vm.Script's cachedData, which this uses. bin/parkctl
// installs it before it requires the CommonJS bundle (scripts/bundle.mjs).
//
// Not v8-compile-cache: it stores the data V8 produces right after compiling, before the module runs, so
// every function compiled lazily while the command ran is missing, and it hashes every file on every run.
// Measured on capacity check: no CPU saved. Here the data is made at exit, after the command ran, so it
// holds the functions the command needed.
//
// The cache is code: it lives only in a directory of the user's own (XDG_CACHE_HOME or ~/.cache, mode
// 700, owned by them), never in a shared temporary directory. PARKCTL_NO_COMPILE_CACHE=1 turns it off.
// Any failure (no home, a read-only disk, data V8 rejects) leaves the command compiling as usual.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

interface CompilingModule {
  exports: unknown;
  require: (id: string) => unknown;
  filename: string;
  paths: string[];
}

interface ModuleInternals {
  wrap: (source: string) => string;
  _resolveFilename: (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
  _resolveLookupPaths: (request: string, parent: unknown) => string[] | null;
  _cache: unknown;
  _extensions: unknown;
  prototype: { _compile: (this: CompilingModule, content: string, filename: string) => unknown };
}

/** The user's own cache directory for this V8, or null where there is none to trust. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const home = env.HOME || homedir();
  const base = env.XDG_CACHE_HOME || (home ? join(home, '.cache') : '');
  if (!base) return null;
  const dir = join(base, 'parkctl', `v8-${process.versions.v8}-${process.arch}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return null;
    return dir;
  } catch {
    return null;
  }
}

/**
 * Compiles the CommonJS modules under `root` through vm.Script with cached data from `dir`, and writes the
 * data of those compiled afresh when the process exits. Returns false when it did not install.
 */
export function installCompileCache(root: string, cacheDir?: string | null): boolean {
  if (process.env.PARKCTL_NO_COMPILE_CACHE === '1') return false;
  const dir = cacheDir === undefined ? compileCacheDir() : cacheDir;
  if (dir === null) return false;
  const internals = Module as unknown as ModuleInternals;
  const previous = internals.prototype._compile;
  const fresh: { script: vm.Script; path: string }[] = [];

  internals.prototype._compile = function compile(this: CompilingModule, content: string, filename: string) {
    // import() inside a script compiled from cached data fails on Node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING,
    // even with vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER): the few chunks that import a package lazily
    // (ioredis, mqtt, serialport, the embedded server's binaries) compile as usual. The bundle drops JSDoc,
    // whose `import("...")` types would otherwise count.
    if (!filename.startsWith(root) || content.includes('import(')) return previous.call(this, content, filename);
    const path = join(dir, `${createHash('sha1').update(`${filename}\0${content.length}\0${mtimeOf(filename)}`).digest('hex')}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(path);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(internals.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) fresh.push({ script, path });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this, internals), this, filename, dirname(filename));
  };

  process.once('exit', () => {
    internals.prototype._compile = previous;
    for (const { script, path } of fresh) {
      try {
        const tmp = `${path}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, path);
      } catch {
        // a full or read-only disk: the next run compiles as this one did
      }
    }
    if (fresh.length > 0) pruneStale(dir);
  });
  return true;
}

/** Data kept longer than this is dropped when a run writes new data (after an upgrade, say): a rebuilt bundle leaves the old files' data behind. */
const keepMs = 30 * 86_400_000;

function pruneStale(dir: string): void {
  try {
    const cutoff = Date.now() - keepMs;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.endsWith('.v8') && (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < cutoff) rmSync(path, { force: true });
    }
  } catch {
    // another run pruning at the same time, or a directory gone: nothing to do
  }
}

function mtimeOf(filename: string): number {
  return statSync(filename, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}

/** The `require` a module sees, as Node makes it (lib/internal/modules/helpers.js makeRequireFunction). */
function requireFor(mod: CompilingModule, internals: ModuleInternals) {
  const require = (id: string) => mod.require(id);
  const resolve = (request: string, options?: unknown) => internals._resolveFilename(request, mod, false, options);
  resolve.paths = (request: string) => internals._resolveLookupPaths(request, mod);
  return Object.assign(require, { resolve, main: process.mainModule, extensions: internals._extensions, cache: internals._cache });
}
