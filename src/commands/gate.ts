import type { Command } from 'commander';
import type { Run } from './index.js';

export function registerGate(program: Command, _run: Run): void {
  program.command('gate-daemon').description('the gate daemon: drives one barrier lane, decides locally, journals every event');
  program.command('gate').description('gates by hand: open a barrier with a reason');
}
