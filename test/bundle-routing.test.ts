// bin/parkctl runs most commands from the CommonJS bundle and `dashboard`, `demo` and `bench` from the
// ES module one (scripts/bundle.mjs): ink is an ES module with top-level await, which CommonJS cannot
// require. These hold that split: no other command can reach ink, by any import, and the real binary
// runs each kind (`npm run build` first).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBuilt } from './support/built-cli.js';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');

/** The words bin/parkctl sends to the ES module bundle. */
function inkCommands(): string[] {
  const bin = readFileSync(join(root, 'bin', 'parkctl'), 'utf8');
  const set = /const inkCommands = new Set\(\[([^\]]*)\]\)/.exec(bin);
  expect(set, 'bin/parkctl names its ink commands').not.toBeNull();
  return [...set![1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name.startsWith('bundle') ? [] : jsFiles(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

/** Every module specifier a tsc-built file imports, statically or lazily. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

describe('which bundle runs a command', () => {
  it('no command but the ink ones reaches ink, through any import from dist/cli.js', () => {
    const skipped = new Set(inkCommands().map((c) => join(dist, 'commands', `${c}.js`)));
    expect(skipped.size).toBe(3);
    for (const file of skipped) expect(statSync(file).isFile(), file).toBe(true);
    expect(jsFiles(dist).length).toBeGreaterThan(100);
    const seen = new Set<string>();
    const reachesInk: string[] = [];
    const queue = [join(dist, 'cli.js')];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file) || skipped.has(file)) continue;
      seen.add(file);
      for (const spec of specifiers(file)) {
        if (spec === 'ink' || spec.startsWith('ink/')) reachesInk.push(file);
        else if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      }
    }
    expect(seen.size).toBeGreaterThan(100);
    expect(seen.has(join(dist, 'commands', 'booking.js'))).toBe(true);
    expect(reachesInk).toEqual([]);
    // and the ink commands do reach it: the check above can see ink where it is
    const dashboardScreen = join(dist, 'commands', 'dashboard-screen.js');
    expect(specifiers(dashboardScreen)).toContain('ink');
  });

  it('runs every command group from the CommonJS bundle, and an unknown word loads them all', async () => {
    for (const args of [['lot', '--help'], ['booking', 'reserve', '--help'], ['completion', 'bash']]) {
      const r = await runBuilt(args, {});
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const unknown = await runBuilt(['bookings'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'bookings'/);
    expect(unknown.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  });

  it('runs dashboard, demo and bench from the ES module bundle', async () => {
    for (const c of inkCommands()) {
      const r = await runBuilt([c, '--help'], {});
      expect(r.code, `${c}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`Usage: parkctl ${c}`);
    }
  });
});
