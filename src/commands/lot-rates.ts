import type { Command } from 'commander';
import type { Run } from './index.js';

/** Subcommands of `parkctl lot` (added to the group made in lot.ts). */
export function registerLotRates(_lot: Command, _run: Run): void {}
