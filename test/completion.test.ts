// `parkctl completion`: scripts generated from the command tree, checked by the shells themselves.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'parkctl-completion-'));
const zshInstalled = spawnSync('zsh', ['--version']).status === 0;
if (!zshInstalled) console.warn('completion: zsh -n check skipped, zsh is not installed');

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
    const r = await runCli(['completion', 'fish'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('parkctl completion bash');
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
