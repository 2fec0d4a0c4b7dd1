import type { Command } from 'commander';
import type { Run } from './index.js';

export function registerSweeper(program: Command, _run: Run): void {
  program.command('sweeper').description('cron jobs: expire unpaid holds, release no-shows, flag overstays');
}
