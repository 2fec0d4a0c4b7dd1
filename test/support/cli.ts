// Run parkctl in-process, as a user would type it, against a test database.
import { main } from '../../src/cli.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON */
  json: unknown;
}

export async function runCli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'parkctl', ...args], { PARKCTL_ACTOR: 'test', ...env }, {
    stdout: (t) => { stdout += t; },
    stderr: (t) => { stderr += t; },
    isTty: false,
  });
  let json: unknown = undefined;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}
