// `parkctl completion`: scripts generated from the command tree, checked by the shells themselves.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/db.js';
import { runCli } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'parkctl-completion-'));
const zshInstalled = spawnSync('zsh', ['--version']).status === 0;
if (!zshInstalled) console.warn('completion: zsh -n check skipped, zsh is not installed');
const fishInstalled = spawnSync('fish', ['--version']).status === 0;
if (!fishInstalled) console.warn('completion: fish -n check skipped, fish is not installed');

async function script(shell: string): Promise<string> {
  const r = await runCli(['completion', shell], {});
  expect(r.code, r.stderr).toBe(0);
  const path = join(dir, `parkctl.${shell}`);
  writeFileSync(path, r.stdout);
  return path;
}

/** What bash offers after `words` (the last one is being typed). */
function bashComplete(path: string, words: string[]): string[] {
  const line = `source ${path}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _parkctl_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', line], { encoding: 'utf8', cwd: dir });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean);
}

describe('parkctl completion bash', () => {
  it('is valid bash (bash -n) and names commands and options from the tree', async () => {
    const path = await script('bash');
    expect(spawnSync('bash', ['-n', path], { encoding: 'utf8' }).status).toBe(0);
    const r = await runCli(['completion', 'bash'], {});
    for (const word of ['booking', 'capacity', 'import', 'export', 'distribute', '--all-or-nothing', '--dry-run', '--lot', '--json']) expect(r.stdout).toContain(word);
  });

  it('completes subcommands and options of the command typed so far', async () => {
    const path = await script('bash');
    expect(bashComplete(path, ['parkctl', 'boo'])).toEqual(['booking']);
    expect(bashComplete(path, ['parkctl', 'booking', 'im'])).toEqual(['import']);
    expect(bashComplete(path, ['parkctl', 'booking', 'import', 'x.csv', '--a'])).toEqual(['--all-or-nothing']);
    expect(bashComplete(path, ['parkctl', '--json', 'db', 'dist'])).toEqual(['distribute']);
    expect(bashComplete(path, ['parkctl', 'capacity', 'check', '--ty'])).toEqual(['--type']);
  });
});

describe('parkctl completion zsh', () => {
  it('names the same commands and is a compdef function', async () => {
    const r = await runCli(['completion', 'zsh'], {});
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('#compdef parkctl');
    expect(r.stdout).toContain('"booking import") candidates="');
    expect(r.stdout).toContain('--all-or-nothing');
  });

  it.skipIf(!zshInstalled)('zsh -n accepts it', async () => {
    const path = await script('zsh');
    expect(spawnSync('zsh', ['-n', path], { encoding: 'utf8' }).status).toBe(0);
  });

  it('refuses other shells with exit 2', async () => {
    const r = await runCli(['completion', 'tcsh'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('parkctl completion bash');
  });
});

describe('values (issue 13)', () => {
  it('bash completes vehicle types, statuses per command, methods, and shells', async () => {
    const path = await script('bash');
    expect(bashComplete(path, ['parkctl', 'booking', 'reserve', '--type', 'e'])).toEqual(['ev']);
    expect(bashComplete(path, ['parkctl', 'capacity', 'check', '--type', ''])).toEqual(['motorcycle', 'compact', 'regular', 'large', 'ev', 'accessible']);
    expect(bashComplete(path, ['parkctl', 'booking', 'list', '--status', 'C'])).toEqual(['CONFIRMED', 'CHECKED_IN', 'COMPLETED', 'CANCELLED']);
    expect(bashComplete(path, ['parkctl', 'payments', 'list', '--status', 'd'])).toEqual(['due']);
    expect(bashComplete(path, ['parkctl', 'payments', 'collect', '--method', ''])).toEqual(['cash', 'card']);
    expect(bashComplete(path, ['parkctl', 'completion', 'f'])).toEqual(['fish']);
  });

  it('lot codes come from the configured database at Tab (bash), and nothing without one', async () => {
    const db = await createTestDatabase();
    try {
      const env = { DATABASE_URL: db.url };
      expect((await runCli(['lot', 'import', join(import.meta.dirname, '../fixtures/surface-lot.yaml')], env)).code).toBe(0);
      expect((await runCli(['completion', '--values', 'lots'], env)).stdout).toBe('RIVERSIDE\n');
      expect((await runCli(['completion', '--values', 'lots'], { DATABASE_URL: undefined })).stdout).toBe('');
      // the script asks the parkctl on PATH
      const bin = join(dir, 'bin');
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, 'parkctl'), `#!/bin/sh\nexec "${process.execPath}" "${join(import.meta.dirname, '..', 'bin', 'parkctl')}" "$@"\n`, { mode: 0o755 });
      const path = await script('bash');
      const line = `source ${path}; COMP_WORDS=(parkctl booking list --lot R); COMP_CWORD=4; _parkctl_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = spawnSync('bash', ['-c', line], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, DATABASE_URL: db.url } });
      expect(r.stdout.split('\n').filter(Boolean)).toEqual(['RIVERSIDE']);
      const show = spawnSync('bash', ['-c', line.replace('booking list --lot R); COMP_CWORD=4', 'lot show R); COMP_CWORD=3')], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, DATABASE_URL: db.url } });
      expect(show.stdout.split('\n').filter(Boolean)).toEqual(['RIVERSIDE']);
    } finally {
      await db.drop();
    }
  });

  it('zsh and fish scripts carry the same values', async () => {
    for (const shell of ['zsh', 'fish']) {
      const r = await runCli(['completion', shell], {});
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('booking list|--status');
      expect(r.stdout).toContain('parkctl completion --values lots');
    }
    expect((await runCli(['completion', 'fish'], {})).stdout).toMatch(/^complete -c parkctl -f -a '\(__parkctl_candidates\)'$/m);
  });

  it.skipIf(!fishInstalled)('fish -n accepts it', async () => {
    const path = await script('fish');
    expect(spawnSync('fish', ['-n', path], { encoding: 'utf8' }).status).toBe(0);
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
