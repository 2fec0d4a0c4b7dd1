import type { Command } from 'commander';
import type { Run } from './index.js';

/** Subcommands of `parkctl db` (added to the group made in db.ts). */
export function registerDbDistribute(_db: Command, _run: Run): void {}
