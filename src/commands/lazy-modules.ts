// The formatting libraries, loaded on first use: `parkctl --version` and `--help` never need them
// (issue 13: a one-shot command pays only for what it prints; yaml alone costs about 20 ms to load).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const yamlModule = (): typeof import('yaml') => require('yaml') as typeof import('yaml');
export const csvStringifyModule = (): typeof import('csv-stringify/sync') => require('csv-stringify/sync') as typeof import('csv-stringify/sync');
export const cliTable3 = (): typeof import('cli-table3') => require('cli-table3') as typeof import('cli-table3');
