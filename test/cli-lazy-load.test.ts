// Issue 13: a run loads only the command group it names; the others are stand-ins from the table in
// src/commands/index.ts. These hold that table to the real commands: the same top-level help, and the
// same tree under every group, as with every command loaded.
import { Help, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli.js';
import { commandModules, commandNamed, type Run } from '../src/commands/index.js';

const run: Run = async () => {};
const silent = { writeOut: () => {}, writeErr: () => {} };

/** Every command's help, depth first, keyed by its path. */
function helpTree(cmd: Command, path = ''): Record<string, string> {
  const out: Record<string, string> = { [path]: cmd.helpInformation() };
  for (const sub of cmd.commands) Object.assign(out, helpTree(sub, `${path} ${sub.name()}`.trim()));
  return out;
}

describe('the command table', () => {
  it('lists every top-level command with the name, term and description it really has, in order', async () => {
    const full = await buildProgram(run, silent, null);
    const help = new Help();
    const real = full.commands.map((c) => ({ name: c.name(), term: help.subcommandTerm(c), description: c.description() }));
    expect(commandModules.flatMap((m) => m.commands)).toEqual(real);
  });

  it('gives the same top-level help with stand-ins as with every command loaded', async () => {
    const full = await buildProgram(run, silent, null);
    for (const args of [['--help'], [], ['help'], ['--json', '--help']]) {
      const lazy = await buildProgram(run, silent, args);
      expect(lazy.helpInformation()).toBe(full.helpInformation());
    }
  });

  it('loads the named group for real: the same tree under it as with every command loaded', async () => {
    const full = await buildProgram(run, silent, null);
    for (const { name } of commandModules.flatMap((m) => m.commands)) {
      const lazy = await buildProgram(run, silent, ['--now', '2031-06-01T00:00:00Z', name, '--help']);
      const want = full.commands.find((c) => c.name() === name)!;
      const got = lazy.commands.find((c) => c.name() === name)!;
      expect(helpTree(got, name)).toEqual(helpTree(want, name));
    }
  });

  it('finds the command name past global options and their values, and after help', () => {
    expect(commandNamed(['--json', '--now', 'booking', 'lot', 'list'])).toBe('lot');
    expect(commandNamed(['--now=2031-06-01T00:00:00Z', '-v', 'capacity', 'check'])).toBe('capacity');
    expect(commandNamed(['help', 'booking'])).toBe('booking');
    expect(commandNamed(['help'])).toBe('help');
    expect(commandNamed(['--help'])).toBeNull();
  });
});

describe('parkctl --version', () => {
  it('answers from package.json before the program loads, and as commander does with other words beside it', async () => {
    const { runBuilt } = await import('./support/built-cli.js');
    const { readFileSync } = await import('node:fs');
    const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    for (const args of [['--version'], ['-V'], ['--json', '--version']]) {
      const r = await runBuilt(args, {}); // the real binary: the answer comes from bin/parkctl
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});
