import type { Command } from 'commander';
import type { Run } from './index.js';

export function registerCompletion(program: Command, _run: Run): void {
  program.command('completion').description('shell completion for bash and zsh');
}
