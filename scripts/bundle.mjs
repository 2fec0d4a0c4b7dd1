// Bundles dist/cli.js (tsc's output) for bin/parkctl (issue 13). A one-shot command loaded some 200-320
// files one by one (each resolved, read and compiled as its own ES module: commander 9, zod 99, our own
// 50-120); a bundle is the program in a few chunks, one per command group, as commands/index.ts already
// imports them lazily. Bundled: our code and the pure-JS packages a one-shot command loads. Left as
// imports: everything else (native addons, daemons' servers), and pg, whose stream.js must load after
// dist/drivers/pg-stream.js (see there). dist/ stays as tsc writes it: the tests and the man page use it.
//
// Two bundles of the same program:
// - dist/bundle-cjs/ (CommonJS), for every command but the three below. Node 20 loads CommonJS with a
//   synchronous require: about 40 ms of CPU less than the same code as ES modules, whose loader
//   resolves, links and evaluates each chunk through promises (measured on capacity check).
// - dist/bundle/ (ES modules), for `dashboard`, `demo` and `bench`: they draw with ink, which is an
//   ES module with top-level await, and CommonJS cannot require such a module (ERR_REQUIRE_ASYNC_MODULE).
//   bin/parkctl picks the bundle by the words on the line (inkCommands there).
import { builtinModules } from 'node:module';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'rolldown';

const root = join(import.meta.dirname, '..');
const bundled = new Set(['commander', 'zod', 'luxon', 'yaml', 'cli-table3', 'csv-stringify', 'csv-parse']);
const builtins = new Set(builtinModules);
const packageOf = (id) => (id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]);

// The CommonJS one also carries src/compile-cache.ts, src/drivers/pg-stream.ts and src/commands/early-pool.ts,
// which bin/parkctl runs before it requires cli.cjs.
const builds = [
  ['esm', 'bundle', 'js', { cli: join(root, 'dist', 'cli.js') }],
  ['cjs', 'bundle-cjs', 'cjs', { cli: join(root, 'dist', 'cli.js'), 'compile-cache': join(root, 'dist', 'compile-cache.js'), 'pg-stream': join(root, 'dist', 'drivers', 'pg-stream.js'), 'early-pool': join(root, 'dist', 'commands', 'early-pool.js') }],
];
for (const [format, dir, ext, input] of builds) {
  const outDir = join(root, 'dist', dir);
  rmSync(outDir, { recursive: true, force: true });
  await build({
    input,
    platform: 'node',
    external: (id) => {
      if (id.startsWith('node:') || builtins.has(id)) return true;
      if (id.startsWith('.') || id.startsWith('/') || id.startsWith('\0')) return false;
      return !bundled.has(packageOf(id));
    },
    output: { dir: outDir, format, comments: { legal: true, annotation: true, jsdoc: false }, entryFileNames: `[name].${ext}`, chunkFileNames: `[name]-[hash].${ext}`, sourcemap: false, minify: false },
    logLevel: 'warn',
  });
}
