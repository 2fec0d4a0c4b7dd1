// Where parkctl's own files are (migrations, fixtures, bin, package.json), whatever the depth of the
// module that asks: src/ under the tests, dist/ as tsc writes it, dist/bundle/ as the bundle is
// (issue 13). The nearest directory above this module with a package.json is the package's root.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | null = null;

export function packageRoot(): string {
  if (root !== null) return root;
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${import.meta.dirname}`);
    dir = up;
  }
  root = dir;
  return root;
}
