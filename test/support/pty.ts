// A pseudo-terminal pair from socat: the driver opens one end with the real serialport binding,
// a simulated device talks on the other.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;

/** Starts socat and resolves with the two pty paths it printed. */
export function startPtyPair(): Promise<{ proc: ChildProcess; a: string; b: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const paths: string[] = [];
    let text = '';
    const timer = setTimeout(() => reject(new Error(`socat printed no pty paths: ${text}`)), 5000);
    proc.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      for (const m of text.matchAll(/PTY is (\S+)/g)) if (m[1] && !paths.includes(m[1])) paths.push(m[1]);
      if (paths.length === 2) {
        clearTimeout(timer);
        resolve({ proc, a: paths[0]!, b: paths[1]! });
      }
    });
    proc.on('error', reject);
  });
}
