// The gate daemon's sources compiled file by file (no type check, as test/embedded-postgres.test.ts
// does) into a scratch folder with a child script, so a test can run the daemon as a real process
// and kill it with SIGKILL.
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const repoRoot = join(import.meta.dirname, '..', '..');

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await tsFiles(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Builds src/core and src/drivers under `out` and writes `script` as out/child.mjs; returns its path. */
export async function buildGateChild(out: string, script: string): Promise<string> {
  for (const file of [...(await tsFiles(join(repoRoot, 'src', 'core'))), ...(await tsFiles(join(repoRoot, 'src', 'drivers')))]) {
    const js = ts.transpileModule(await readFile(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    const target = join(out, relative(repoRoot, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, js.outputText);
  }
  await writeFile(join(out, 'package.json'), '{"type":"module"}\n');
  await symlink(join(repoRoot, 'node_modules'), join(out, 'node_modules'));
  await writeFile(join(out, 'child.mjs'), script);
  return join(out, 'child.mjs');
}
