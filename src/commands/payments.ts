import type { Command } from 'commander';
import type { Run } from './index.js';

export function registerPayments(program: Command, _run: Run): void {
  program.command('payments').description('money: Stripe webhooks, payments taken at the exit');
}
