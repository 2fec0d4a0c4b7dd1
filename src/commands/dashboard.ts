import type { Command } from 'commander';
import type { Run } from './index.js';

export function registerDashboard(program: Command, _run: Run): void {
  program.command('dashboard').description('the live attendant dashboard');
}
