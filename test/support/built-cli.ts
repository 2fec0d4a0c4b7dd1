// The built parkctl (bin/parkctl runs dist/: `npm run build` first) as a user runs it: piped, or on a
// terminal. The terminal is a real pseudo-terminal from util-linux `script`, sized with stty, so the
// program sees isTTY, columns and rows as it would in a shell.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export const bin = join(import.meta.dirname, '..', '..', 'bin', 'parkctl');

export interface BuiltResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A shell word: 'it''s' quoting. */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `parkctl args` with `env` (over this process's environment, minus the variables that change
 * output: COLUMNS, NO_COLOR, PAGER). With `tty`, on a pseudo-terminal of that size: stdout and stderr
 * both arrive in `stdout` (a terminal is one stream), with \r\n turned back into \n.
 */
export async function runBuilt(args: string[], env: Record<string, string>, tty?: { columns: number; rows: number }): Promise<BuiltResult> {
  const base: Record<string, string | undefined> = { ...process.env, PARKCTL_ACTOR: 'test', COLUMNS: undefined, LINES: undefined, NO_COLOR: undefined, PAGER: undefined, PARKCTL_PAGER: undefined };
  const fullEnv = { ...base, ...env };
  const command = tty
    ? ['script', ['-qec', `stty cols ${tty.columns} rows ${tty.rows}; exec ${quote(process.execPath)} ${[bin, ...args].map(quote).join(' ')}`, '/dev/null']] as const
    : [process.execPath, [bin, ...args]] as const;
  const child = spawn(command[0], [...command[1]], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const [code] = (await once(child, 'close')) as [number];
  return { code, stdout: tty ? stdout.replace(/\r\n/g, '\n') : stdout, stderr };
}
