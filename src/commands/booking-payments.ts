import type { Command } from 'commander';
import type { Run } from './index.js';

/** Subcommands of `parkctl booking` (added to the group made in booking.ts). */
export function registerBookingPayments(_booking: Command, _run: Run): void {}
