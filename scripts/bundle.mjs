// Bundles dist/cli.js (tsc's output) into dist/bundle/, which bin/parkctl runs (issue 13). A one-shot
// command loaded some 200-320 files one by one (each resolved, read and compiled as its own ES module:
// commander 9, zod 99, our own 50-120); the bundle is the program in a few chunks, one per command
// group, as commands/index.ts already imports them lazily. Bundled: our code and the pure-JS packages
// a one-shot command loads. Left as imports: everything else (native addons, packages with top-level
// await such as ink, daemons' servers), and pg, whose stream.js must load after
// dist/drivers/pg-stream.js (see there). dist/ stays as tsc writes it: the tests and the man page use it.
import { builtinModules } from 'node:module';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'rolldown';

const root = join(import.meta.dirname, '..');
const bundled = new Set(['commander', 'zod', 'luxon', 'yaml', 'cli-table3', 'csv-stringify', 'csv-parse']);
const builtins = new Set(builtinModules);
const packageOf = (id) => (id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]);

const outDir = join(root, 'dist', 'bundle');
rmSync(outDir, { recursive: true, force: true });
await build({
  input: { cli: join(root, 'dist', 'cli.js') },
  platform: 'node',
  external: (id) => {
    if (id.startsWith('node:') || builtins.has(id)) return true;
    if (id.startsWith('.') || id.startsWith('/') || id.startsWith('\0')) return false;
    return !bundled.has(packageOf(id));
  },
  output: { dir: outDir, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', sourcemap: false, minify: false },
  logLevel: 'warn',
});
