// Issue 13, "Input and help": examples under every command, global options in sub-command help,
// `parkctl help booking reserve`, the help topics, and the man page built from the same tree.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli.js';
import { commandPath } from '../src/commands/help.js';
import { commandExamples } from '../src/commands/help-examples.js';
import { runCli } from './support/cli.js';

async function leaves(): Promise<Command[]> {
  const program = await buildProgram(async () => {}, { writeOut: () => {}, writeErr: () => {} }, null);
  const out: Command[] = [];
  const walk = (c: Command) => (c.commands.length === 0 ? out.push(c) : c.commands.forEach(walk));
  program.commands.forEach(walk);
  return out;
}

describe('help', () => {
  it('every command has examples, and every example names a real command', async () => {
    const all = await leaves();
    const names = all.map(commandPath);
    expect(names.filter((n) => !commandExamples[n])).toEqual([]);
    // examples of commands that do not exist would be lies in the man page
    expect(Object.keys(commandExamples).filter((k) => !names.includes(k))).toEqual([]);
  });

  it('parkctl help booking reserve shows that command, with examples and the global options', async () => {
    const r = await runCli(['help', 'booking', 'reserve'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: parkctl booking reserve \[options\]/);
    expect(r.stdout).toContain('Examples:\n  $ parkctl booking reserve --lot RIVERSIDE');
    expect(r.stdout).toMatch(/Global Options:[\s\S]*--json[\s\S]*--now <instant>/);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('tomorrow 08:00, +2h, now');
    expect((await runCli(['booking', 'reserve', '--help'], {})).stdout).toBe(r.stdout);
  });

  it('help environment and help exit-codes are topics; the top-level help lists them', async () => {
    const env = await runCli(['help', 'environment'], {});
    expect(env.code).toBe(0);
    expect(env.stdout).toMatch(/DATABASE_URL[\s\S]*PARKCTL_NOW[\s\S]*NO_COLOR/);
    const codes = await runCli(['help', 'exit-codes'], {});
    expect(codes.stdout).toMatch(/^\s+69\s+a service parkctl needs failed/m);
    expect(codes.stdout).toMatch(/^\s+4\s+not found/m);
    const top = await runCli(['--help'], {});
    expect(top.stdout).toContain('parkctl help environment');
    expect(top.stdout).toContain('parkctl help exit-codes');
  });

  it('option values are listed in help: vehicle types, statuses, formats, methods', async () => {
    const help = async (...words: string[]) => (await runCli([...words, '--help'], {})).stdout.replace(/\s+/g, ' ');
    const reserve = await help('booking', 'reserve');
    expect(reserve).toContain('motorcycle, compact, regular, large, ev or accessible');
    expect(await help('booking', 'list')).toMatch(/TENTATIVE, CONFIRMED, CHECKED_IN/);
    expect(await help('payments', 'collect')).toContain('cash or card');
    expect(await help('sweeper', 'run')).toContain('a unit is required');
  });

  it('the man page is built from the tree and shipped with the package', () => {
    const root = join(import.meta.dirname, '..');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[]; man: string[] };
    expect(pkg.files).toContain('man');
    expect(pkg.man).toContain('./man/parkctl.1');
    const path = join(root, 'man', 'parkctl.1');
    expect(existsSync(path), 'npm run build writes man/parkctl.1').toBe(true);
    const page = readFileSync(path, 'utf8');
    expect(page).toMatch(/^\.TH PARKCTL 1/m);
    for (const section of ['NAME', 'SYNOPSIS', 'COMMANDS', 'ENVIRONMENT', 'EXIT STATUS', 'EXAMPLES']) expect(page).toContain(`.SH ${section}`);
    expect(page).toContain('booking reserve');
    expect(page).toContain('DATABASE_URL');
  });
});
