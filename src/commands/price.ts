import type { Command } from 'commander';
import type { Run } from './index.js';

export function registerPrice(program: Command, _run: Run): void {
  program.command('price').description('prices: quote a window with its breakdown');
}
